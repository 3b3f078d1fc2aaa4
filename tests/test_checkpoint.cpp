// Interrupted and resumed runs end exactly where an uninterrupted run ends: the same best model
// (byte for byte) and the same final parameters, for interruptions at several points, on the host
// and the OpenCL device, for softmax regression and an MLP with weight decay, with shuffling on
// so the shuffling state is covered too.
#include <catch2/catch.hpp>
#include <sstream>

#include "networks.hpp"
#include "checkpoint.hpp"
#include "errors.hpp"
#include "network_model.hpp"
#include "opencl_backend.hpp"
#include "presets.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

using namespace clmnist;

namespace {

struct Outcome {
  std::string best_model;       // encoded safetensors of the best model
  runtime::ParamValues params;  // the parameters at the end
  model::TrainResult result;
};

// "host", or an implementation ("fused", "dense") on the test device.
std::unique_ptr<runtime::Backend> backend_for(const std::string& which) {
  if (which == "host") return runtime::make_backend(runtime::host_device_desc(0), {});
  runtime::DeviceDesc d;
  REQUIRE(test::find_test_device(d));
  return runtime::make_backend(d, {});
}

std::unique_ptr<runtime::Executable> compile_for(runtime::Backend& be, const std::string& which,
                                                 const model::TrainData& data,
                                                 const model::TrainConfig& cfg) {
  const runtime::Impl impl = which == "host" ? runtime::Impl::kAuto : runtime::parse_impl(which);
  return be.compile(
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes),
      model::compile_options(cfg, impl));
}

std::string encode(const model::Model& m) {
  model::SafeTensors st;
  for (const runtime::ParamSpec& p : m.network.params()) {
    st.tensors[p.name] = {p.shape, m.params.at(p.name)};
  }
  st.metadata["network"] = runtime::to_json(m.network);
  return model::encode_safetensors(st);
}

// Runs to the end, stopping after each minibatch count in `stops` (counted over the whole run) and
// resuming from the checkpoint file each time.
Outcome run_to_end(const std::string& which, const model::TrainData& data,
                   const model::TrainConfig& cfg, const std::vector<std::size_t>& stops,
                   const std::string& path) {
  std::unique_ptr<model::TrainState> state;
  std::size_t next_stop = 0;
  for (;;) {
    auto be = backend_for(which);
    auto exec = compile_for(*be, which, data, cfg);
    std::size_t steps = state ? state->iterations : 0;
    model::TrainHooks hooks;
    hooks.on_state = [&](const model::TrainState& st) { model::save_checkpoint(path, st); };
    hooks.interrupted = [&] {
      ++steps;
      return next_stop < stops.size() && steps == stops[next_stop];
    };
    std::ostringstream log;
    model::TrainResult r = model::train(*be, *exec, data, cfg, log, hooks, state.get());
    if (r.interrupted) {
      ++next_stop;
      state = std::make_unique<model::TrainState>(model::load_checkpoint(path));
      continue;
    }
    REQUIRE(next_stop == stops.size());  // every requested interruption happened
    Outcome o;
    o.best_model = encode(r.best_model);
    o.params = exec->read_params();
    o.result = r;
    return o;
  }
}

}  // namespace

TEST_CASE("a run interrupted anywhere and resumed ends byte-identical", "[device][checkpoint]") {
  const model::TrainData data = test::synthetic_train_data(1200, 300, 300, 99);
  model::TrainConfig logreg;
  logreg.learning_rate = 0.02;
  logreg.batch_size = 50;  // 24 minibatches an epoch
  logreg.max_epochs = 200;
  logreg.patience = 100;  // early stopping ends the run well before 200 epochs
  logreg.validation_frequency = 10;
  logreg.shuffle = true;
  logreg.seed = 5;
  logreg.pixel_divisor = 255.0;
  // 72-9 tanh-5 with L1 and L2 (the dense kernels' decay terms, layers saved by name).
  model::TrainConfig mlp = logreg;
  mlp.preset = "theano-mlp";
  mlp.hidden = 9;
  mlp.learning_rate = 0.05;
  mlp.l1 = 0.0001;
  mlp.l2 = 0.0001;
  const std::string path = test::temp_dir("checkpoint") + "/run.ckpt";

  struct Run {
    const char* which;
    const model::TrainConfig* cfg;
  };
  for (const Run& run :
       {Run{"host", &logreg}, Run{"fused", &logreg}, Run{"host", &mlp}, Run{"dense", &mlp}}) {
    const std::string which = run.which;
    const model::TrainConfig& cfg = *run.cfg;
    INFO("implementation " << which << ", preset " << cfg.preset);
    const Outcome plain = run_to_end(which, data, cfg, {}, path);
    REQUIRE(plain.result.epochs < cfg.max_epochs);  // stopped by early stopping
    REQUIRE(plain.result.iterations > 99);          // so every stop below lies inside the run
    // Mid-epoch, right after a validation (10), an epoch boundary (24), two in a row (31, 32),
    // and late in the run.
    const std::vector<std::vector<std::size_t>> cases = {{1}, {10}, {24}, {31, 32}, {57, 99}};
    for (const auto& stops : cases) {
      INFO("interrupted after minibatches " << stops.front()
                                            << (stops.size() > 1 ? " and more" : ""));
      const Outcome resumed = run_to_end(which, data, cfg, stops, path);
      CHECK(resumed.best_model == plain.best_model);
      CHECK(resumed.params == plain.params);
      CHECK(resumed.result.epochs == plain.result.epochs);
      CHECK(resumed.result.iterations == plain.result.iterations);
      CHECK(resumed.result.best_validation_error == plain.result.best_validation_error);
      CHECK(resumed.result.test_error == plain.result.test_error);
    }
    // A checkpoint taken when the run had finished resumes to the same result, with no training.
    const model::TrainState done = model::load_checkpoint(path);
    CHECK(done.finished);
    CHECK(done.network == plain.result.best_model.network);
    auto be = backend_for(which);
    auto exec = compile_for(*be, which, data, cfg);
    std::ostringstream log;
    const model::TrainResult again = model::train(*be, *exec, data, cfg, log, {}, &done);
    CHECK(again.iterations == plain.result.iterations);
    CHECK(again.best_model.params == plain.result.best_model.params);
    CHECK(exec->read_params() == plain.params);
  }
}

