// The subcommands of clmnist; each takes its own argv (argv[0] is the subcommand name) and
// returns the process exit code. Errors are thrown; main maps them to exit codes.
#pragma once

#include <string>

namespace clmnist::apps {

int run_devices(int argc, char** argv);
int run_train(int argc, char** argv);
int run_eval(int argc, char** argv);
int run_predict(int argc, char** argv);
int run_bench(int argc, char** argv);
int run_export(int argc, char** argv);
int run_presets(int argc, char** argv);
int run_tune(int argc, char** argv);
int run_fetch(int argc, char** argv);
// `clmnist --complete-values OPTION` (complete_values.cpp): for the shell completion.
int print_completion_values(const std::string& option);

}  // namespace clmnist::apps
