// clmnist: the Theano tutorials' models (softmax regression, the MLP) on MNIST with minibatch
// SGD on any OpenCL device, and a vendor-neutral benchmark. The only place that chooses exit codes:
// 0 success, 1 runtime error (also a failed write on standard output), 2 usage error.
#include <unistd.h>
#include <zlib.h>

#include <boost/version.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "build_info.hpp"
#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "config_file.hpp"
#include "errors.hpp"
#include "export_formats.hpp"
#include "fault_injection.hpp"
#include "gray_image.hpp"
#include "library_versions.hpp"
#include "shown_text.hpp"
#include "stop_signals.hpp"
#include "version.hpp"

namespace {

const char* kUsage =
    "clmnist " CLMNIST_VERSION_STRING
    ": the Theano tutorials' models on MNIST with minibatch SGD on any OpenCL device\n"
    "\n"
    "Usage: clmnist <command> [options]    (clmnist help <command> for its options)\n"
    "\n"
    "Commands:\n"
    "  help      this list, or a command's options: clmnist help train\n"
    "  devices   list every OpenCL platform and device, and the host backend\n"
    "  train     train on MNIST (default: the Theano logistic_sgd.py protocol)\n"
    "  presets   the presets of train and bench: model, protocol, published figures\n"
    "  tune      measure a device's fastest kernels and keep them for --impl auto\n"
    "  eval      error of a saved model on the test set\n"
    "  predict   the digit in each of your images, or the first test images' labels\n"
    "  bench     benchmark devices on the same training work\n"
    "  export    a saved model as numpy arrays or ONNX\n"
    "  fetch     get MNIST and verify it against the pinned SHA-256 sums\n"
    "\n"
    "Examples:\n"
    "  clmnist fetch                       # MNIST into the default data directory\n"
    "  clmnist devices\n"
    "  clmnist train                       # theano preset on the best device found\n"
    "  clmnist train --device host --preset tensorflow\n"
    "  clmnist train --preset theano-mlp   # Theano's mlp.py\n"
    "  clmnist eval --model best_model.safetensors\n";

// Runs the command; the exit code of its result or error.
int run_command(int argc, char** argv) {
  using namespace clmnist;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::cout << apps::wrap_text(kUsage, apps::text_width());
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--complete-values") == 0) {  // for completion/clmnist.bash
    return apps::print_completion_values(argc > 2 ? argv[2] : "");
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    if (argc > 2) {
      std::cerr << "clmnist: --version takes no arguments, not '" << runtime::shown_text(argv[2])
                << "'; see clmnist --help for the commands\n";
      return 2;
    }
    std::cout << clmnist_version_line() << "\n";
    for (const auto& [name, version] : runtime::library_versions()) {
      std::cout << "  " << name << ": " << version << "\n";
    }
    std::cout << "  Boost: " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
              << BOOST_VERSION % 100 << "\n"
              << "  zlib: " << zlibVersion() << "\n"
              << "  nlohmann-json: " << NLOHMANN_JSON_VERSION_MAJOR << "."
              << NLOHMANN_JSON_VERSION_MINOR << "." << NLOHMANN_JSON_VERSION_PATCH << "\n"
              << "  libpng: " << model::png_library_version() << "\n"
              << "  ONNX export: " << apps::onnx_support() << "\n";
    return 0;
  }
  // `clmnist help COMMAND ...` is `clmnist COMMAND ... --help`; `clmnist help` lists commands.
  if (std::strcmp(argv[1], "help") == 0) {
    if (argc == 2) {
      std::cout << apps::wrap_text(kUsage, apps::text_width());
      return 0;
    }
    std::vector<char*> args(argv, argv + argc);
    args.erase(args.begin() + 1);
    static char help_flag[] = "--help";
    args.push_back(help_flag);
    args.push_back(nullptr);
    return run_command(argc, args.data());
  }
  // Every error below is printed here, and shown_lines escapes what could act on a terminal: the
  // file names, file values and driver texts that messages quote (their line ends stay, for a
  // build log or a list of devices).
  const std::string command = runtime::shown_text(argv[1]);
  // Test-only fault injection (runtime/fault_injection.hpp); the runtime reads no environment.
  if (const char* fault = std::getenv("CLMNIST_FAULT")) runtime::set_fault_injection(fault);
  if (const char* marker = std::getenv("CLMNIST_TEST_PAUSE_WRITES")) {
    runtime::set_write_pause(marker);
  }
  try {
    if (command == "devices") return apps::run_devices(argc - 1, argv + 1);
    if (command == "train") return apps::run_train(argc - 1, argv + 1);
    if (command == "eval") return apps::run_eval(argc - 1, argv + 1);
    if (command == "predict") return apps::run_predict(argc - 1, argv + 1);
    if (command == "bench") return apps::run_bench(argc - 1, argv + 1);
    if (command == "export") return apps::run_export(argc - 1, argv + 1);
    if (command == "presets") return apps::run_presets(argc - 1, argv + 1);
    if (command == "tune") return apps::run_tune(argc - 1, argv + 1);
    if (command == "fetch") return apps::run_fetch(argc - 1, argv + 1);
    const std::string meant = apps::closest_name(command, apps::command_names());
    std::cerr << "clmnist: unknown command '" << command << "'"
              << (meant.empty() ? "" : "; did you mean " + meant + "?")
              << " (commands: devices, train, presets, eval, predict, bench, export, tune, fetch; "
                 "see clmnist help)\n";
    return 2;
  } catch (const apps::UsageError& e) {
    std::cerr << "clmnist " << command << ": " << runtime::shown_lines(e.what())
              << "\n(see clmnist help " << command << ")\n";
    return 2;
  } catch (const Error& e) {  // names the problem, the value and the fix
    std::cerr << "clmnist " << command << ": error: " << runtime::shown_lines(e.what()) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "clmnist " << command
              << ": error: out of memory: the network, the batch or the data is too large for "
                 "this machine; try a smaller --hidden or --batch-size\n";
    return 1;
  } catch (const std::exception& e) {
    // A library's own text (std::stoi, vector::_M_default_append, nlohmann's codes) was never
    // meant for a user: every path that can meet one turns it into an Error with context, so
    // one that arrives here is a bug in clmnist.
    std::cerr << "clmnist " << command << ": internal error (" << runtime::shown_lines(e.what())
              << "): clmnist should have explained this; please report it with the command "
                 "line\n";
    return 1;
  }
}

