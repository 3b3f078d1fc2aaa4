// clmnist: the Theano tutorials' models (softmax regression, the MLP) on MNIST with minibatch
// SGD on any OpenCL device, and a vendor-neutral benchmark. The only place that chooses exit codes:
// 0 success, 1 runtime error, 2 usage error.
#include <zlib.h>

#include <boost/version.hpp>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fault_injection.hpp"
#include "library_versions.hpp"
#include "version.hpp"

namespace {

const char* kUsage =
    "clmnist " CLMNIST_VERSION_STRING
    ": the Theano tutorials' models on MNIST with minibatch SGD on any OpenCL device\n"
    "\n"
    "Usage: clmnist <command> [options]    (clmnist <command> --help for its options)\n"
    "\n"
    "Commands:\n"
    "  devices   list every OpenCL platform and device, and the host backend\n"
    "  train     train on MNIST (default: the Theano logistic_sgd.py protocol)\n"
    "  presets   the presets of train and bench: model, protocol, published figures\n"
    "  tune      measure the fastest kernels for a device and store them for --impl auto\n"
    "  eval      error of a saved model on the test set\n"
    "  predict   predicted and true labels of the first test images\n"
    "  bench     benchmark devices on the same training work\n"
    "  export    a saved model as numpy arrays or ONNX\n"
    "\n"
    "Examples:\n"
    "  clmnist devices\n"
    "  clmnist train                       # theano preset on the best device found\n"
    "  clmnist train --device host --preset tensorflow\n"
    "  clmnist train --preset theano-mlp   # Theano's mlp.py\n"
    "  clmnist eval --model best_model.safetensors\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace clmnist;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::cout << "clmnist " << CLMNIST_VERSION_STRING << "\n";
    for (const auto& [name, version] : runtime::library_versions()) {
      std::cout << "  " << name << ": " << version << "\n";
    }
    std::cout << "  Boost: " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
              << BOOST_VERSION % 100 << "\n"
              << "  zlib: " << zlibVersion() << "\n"
              << "  nlohmann-json: " << NLOHMANN_JSON_VERSION_MAJOR << "."
              << NLOHMANN_JSON_VERSION_MINOR << "." << NLOHMANN_JSON_VERSION_PATCH << "\n";
    return 0;
  }
  const std::string command = argv[1];
  // Test-only fault injection (runtime/fault_injection.hpp); the runtime reads no environment.
  if (const char* fault = std::getenv("CLMNIST_FAULT")) runtime::set_fault_injection(fault);
  try {
    if (command == "devices") return apps::run_devices(argc - 1, argv + 1);
    if (command == "train") return apps::run_train(argc - 1, argv + 1);
    if (command == "eval") return apps::run_eval(argc - 1, argv + 1);
    if (command == "predict") return apps::run_predict(argc - 1, argv + 1);
    if (command == "bench") return apps::run_bench(argc - 1, argv + 1);
    if (command == "export") return apps::run_export(argc - 1, argv + 1);
    if (command == "presets") return apps::run_presets(argc - 1, argv + 1);
    if (command == "tune") return apps::run_tune(argc - 1, argv + 1);
    std::cerr << "clmnist: unknown command '" << command
              << "' (commands: devices, train, presets, eval, predict, bench, export, tune; see clmnist --help)\n";
    return 2;
  } catch (const apps::UsageError& e) {
    std::cerr << "clmnist " << command << ": " << e.what() << "\n(see clmnist " << command
              << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "clmnist " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}
