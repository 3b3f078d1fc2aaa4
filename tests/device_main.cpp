// Catch2 main for tests that need an OpenCL device (and, built with CLMNIST_TEST_NEEDS_MNIST, the
// MNIST files). Without them it exits 77, which CTest reports as Skipped; with
// CLMNIST_REQUIRE_DEVICE=1 (as CI sets) a missing requirement is a failure instead.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "test_support.hpp"
#ifdef CLMNIST_TEST_NEEDS_MNIST
#include "mnist.hpp"
#endif

namespace {

bool requirements_met(std::string& why) {
  clmnist::runtime::DeviceDesc d;
  if (!clmnist::test::find_test_device(d)) {
    why = "no OpenCL device";
    return false;
  }
#ifdef CLMNIST_TEST_NEEDS_MNIST
  try {
    clmnist::model::find_mnist_files(clmnist::model::default_data_dir());
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
#endif
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0) return Catch::Session().run(argc, argv);
  }
  std::string why;
  if (!requirements_met(why)) {
    const char* require = std::getenv("CLMNIST_REQUIRE_DEVICE");
    if (require != nullptr && std::strcmp(require, "1") == 0) {
      std::cerr << "FAILED: required test resources missing: " << why << "\n";
      return 1;
    }
    std::cerr << "SKIPPED: " << why << "\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
