// The reference job: the theano preset on real MNIST, on the OpenCL test device and on the host,
// must reproduce the published log of logistic_sgd.py exactly.
#include <catch2/catch.hpp>
#include <sstream>

#include "backend.hpp"
#include "mnist.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

using namespace clmnist;

TEST_CASE("theano preset reproduces the tutorial's published figures", "[mnist]") {
  const model::MnistFiles files = model::find_mnist_files(model::default_data_dir());
  const model::TrainConfig cfg = model::preset_config("theano");
  const model::LabeledImages train_file =
      model::load_labeled_images(files.train_images, files.train_labels);
  const model::TrainData data = model::split_for_training(
      train_file, model::load_labeled_images(files.test_images, files.test_labels), cfg);
  runtime::DeviceDesc device;
  REQUIRE(test::find_test_device(device));
  for (const runtime::DeviceDesc& d : {device, runtime::host_device_desc(0)}) {
    INFO("device " << d.name);
    auto backend = runtime::make_backend(d, {});
    std::ostringstream log;
    const model::TrainResult r = model::train(*backend, data, cfg, log);
    const std::string text = log.str();
    CHECK(text.find("epoch 72, minibatch 83/83, validation error 7.510417 %") != std::string::npos);
    CHECK(text.find("epoch 73, minibatch 83/83, validation error 7.500000 %") != std::string::npos);
    CHECK(text.find("     epoch 73, minibatch 83/83, test error of best model 7.489583 %") !=
          std::string::npos);
    CHECK(text.find("Optimization complete with best validation score of 7.500000 %, with test "
                    "performance 7.489583 %") != std::string::npos);
    CHECK(r.epochs == 74);
    CHECK(r.iterations == 6141);  // minibatches run, as NOTES.md measured
    CHECK(r.best_epoch == 73);
    CHECK(r.best_validation_error == 720.0 / 9600.0);
    CHECK(r.test_error == 719.0 / 9600.0);
    CHECK(r.valid_counted == 9600);
    CHECK(r.valid_rows == 10000);
  }
}
