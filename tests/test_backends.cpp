// Backend-level tests: one SGD step, evaluation and prediction of softmax regression on every
// implementation against the double-precision host ops; the planner's choices; short training runs
// on synthetic data on the host and the device; determinism of saved models; the kernel cache.
#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "networks.hpp"
#include "backend.hpp"
#include "host_oracles.hpp"
#include "network_model.hpp"
#include "opencl_backend.hpp"
#include "opencl_executables.hpp"
#include "presets.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

using namespace clmnist;
using runtime::Impl;

namespace {

runtime::DeviceDesc test_device() {
  runtime::DeviceDesc d;
  REQUIRE(test::find_test_device(d));
  return d;
}

// "host" or an implementation on the test device, with its compile option.
struct Target {
  const char* name;
  bool host;
  Impl impl;
};
const Target kHost{"host", true, Impl::kAuto};
const Target kFused{"fused", false, Impl::kFused};
const Target kDense{"dense", false, Impl::kDense};
const Target kClblast{"clblast", false, Impl::kClblast};

std::unique_ptr<runtime::Backend> backend_for(const Target& t) {
  if (t.host) return runtime::make_backend(runtime::host_device_desc(0), {});
  runtime::BackendOptions o;
  o.kernel_cache = false;
  return runtime::make_backend(test_device(), o);
}

model::TrainData synthetic_data() { return test::synthetic_train_data(1200, 300, 300, 2024); }

model::TrainConfig synthetic_config() {
  model::TrainConfig c;
  c.preset = "theano";  // the log's wording
  c.learning_rate = 0.05;
  c.batch_size = 50;
  c.max_epochs = 6;
  c.shuffle = true;
  c.seed = 7;
  c.pixel_divisor = 255.0;
  return c;
}

// 72-16 tanh-5 with L2, as theano-mlp words its log.
model::TrainConfig synthetic_mlp_config() {
  model::TrainConfig c = synthetic_config();
  c.preset = "theano-mlp";
  c.hidden = 16;
  c.learning_rate = 0.1;
  c.l2 = 0.0001;
  return c;
}

struct Trained {
  model::TrainResult result;
  std::string log;
};

Trained train_on(const Target& t, const model::TrainData& data, const model::TrainConfig& cfg) {
  auto be = backend_for(t);
  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  auto exec = be->compile(net, model::compile_options(cfg, t.impl));
  std::ostringstream log;
  Trained out;
  out.result = model::train(*be, *exec, data, cfg, log);
  out.log = log.str();
  return out;
}

}  // namespace

TEST_CASE("one SGD step, evaluation and prediction match the host in double", "[device][backend]") {
  const std::size_t rows = 37, image_rows = 5, image_cols = 9, k = 7, batch = 33, first = 4;
  const std::size_t features = image_rows * image_cols;  // 45
  const std::uint32_t seed = 5;
  INFO("seed " << seed);
  const auto x = test::random_bytes(rows * features, seed);
  const auto labels = test::random_bytes(rows, seed + 1, k - 1);
  const auto wtf = test::random_floats(k * features, seed + 2, -0.01f, 0.01f);  // [k x features]
  const auto bf = test::random_floats(k, seed + 3, -0.1f, 0.1f);
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  std::reverse(order.begin(), order.end());
  const double scale = 1.0 / 256.0, lr = 0.5;

  // Oracle in double.
  std::vector<double> wt(wtf.begin(), wtf.end()), b(bf.begin(), bf.end());
  std::vector<double> logits(batch * k), dl(batch * k), loss(rows), grad;
  runtime::host::linear_dots(x.data(), order.data(), first, batch, features, k, scale, wt.data(),
                             logits.data());
  runtime::host::xent_grad(logits.data(), b.data(), labels.data(), order.data(), first, batch, k,
                           1.0 / batch, dl.data(), loss.data());
  runtime::host::weight_grad_update(x.data(), order.data(), first, batch, features, k, scale, lr,
                                    dl.data(), wt.data(), b.data(), grad);
  std::vector<double> elogits(rows * k), probs(rows * k);
  std::vector<std::uint32_t> identity(rows);
  std::iota(identity.begin(), identity.end(), 0u);
  runtime::host::linear_dots(x.data(), identity.data(), 0, rows, features, k, scale, wt.data(),
                             elogits.data());
  std::vector<std::uint8_t> wrong(rows);
  runtime::host::count_errors(elogits.data(), b.data(), labels.data(), rows, k, wrong.data());
  runtime::host::softmax_rows(elogits.data(), b.data(), rows, k, probs.data());
  const auto errors_all = std::accumulate(wrong.begin(), wrong.end(), std::uint64_t{0});
  const auto errors_first = std::accumulate(wrong.begin(), wrong.begin() + 20, std::uint64_t{0});
  // The canonical layouts: W [features x k] (the oracle's wt transposed), b [k].
  std::vector<float> w_start(features * k);
  std::vector<double> w_ref(features * k);
  for (std::size_t j = 0; j < features; ++j) {
    for (std::size_t c = 0; c < k; ++c) {
      w_start[j * k + c] = wtf[c * features + j];
      w_ref[j * k + c] = wt[c * features + j];
    }
  }
  const runtime::NetworkSpec net = model::logistic_regression(image_rows, image_cols, k, 256.0);

  for (const Target& t : {kHost, kFused, kDense, kClblast}) {
    INFO("implementation " << t.name);
    auto be = backend_for(t);
    runtime::CompileOptions o;
    o.max_batch = batch;
    o.impl = t.impl;
    auto exec = be->compile(net, o);
    const auto id = be->upload({x.data(), labels.data(), rows, features});
    be->set_order(id, order);
    exec->write_params({{"W", w_start}, {"b", bf}});
    exec->sgd_step(id, first, batch, {static_cast<float>(lr), 0.0f, 0.0f});
    CHECK(test::mismatches(exec->read_param("W"), w_ref, "W") == "");
    CHECK(test::mismatches(exec->read_param("b"), b, "b") == "");
    const double mean_loss =
        std::accumulate(loss.begin() + first, loss.begin() + first + batch, 0.0) / batch;
    CHECK(test::close(exec->train_loss(id, first, batch), mean_loss));
    const runtime::EvalCounts ev = exec->evaluate(id, 20);
    CHECK(ev.errors_all == errors_all);
    CHECK(ev.errors_counted == errors_first);
    const std::vector<float> p = exec->predict(id, 3, 30);
    CHECK(test::mismatches(p, std::vector<double>(probs.begin() + 3 * k, probs.begin() + 33 * k),
                           "p") == "");
  }
}

