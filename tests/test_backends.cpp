// Backend-level tests: one SGD step, evaluation and prediction on every backend path against the
// double-precision host ops; short training runs on synthetic data on the host and the device;
// determinism of saved models.
#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "backend.hpp"
#include "host_ops.hpp"
#include "opencl_backend.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

using namespace clmnist;
using runtime::GemmPath;

namespace {

runtime::DeviceDesc test_device() {
  runtime::DeviceDesc d;
  REQUIRE(test::find_test_device(d));
  return d;
}

std::unique_ptr<runtime::Backend> backend_for(const std::string& which) {
  if (which == "host") return runtime::make_backend(runtime::host_device_desc(0), {});
  runtime::BackendOptions o;
  o.gemm = which == "fused" ? GemmPath::kFused : GemmPath::kClblast;
  o.kernel_cache = false;
  return runtime::make_backend(test_device(), o);
}

model::TrainData synthetic_data() { return test::synthetic_train_data(1200, 300, 300, 2024); }

model::TrainConfig synthetic_config() {
  model::TrainConfig c;
  c.preset = "synthetic";
  c.learning_rate = 0.05;
  c.batch_size = 50;
  c.max_epochs = 6;
  c.shuffle = true;
  c.seed = 7;
  c.pixel_divisor = 255.0;
  return c;
}

}  // namespace

TEST_CASE("one SGD step, evaluation and prediction match the host in double", "[device][backend]") {
  const std::size_t rows = 37, features = 45, k = 7, batch = 33, first = 4;
  const std::uint32_t seed = 5;
  INFO("seed " << seed);
  const auto x = test::random_bytes(rows * features, seed);
  const auto labels = test::random_bytes(rows, seed + 1, k - 1);
  const auto wtf = test::random_floats(k * features, seed + 2, -0.01f, 0.01f);
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

  for (const char* which : {"host", "fused", "clblast"}) {
    INFO("backend " << which);
    auto be = backend_for(which);
    be->configure(features, k, batch, static_cast<float>(scale));
    const auto id = be->upload({x.data(), labels.data(), rows, features});
    be->set_order(id, order);
    be->set_params(wtf, bf);
    be->sgd_step(id, first, batch, static_cast<float>(lr));
    std::vector<float> wt_got, b_got;
    be->get_params(wt_got, b_got);
    for (std::size_t i = 0; i < wt.size(); ++i) {
      INFO("W[" << i << "]");
      CHECK(test::close(wt_got[i], wt[i]));
    }
    for (std::size_t c = 0; c < k; ++c) CHECK(test::close(b_got[c], b[c]));
    const double mean_loss =
        std::accumulate(loss.begin() + first, loss.begin() + first + batch, 0.0) / batch;
    CHECK(test::close(be->train_loss(id, first, batch), mean_loss));
    const runtime::EvalCounts ev = be->evaluate(id, 20);
    CHECK(ev.errors_all == errors_all);
    CHECK(ev.errors_counted == errors_first);
    const std::vector<float> p = be->predict(id, 3, 30);
    for (std::size_t i = 0; i < 30 * k; ++i) CHECK(test::close(p[i], probs[3 * k + i]));
  }
}

TEST_CASE("short training on synthetic data learns on the host and the device", "[device][train]") {
  const model::TrainData data = synthetic_data();
  const model::TrainConfig cfg = synthetic_config();
  std::vector<model::TrainResult> results;
  for (const char* which : {"host", "fused", "clblast"}) {
    INFO("backend " << which);
    auto be = backend_for(which);
    std::ostringstream log;
    results.push_back(model::train(*be, data, cfg, log));
    const model::TrainResult& r = results.back();
    CHECK(r.epochs == 6);
    CHECK(r.iterations == 6 * 24);
    CHECK(r.test_error_all < 0.05);  // chance is 0.8
    CHECK(log.str().find("Optimization complete") != std::string::npos);
  }
  // Same data, same arithmetic up to rounding: the error counts agree across backends.
  CHECK(results[0].best_validation_error == results[1].best_validation_error);
  CHECK(results[0].test_error_all == results[1].test_error_all);
}

TEST_CASE("two runs on the same device save byte-identical models", "[device][train]") {
  const model::TrainData data = synthetic_data();
  const model::TrainConfig cfg = synthetic_config();
  for (const char* which : {"host", "fused"}) {
    INFO("backend " << which);
    std::string bytes[2];
    for (std::string& out : bytes) {
      auto be = backend_for(which);
      std::ostringstream log;
      const model::TrainResult r = model::train(*be, data, cfg, log);
      model::SafeTensors st;
      st.tensors["W"] = {{72, 5}, r.best_model.w};
      st.tensors["b"] = {{5}, r.best_model.b};
      out = model::encode_safetensors(st);
    }
    CHECK(bytes[0] == bytes[1]);
  }
}

TEST_CASE("a corrupt kernel cache entry is rebuilt from source, a good one is used",
          "[device][kernel_cache]") {
  namespace fs = std::filesystem;
  const std::string dir = test::temp_dir("kcache-device");
  runtime::BackendOptions o;
  o.gemm = GemmPath::kFused;
  o.cache_dir = dir;
  auto build = [&] {
    auto be = runtime::make_backend(test_device(), o);
    be->configure(72, 5, 50, 1.0f / 255.0f);
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
  const auto rebuilt = build();
  for (const auto& b : rebuilt) CHECK_FALSE(b.from_cache);
  // And the rebuilt program works: one evaluation on synthetic data.
  const model::TrainData data = synthetic_data();
  auto be = runtime::make_backend(test_device(), o);
  be->configure(72, 5, 50, 1.0f / 255.0f);
  const auto id = be->upload(data.valid.view());
  // Zero weights: every logit ties, argmax is class 0, so exactly the 240 other rows are wrong.
  CHECK(be->evaluate(id, 300).errors_all == 240);
  for (const auto& b : be->builds()) CHECK(b.from_cache);
}
