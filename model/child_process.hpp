// Running another program (npm, curl, wget) as a child process without a shell: the arguments
// reach it as they are, whatever characters they hold.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace clmnist::model {

// Whether `name` is an executable file in a directory of $PATH.
bool program_on_path(const std::string& name);

struct ChildResult {
  int exit_code = -1;  // the program's exit status; -1 when it died by a signal
  std::string output;  // what it wrote on stdout
  std::string errors;  // what it wrote on stderr
};

// Runs argv[0] (looked up in $PATH) with the arguments in `workdir` and waits for it, calling
// `while_waiting` (when given) about five times a second until it ends. Throws Error when it
// cannot be started.
ChildResult run_program(const std::vector<std::string>& argv, const std::string& workdir,
                        const std::function<void()>& while_waiting = {});

}  // namespace clmnist::model