// The built-in plan by device class: CPUs run softmax regression on the fused kernels and the rest
// on the dense ones; every other device runs the GPU family (oclgrind reports itself as a GPU, so
// CI checks both sides).
TEST_CASE("the planner runs fused/dense kernels on CPUs and the GPU family elsewhere",
          "[device][plan]") {
  const runtime::DeviceDesc desc = test_device();
  const bool cpu = desc.type == runtime::DeviceType::kCpu;
  auto be = runtime::make_backend(desc, {});
  const model::TrainConfig logreg_cfg = model::preset_config("theano");
  const runtime::NetworkSpec logreg = model::network_for(logreg_cfg, 28, 28, 10);
  auto exec = be->compile(logreg, model::compile_options(logreg_cfg, Impl::kAuto));
  const std::vector<runtime::PlanStep> plan = exec->plan();
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].first_layer == 0);
  CHECK(plan[0].last_layer == 0);
  if (cpu) {
    CHECK(plan[0].impl == "fused");
    CHECK(plan[0].options == runtime::fused_defines(10, 784, runtime::fused_tuning(desc, {})));
  } else {
    CHECK(plan[0].impl == "gpu");
  }
  CHECK(runtime::plan_impls(plan) == plan[0].impl);

  const model::TrainConfig mlp_cfg = model::preset_config("theano-mlp");
  const runtime::NetworkSpec mlp = model::network_for(mlp_cfg, 28, 28, 10);
  auto mlp_exec = be->compile(mlp, model::compile_options(mlp_cfg, Impl::kAuto));
  const std::vector<runtime::PlanStep> mlp_plan = mlp_exec->plan();
  REQUIRE(mlp_plan.size() == 2);
  for (std::size_t l = 0; l < 2; ++l) {
    INFO("layer " << l);
    CHECK(mlp_plan[l].impl == (cpu ? "dense" : "gpu"));
    CHECK(mlp_plan[l].first_layer == l);
    CHECK(mlp_plan[l].last_layer == l);
  }
  CHECK(runtime::plan_impls(mlp_plan) == (cpu ? "dense" : "gpu"));
  // Softmax regression with weight decay cannot run fused: dense on CPUs.
  model::TrainConfig decayed = logreg_cfg;
  decayed.l2 = 0.001;
  auto decayed_exec = be->compile(logreg, model::compile_options(decayed, Impl::kAuto));
  CHECK(runtime::plan_impls(decayed_exec->plan()) == (cpu ? "dense" : "gpu"));
  // The host backend has one implementation.
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  CHECK(runtime::plan_impls(
            host->compile(mlp, model::compile_options(mlp_cfg, Impl::kAuto))->plan()) == "host");
  CHECK_THROWS_AS(host->compile(mlp, model::compile_options(mlp_cfg, Impl::kDense)),
                  std::invalid_argument);
}

