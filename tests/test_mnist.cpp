// The reference jobs on real MNIST, on the OpenCL test device (with the planner's kernels and
// with the GPU family forced) and on the host: the theano preset must reproduce the published log
// of logistic_sgd.py exactly, and the theano-mlp preset the log of mlp.py's first three epochs.
#include <catch2/catch.hpp>
#include <sstream>

#include "backend.hpp"
#include "mnist.hpp"
#include "presets.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

using namespace clmnist;

namespace {

model::TrainData mnist_for(const model::TrainConfig& cfg) {
  const model::MnistFiles files = model::find_mnist_files(model::default_data_dir());
  return model::split_for_training(
      model::load_labeled_images(files.train_images, files.train_labels),
      model::load_labeled_images(files.test_images, files.test_labels), cfg);
}

struct Run {
  runtime::DeviceDesc device;
  runtime::Impl impl;
};
std::vector<Run> runs() {
  runtime::DeviceDesc device;
  REQUIRE(test::find_test_device(device));
  return {{device, runtime::Impl::kAuto},
          {device, runtime::Impl::kGpu},
          {runtime::host_device_desc(0), runtime::Impl::kAuto}};
}

// Trains with the run's implementation; returns the log.
std::string train_log(const Run& run, const model::TrainData& data, const model::TrainConfig& cfg,
                      model::TrainResult& r, std::string& impls) {
  auto backend = runtime::make_backend(run.device, {});
  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  auto exec = backend->compile(net, model::compile_options(cfg, run.impl));
  impls = runtime::plan_impls(exec->plan());
  std::ostringstream log;
  r = model::train(*backend, *exec, data, cfg, log);
  return log.str();
}

// The lines of `text` that start with "epoch" or report a test error, in order.
std::string epoch_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("epoch ", 0) == 0 ||
        line.find("test error of best model") != std::string::npos) {
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("theano preset reproduces the tutorial's published figures", "[mnist]") {
  const model::TrainConfig cfg = model::preset_config("theano");
  const model::TrainData data = mnist_for(cfg);
  for (const Run& run : runs()) {
    INFO("device " << run.device.name);
    model::TrainResult r;
    std::string impls;
    const std::string text = train_log(run, data, cfg, r, impls);
    INFO("implementation " << impls);
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

TEST_CASE("theano-mlp preset reproduces mlp.py's first three epochs", "[mnist]") {
  model::TrainConfig cfg = model::preset_config("theano-mlp");
  cfg.max_epochs = 3;
  const model::TrainData data = mnist_for(cfg);
  const std::string expected =
      "epoch 1, minibatch 2500/2500, validation error 9.620000 %\n"
      "     epoch 1, minibatch 2500/2500, test error of best model 10.090000 %\n"
      "epoch 2, minibatch 2500/2500, validation error 8.610000 %\n"
      "     epoch 2, minibatch 2500/2500, test error of best model 8.740000 %\n"
      "epoch 3, minibatch 2500/2500, validation error 8.000000 %\n"
      "     epoch 3, minibatch 2500/2500, test error of best model 8.160000 %\n";
  for (const Run& run : runs()) {
    INFO("device " << run.device.name);
    model::TrainResult r;
    std::string impls;
    const std::string text = train_log(run, data, cfg, r, impls);
    INFO("implementation " << impls);
    CHECK(epoch_lines(text) == expected);
    CHECK(text.find("Optimization complete. Best validation score of 8.000000 % obtained at "
                    "iteration 7500, with test performance 8.160000 %") != std::string::npos);
    CHECK(r.epochs == 3);
    CHECK(r.iterations == 7500);
    CHECK(r.best_epoch == 3);
    CHECK(r.best_validation_error == 800.0 / 10000.0);
    CHECK(r.test_error == 816.0 / 10000.0);
    CHECK(r.valid_counted == 10000);  // batch 20 divides 10,000: every row counts
  }
}