TEST_CASE("a checkpoint refuses other data or settings", "[checkpoint]") {
  const model::TrainData data = test::synthetic_train_data(600, 150, 150, 3);
  model::TrainConfig cfg;
  cfg.batch_size = 50;
  cfg.max_epochs = 1;
  const std::string path = test::temp_dir("checkpoint-refuse") + "/run.ckpt";
  {
    auto be = backend_for("host");
    auto exec = compile_for(*be, "host", data, cfg);
    model::TrainHooks hooks;
    hooks.on_state = [&](const model::TrainState& st) { model::save_checkpoint(path, st); };
    std::ostringstream log;
    model::train(*be, *exec, data, cfg, log, hooks);
  }
  const model::TrainState st = model::load_checkpoint(path);
  model::TrainData other = data;
  other.train.images[5] ^= 1;
  auto be = backend_for("host");
  auto exec = compile_for(*be, "host", data, cfg);
  std::ostringstream log;
  CHECK_THROWS_WITH(model::train(*be, *exec, other, cfg, log, {}, &st),
                    Catch::Contains("other data"));
  model::TrainConfig changed = cfg;
  changed.learning_rate = 0.2;
  CHECK_THROWS_WITH(model::train(*be, *exec, data, changed, log, {}, &st),
                    Catch::Contains("learning_rate"));
  // Another network: a hidden layer the checkpoint's parameters do not have.
  model::TrainConfig deeper = cfg;
  deeper.hidden = 4;
  auto deeper_exec = compile_for(*be, "host", data, deeper);
  CHECK_THROWS_AS(model::train(*be, *deeper_exec, data, deeper, log, {}, &st), DataError);
  // A model file is not a checkpoint.
  model::Model m = st.best.best_model;
  model::save_model(path + ".model", m);
  CHECK_THROWS_AS(model::load_checkpoint(path + ".model"), DataError);
  // The checkpoint holds the network and the parameters by name, current and best.
  CHECK(st.network == model::logistic_regression(8, 9, 5, 256.0));
  CHECK(st.params.size() == 2);
  CHECK(st.best.best_model.params.size() == 2);
  CHECK(st.config.batch_size == 50);
}

TEST_CASE("a checkpoint keeps the run's --save-model and one without it reads back",
          "[checkpoint]") {
  const model::TrainData data = test::synthetic_train_data(600, 150, 150, 3);
  model::TrainConfig cfg;
  cfg.batch_size = 50;
  cfg.max_epochs = 1;
  const std::string dir = test::temp_dir("checkpoint-save-model");
  model::TrainState last;
  {
    auto be = backend_for("host");
    auto exec = compile_for(*be, "host", data, cfg);
    model::TrainHooks hooks;
    hooks.on_state = [&](const model::TrainState& st) { last = st; };
    std::ostringstream log;
    model::train(*be, *exec, data, cfg, log, hooks);
  }
  CHECK_FALSE(last.save_model.has_value());  // the trainer leaves it to the command
  model::save_checkpoint(dir + "/none.ckpt", last);
  CHECK_FALSE(model::load_checkpoint(dir + "/none.ckpt").save_model.has_value());
  for (const std::string saved : {"runs/x model.safetensors", ""}) {
    last.save_model = saved;
    model::save_checkpoint(dir + "/with.ckpt", last);
    const model::TrainState back = model::load_checkpoint(dir + "/with.ckpt");
    REQUIRE(back.save_model.has_value());
    CHECK(*back.save_model == saved);
  }
}