TEST_CASE("short training on synthetic data learns on the host and the device", "[device][train]") {
  const model::TrainData data = synthetic_data();
  const model::TrainConfig cfg = synthetic_config();
  std::vector<Trained> runs;
  for (const Target& t : {kHost, kFused, kDense, kClblast}) {
    INFO("implementation " << t.name);
    runs.push_back(train_on(t, data, cfg));
    const model::TrainResult& r = runs.back().result;
    CHECK(r.epochs == 6);
    CHECK(r.iterations == 6 * 24);
    CHECK(r.test_error_all < 0.05);  // chance is 0.8
    CHECK(runs.back().log.find("Optimization complete with best") != std::string::npos);
  }
  // Same data, same arithmetic up to rounding: the error counts agree across implementations.
  for (std::size_t i = 1; i < runs.size(); ++i) {
    INFO("run " << i);
    CHECK(runs[i].result.best_validation_error == runs[0].result.best_validation_error);
    CHECK(runs[i].result.test_error_all == runs[0].result.test_error_all);
  }
}

TEST_CASE("short MLP training with L2 learns on the host and with dense kernels",
          "[device][train]") {
  const model::TrainData data = synthetic_data();
  const model::TrainConfig cfg = synthetic_mlp_config();
  std::vector<Trained> runs;
  for (const Target& t : {kHost, kDense}) {
    INFO("implementation " << t.name);
    runs.push_back(train_on(t, data, cfg));
    const model::TrainResult& r = runs.back().result;
    CHECK(r.epochs == 6);
    CHECK(r.test_error_all < 0.05);
    CHECK(r.best_model.network.describe() == "72-16 tanh-5 softmax");
    CHECK(runs.back().log.find("Optimization complete. Best validation score of") !=
          std::string::npos);
  }
  CHECK(runs[1].result.best_validation_error == runs[0].result.best_validation_error);
  CHECK(runs[1].result.test_error_all == runs[0].result.test_error_all);
  for (const auto& [name, host_values] : runs[0].result.best_model.params) {
    INFO("parameter " << name);
    const std::vector<float>& dev = runs[1].result.best_model.param(name);
    // Six epochs of float rounding apart: looser than one step's tolerance.
    CHECK(test::mismatches(dev, host_values, name, 1e-4, 1e-3) == "");
  }
}

TEST_CASE("two runs on the same device save byte-identical models", "[device][train]") {
  const model::TrainData data = synthetic_data();
  const std::string dir = test::temp_dir("identical-models");
  struct Run {
    Target target;
    model::TrainConfig cfg;
  };
  for (const Run& run : {Run{kHost, synthetic_config()}, Run{kFused, synthetic_config()},
                         Run{kDense, synthetic_config()}, Run{kHost, synthetic_mlp_config()},
                         Run{kDense, synthetic_mlp_config()}}) {
    INFO("implementation " << run.target.name << ", preset " << run.cfg.preset);
    std::string bytes[2];
    for (std::string& out : bytes) {
      model::Model m = train_on(run.target, data, run.cfg).result.best_model;
      m.metadata["preset"] = run.cfg.preset;
      model::save_model(dir + "/m.safetensors", m);
      out = test::read_bytes(dir + "/m.safetensors");
    }
    CHECK(bytes[0].size() > 1000);
    CHECK(bytes[0] == bytes[1]);
  }
}

TEST_CASE("a corrupt kernel cache entry is rebuilt from source, a good one is used",
          "[device][kernel_cache]") {
  namespace fs = std::filesystem;
  const std::string dir = test::temp_dir("kcache-device");
  runtime::BackendOptions o;
  o.cache_dir = dir;
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& m) { warnings.push_back(m); };
  const runtime::NetworkSpec net = model::logistic_regression(8, 9, 5, 255.0);
  runtime::CompileOptions co;
  co.max_batch = 50;
  co.impl = Impl::kFused;
  auto build = [&] {
    auto be = runtime::make_backend(test_device(), o);
    be->compile(net, co);
    return be->builds();
  };
  const auto cold = build();
  REQUIRE_FALSE(cold.empty());
  for (const auto& b : cold) CHECK_FALSE(b.from_cache);
  const auto warm = build();
  for (const auto& b : warm) CHECK(b.from_cache);
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string bytes = test::read_bytes(e.path().string());
    bytes.resize(bytes.size() - bytes.size() / 3);  // truncate every entry
    test::write_bytes(e.path().string(), bytes);
    ++entries;
  }
  CHECK(entries == cold.size());
  CHECK(warnings.empty());
  const auto rebuilt = build();
  for (const auto& b : rebuilt) CHECK_FALSE(b.from_cache);
  CHECK(warnings.size() == entries);  // one each, naming it: "kernel cache entry '...' is ..."
  for (const std::string& w : warnings) CHECK(w.rfind("kernel cache entry '" + dir, 0) == 0);
  // And the rebuilt program works: one evaluation on synthetic data.
  const model::TrainData data = synthetic_data();
  auto be = runtime::make_backend(test_device(), o);
  auto exec = be->compile(net, co);
  const auto id = be->upload(data.valid.view());
  // Zero weights: every logit ties, argmax is class 0, so exactly the 240 other rows are wrong.
  CHECK(exec->evaluate(id, 300).errors_all == 240);
  for (const auto& b : be->builds()) CHECK(b.from_cache);
}
