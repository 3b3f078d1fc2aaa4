// Interrupted and resumed runs end exactly where an uninterrupted run ends: the same best model
// (byte for byte) and the same final parameters, for interruptions at several points, on the host
// and the OpenCL device, with shuffling on so the shuffling state is covered too.
#include <catch2/catch.hpp>
#include <sstream>

#include "checkpoint.hpp"
#include "errors.hpp"
#include "opencl_backend.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

using namespace clmnist;

namespace {

struct Outcome {
  std::string best_model;  // encoded safetensors of the best model
  std::vector<float> wt, b;
  model::TrainResult result;
};

std::unique_ptr<runtime::Backend> backend_for(const std::string& which) {
  if (which == "host") return runtime::make_backend(runtime::host_device_desc(0), {});
  runtime::DeviceDesc d;
  REQUIRE(test::find_test_device(d));
  runtime::BackendOptions o;
  o.gemm = runtime::GemmPath::kFused;
  return runtime::make_backend(d, o);
}

// Runs to the end, stopping after each minibatch count in `stops` (counted over the whole run) and
// resuming from the checkpoint file each time.
Outcome run(const std::string& which, const model::TrainData& data, const model::TrainConfig& cfg,
            const std::vector<std::size_t>& stops, const std::string& path) {
  std::unique_ptr<model::TrainState> state;
  std::size_t next_stop = 0;
  for (;;) {
    auto be = backend_for(which);
    std::size_t steps = state ? state->iterations : 0;
    model::TrainHooks hooks;
    hooks.on_state = [&](const model::TrainState& st) { model::save_checkpoint(path, st); };
    hooks.interrupted = [&] {
      ++steps;
      return next_stop < stops.size() && steps == stops[next_stop];
    };
    std::ostringstream log;
    model::TrainResult r = model::train(*be, data, cfg, log, hooks, state.get());
    if (r.interrupted) {
      ++next_stop;
      state = std::make_unique<model::TrainState>(model::load_checkpoint(path));
      continue;
    }
    REQUIRE(next_stop == stops.size());  // every requested interruption happened
    Outcome o;
    model::SafeTensors st;
    st.tensors["W"] = {{72, 5}, r.best_model.w};
    st.tensors["b"] = {{5}, r.best_model.b};
    o.best_model = model::encode_safetensors(st);
    be->get_params(o.wt, o.b);
    o.result = r;
    return o;
  }
}

}  // namespace

TEST_CASE("a run interrupted anywhere and resumed ends byte-identical", "[device][checkpoint]") {
  const model::TrainData data = test::synthetic_train_data(1200, 300, 300, 99);
  model::TrainConfig cfg;
  cfg.learning_rate = 0.02;
  cfg.batch_size = 50;  // 24 minibatches an epoch
  cfg.max_epochs = 200;
  cfg.patience = 100;  // early stopping ends the run well before 200 epochs
  cfg.validation_frequency = 10;
  cfg.shuffle = true;
  cfg.seed = 5;
  cfg.pixel_divisor = 255.0;
  const std::string path = test::temp_dir("checkpoint") + "/run.ckpt";

  for (const char* which : {"host", "fused"}) {
    INFO("backend " << which);
    const Outcome plain = run(which, data, cfg, {}, path);
    REQUIRE(plain.result.epochs < cfg.max_epochs);  // stopped by early stopping
    REQUIRE(plain.result.iterations > 99);          // so every stop below lies inside the run
    // Mid-epoch, right after a validation (10), an epoch boundary (24), two in a row (31, 32),
    // and late in the run.
    const std::vector<std::vector<std::size_t>> cases = {{1}, {10}, {24}, {31, 32}, {57, 99}};
    for (const auto& stops : cases) {
      INFO("interrupted after minibatches " << stops.front()
                                            << (stops.size() > 1 ? " and more" : ""));
      const Outcome resumed = run(which, data, cfg, stops, path);
      CHECK(resumed.best_model == plain.best_model);
      CHECK(resumed.wt == plain.wt);
      CHECK(resumed.b == plain.b);
      CHECK(resumed.result.epochs == plain.result.epochs);
      CHECK(resumed.result.iterations == plain.result.iterations);
      CHECK(resumed.result.best_validation_error == plain.result.best_validation_error);
      CHECK(resumed.result.test_error == plain.result.test_error);
    }
    // A checkpoint taken when the run had finished resumes to the same result, with no training.
    const model::TrainState done = model::load_checkpoint(path);
    CHECK(done.finished);
    auto be = backend_for(which);
    std::ostringstream log;
    const model::TrainResult again = model::train(*be, data, cfg, log, {}, &done);
    CHECK(again.iterations == plain.result.iterations);
    CHECK(again.best_model.w == plain.result.best_model.w);
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
    model::TrainHooks hooks;
    hooks.on_state = [&](const model::TrainState& st) { model::save_checkpoint(path, st); };
    std::ostringstream log;
    model::train(*be, data, cfg, log, hooks);
  }
  const model::TrainState st = model::load_checkpoint(path);
  model::TrainData other = data;
  other.train.images[5] ^= 1;
  auto be = backend_for("host");
  std::ostringstream log;
  CHECK_THROWS_WITH(model::train(*be, other, cfg, log, {}, &st), Catch::Contains("other data"));
  model::TrainConfig changed = cfg;
  changed.learning_rate = 0.2;
  CHECK_THROWS_WITH(model::train(*be, data, changed, log, {}, &st), Catch::Contains("settings"));
  // A model file is not a checkpoint.
  model::SoftmaxModel m = st.best.best_model;
  model::save_model(path + ".model", m);
  CHECK_THROWS_AS(model::load_checkpoint(path + ".model"), DataError);
}
