// fork + execvp with stdout and stderr sent to files of a temporary directory, read back after.
#include "child_process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "errors.hpp"
#include "stop_signals.hpp"

namespace clmnist::model {

bool program_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

namespace {

std::string slurp_and_remove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  ::unlink(path.c_str());
  return s.str();
}

}  // namespace

ChildResult run_program(const std::vector<std::string>& argv, const std::string& workdir,
                        const std::function<void()>& while_waiting) {
  if (argv.empty()) throw Error("run_program: no program given");
  // The outputs go to files beside the work, not pipes: no deadlock on a chatty program.
  const std::string out_path = workdir + "/.clmnist-stdout",
                    err_path = workdir + "/.clmnist-stderr";
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    runtime::unblock_stop_signals_in_child();
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || ::chdir(workdir.c_str()) != 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0) {
      ::_exit(126);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  runtime::register_child(pid);  // a stop signal ends it too
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, while_waiting ? WNOHANG : 0);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (done == 0) {  // still running
      while_waiting();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  runtime::unregister_child(pid);
  ChildResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = slurp_and_remove(out_path);
  r.errors = slurp_and_remove(err_path);
  if (r.exit_code == 127 && r.errors.empty()) {
    throw Error("cannot run " + argv[0] + ": not found or not executable");
  }
  return r;
}

}  // namespace clmnist::model