// A write to standard output that failed (a full disk, /dev/full) fails the command: exit 1
// with the reason on stderr, whatever the command returned.
int check_stdout(int rc, const char* command) {
  std::cout.flush();
  const bool flush_failed = std::fflush(stdout) != 0;
  int err = flush_failed ? errno : 0;
  if (!flush_failed && std::ferror(stdout) == 0 && std::cout.good()) return rc;
  // An earlier write failed and its errno is gone: ask the file once more for the reason.
  if (err == 0 && ::write(STDOUT_FILENO, "\n", 1) < 0) err = errno;
  std::cerr << "clmnist"
            << (command != nullptr ? " " + clmnist::runtime::shown_text(command) : std::string())
            << ": error: cannot write to standard output"
            << (err != 0 ? std::string(": ") + std::strerror(err)
                         : std::string(" (part of the output is lost)"))
            << "; the command's output is incomplete\n";
  return rc == 0 ? 1 : rc;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe ends clmnist quietly by SIGPIPE (shell status 141), also where the caller
  // left SIGPIPE ignored: writing on into a pipe no one reads is pointless.
  std::signal(SIGPIPE, SIG_DFL);
  // SIGINT, SIGTERM and SIGHUP go to one thread of their own from here on (stop_signals.hpp).
  clmnist::runtime::install_stop_signals();
  const int rc = run_command(argc, argv);
  return check_stdout(rc, argc >= 2 && argv[1][0] != '-' ? argv[1] : nullptr);
}
