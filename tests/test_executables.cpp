// Every OpenCL implementation (fused, dense, gpu, clblast) against the host backend on the networks it
// runs: softmax regression and MLPs with tanh and relu hidden layers, at awkward sizes (33 and 72
// inputs, 7 and 37 hidden units, 5 classes, minibatches of 1, 7 and 33 rows), with and without
// L1/L2 weight decay. A few SGD steps from the same random parameters on both, then every
// parameter, the training losses, the evaluation and the predicted probabilities are compared.
// Also: what each implementation refuses, and exact parameter round trips.
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "networks.hpp"
#include "backend.hpp"
#include "opencl_backend.hpp"
#include "opencl_executables.hpp"
#include "executable_cases.hpp"
#include "test_support.hpp"
#include "tunables.hpp"
#include "trainer.hpp"

using namespace clmnist;
using runtime::Activation;
using runtime::Impl;
using test::off_by;
using test::Outcome;
using test::run_case;
using test::Steps;
using test::steps_for;
using test::test_device;
using test::near_ties;

namespace {

struct NetCase {
  const char* what;
  runtime::NetworkSpec net;
};

// 72 inputs (8x9) and 33 (3x11): neither a multiple of 16; hidden layers of 7 and 37 units.
std::vector<NetCase> networks() {
  std::vector<NetCase> all = {
      {"logreg 72-5", model::logistic_regression(8, 9, 5, 256.0)},
      {"logreg 33-5", model::logistic_regression(3, 11, 5, 255.0)},
      {"tanh 33-7-5", model::multilayer_perceptron(3, 11, {7}, Activation::kTanh, 5, 256.0)},
      {"relu 72-7-5", model::multilayer_perceptron(8, 9, {7}, Activation::kRelu, 5, 256.0)},
      {"tanh 72-37-5", model::multilayer_perceptron(8, 9, {37}, Activation::kTanh, 5, 256.0)},
      {"relu 33-37-5", model::multilayer_perceptron(3, 11, {37}, Activation::kRelu, 5, 255.0)},
  };
  if (test::small_mode()) all.resize(4);  // oclgrind simulates every work-item
  return all;
}

struct DecayCase {
  const char* what;
  float l1, l2;
};

std::vector<DecayCase> decays() {
  std::vector<DecayCase> all = {
      {"no decay", 0.0f, 0.0f}, {"L2", 0.0f, 0.01f}, {"L1 and L2", 0.002f, 0.01f}};
  if (test::small_mode()) all.erase(all.begin() + 1);
  return all;
}

bool single_layer(const runtime::NetworkSpec& net) { return net.layers.size() == 1; }

}  // namespace

TEST_CASE("every OpenCL implementation matches the host backend", "[device][backend]") {
  const runtime::DeviceDesc desc = test_device();
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  struct Device {
    const char* name;
    Impl impl;
    runtime::Tunables tunables;
    std::unique_ptr<runtime::Backend> be;
  };
  std::vector<Device> devices;
  // The gpu family twice: its defaults, and small groups that split every layer's columns (so the
  // gradient below takes its own launch) with several rows a forward group.
  const runtime::Tunables gpu_split = runtime::parse_tunables(
      "fwd_wg=32,upd_wg=16,fwd_cols=8,upd_cols=4,fwd_rows=3");
  // The fused kernels three more times: the column-split update (the default on GPUs), and the
  // row-split step in 3 chunks (batch 33: 11 rows each) with two rows a pass, and in one chunk a
  // row without zero skipping.
  const runtime::Tunables fused_columns = runtime::parse_tunables("split=0");
  const runtime::Tunables fused_split3 = runtime::parse_tunables("split=3,rows=2");
  const runtime::Tunables fused_split33 = runtime::parse_tunables("split=33,skip_zero=0");
  // And the sparse step (cl/fused_sparse.cl): its own default split, and 3 chunks.
  const runtime::Tunables fused_sparse = runtime::parse_tunables("sparse=1");
  const runtime::Tunables fused_sparse3 = runtime::parse_tunables("sparse=1,split=3");
  for (const auto& [name, impl, tunables] :
       {std::tuple{"fused", Impl::kFused, runtime::Tunables{}},
        std::tuple{"fused split=0", Impl::kFused, fused_columns},
        std::tuple{"fused split=3", Impl::kFused, fused_split3},
        std::tuple{"fused split=33", Impl::kFused, fused_split33},
        std::tuple{"fused sparse", Impl::kFused, fused_sparse},
        std::tuple{"fused sparse split=3", Impl::kFused, fused_sparse3},
        std::tuple{"dense", Impl::kDense, runtime::Tunables{}},
        std::tuple{"gpu", Impl::kGpu, runtime::Tunables{}},
        std::tuple{"gpu split", Impl::kGpu, gpu_split},
        std::tuple{"clblast", Impl::kClblast, runtime::Tunables{}}}) {
    devices.push_back({name, impl, tunables, runtime::make_backend(desc, {})});
  }
  std::size_t compared = 0, cases_with_ties = 0;
  std::uint32_t seed = 1000;
  for (const NetCase& nc : networks()) {
    const runtime::NetworkSpec& net = nc.net;
    for (const DecayCase& dc : decays()) {
      for (std::size_t batch : test::sizes({1, 7, 33}, 7)) {
        seed += 10;
        INFO(nc.what << ", " << dc.what << ", batch " << batch << ", seed " << seed);
        const Steps s = steps_for(batch);
        const test::Synthetic data = test::make_synthetic(s.rows, net.features(), 5, seed);
        const std::vector<std::uint32_t> order = model::shuffled_order(s.rows, seed, 1);
        const runtime::ParamValues start = test::random_params(net, seed + 1, -0.3f, 0.3f);
        const runtime::SgdStep step{0.3f, dc.l1, dc.l2};
        const Outcome ref = run_case(*host, Impl::kAuto, net, data, order, batch, step, start);
        // Error counts are compared exactly where every row has a clear winner on the host;
        // a row near a tie may go either way in float (rare: counted below).
        const std::size_t ties = near_ties(ref.all_probs, 5);
        cases_with_ties += ties != 0 ? 1 : 0;
        const bool decay = dc.l1 != 0.0f || dc.l2 != 0.0f;
        for (Device& dev : devices) {
          INFO("implementation " << dev.name);
          const bool fits = dev.impl == Impl::kDense || dev.impl == Impl::kGpu ||
                            (single_layer(net) && !decay);
          if (!fits) continue;  // the refusals are checked below
          const Outcome got =
              run_case(*dev.be, dev.impl, net, data, order, batch, step, start, dev.tunables);
          for (const runtime::ParamSpec& p : net.params()) {
            CHECK(test::mismatches(got.params.at(p.name), ref.params.at(p.name), p.name) == "");
          }
          CHECK(test::mismatches(got.losses, ref.losses, "train_loss") == "");
          INFO(ties << " rows near a tie");
          CHECK(off_by(got.eval.errors_all, ref.eval.errors_all) <= ties);
          CHECK(off_by(got.eval.errors_counted, ref.eval.errors_counted) <= ties);
          CHECK(test::close(got.eval.nll_sum_all, ref.eval.nll_sum_all));
          CHECK(test::mismatches(got.probs, ref.probs, "p") == "");
          ++compared;
        }
      }
    }
  }
  // The 2 single-layer networks on the six fused settings and clblast without decay; every
  // case on dense and on both gpu settings.
  const std::size_t nets = networks().size(), batches = test::sizes({1, 7, 33}, 7).size();
  CHECK(compared == batches * (7 * 2 + 3 * nets * decays().size()));
  CHECK(cases_with_ties <= 2);  // so nearly every count above was compared exactly
}

TEST_CASE("fused and clblast refuse MLPs and weight decay, dense runs them", "[device][backend]") {
  const runtime::DeviceDesc desc = test_device();
  auto be = runtime::make_backend(desc, {});
  const runtime::NetworkSpec logreg = model::logistic_regression(8, 9, 5, 256.0);
  const runtime::NetworkSpec mlp =
      model::multilayer_perceptron(8, 9, {7}, Activation::kTanh, 5, 256.0);
  runtime::CompileOptions plain, decayed;
  plain.max_batch = decayed.max_batch = 7;
  decayed.weight_decay = true;
  for (Impl impl : {Impl::kFused, Impl::kClblast}) {
    INFO("implementation " << runtime::to_string(impl));
    plain.impl = decayed.impl = impl;
    CHECK_THROWS_AS(be->compile(mlp, plain), std::invalid_argument);
    CHECK_THROWS_WITH(be->compile(mlp, plain), Catch::Contains("one dense layer"));
    CHECK_THROWS_AS(be->compile(logreg, decayed), std::invalid_argument);
    CHECK_THROWS_WITH(be->compile(logreg, decayed), Catch::Contains("weight decay"));
    // Compiled without decay, a step with decay is refused too (not silently dropped).
    auto exec = be->compile(logreg, plain);
    const test::Synthetic data = test::make_synthetic(10, 72, 5, 3);
    const auto id = be->upload({data.images.data(), data.labels.data(), 10, 72});
    CHECK_THROWS_AS(exec->sgd_step(id, 0, 7, {0.1f, 0.0f, 0.01f}), std::invalid_argument);
    CHECK_THROWS_AS(exec->sgd_step(id, 0, 7, {0.1f, 0.01f, 0.0f}), std::invalid_argument);
  }
  plain.impl = decayed.impl = Impl::kDense;
  CHECK(runtime::plan_impls(be->compile(mlp, decayed)->plan()) == "dense");
  CHECK(runtime::plan_impls(be->compile(logreg, decayed)->plan()) == "dense");
  // Every implementation refuses minibatches past the compiled size or the dataset.
  for (Impl impl : {Impl::kFused, Impl::kDense, Impl::kGpu, Impl::kClblast}) {
    INFO("implementation " << runtime::to_string(impl));
    plain.impl = impl;
    auto exec = be->compile(logreg, plain);
    const test::Synthetic data = test::make_synthetic(10, 72, 5, 4);
    const auto id = be->upload({data.images.data(), data.labels.data(), 10, 72});
    CHECK_THROWS_AS(exec->sgd_step(id, 0, 8, {0.1f, 0.0f, 0.0f}), std::out_of_range);
    CHECK_THROWS_AS(exec->sgd_step(id, 5, 7, {0.1f, 0.0f, 0.0f}), std::out_of_range);
    CHECK_THROWS_AS(exec->sgd_step(id, 0, 0, {0.1f, 0.0f, 0.0f}), std::out_of_range);
  }
}

TEST_CASE("parameters round-trip exactly through every implementation", "[device][backend]") {
  const runtime::DeviceDesc desc = test_device();
  struct Target {
    const char* name;
    bool host;
    Impl impl;
    const char* tunables = "";
  };
  // fused sparse=1 keeps the weights pixel-major on the device (wp), and class-major (wt) only
  // when they are read: both conversions must copy every bit.
  for (const Target& t :
       {Target{"host", true, Impl::kAuto}, Target{"fused", false, Impl::kFused},
        Target{"fused sparse", false, Impl::kFused, "sparse=1"},
        Target{"dense", false, Impl::kDense}, Target{"gpu", false, Impl::kGpu},
        Target{"clblast", false, Impl::kClblast}}) {
    auto be = runtime::make_backend(t.host ? runtime::host_device_desc(0) : desc, {});
    for (const NetCase& nc : networks()) {
      if (t.impl != Impl::kDense && t.impl != Impl::kGpu && !t.host && !single_layer(nc.net))
        continue;
      INFO("implementation " << t.name << ", " << nc.what);
      runtime::CompileOptions o;
      o.max_batch = 7;
      o.impl = t.impl;
      o.tunables = runtime::parse_tunables(t.tunables);
      auto exec = be->compile(nc.net, o);
      // Values of every magnitude, signed zeros, denormals: copied, not recomputed.
      runtime::ParamValues values = test::random_params(nc.net, 77, -1.0f, 1.0f);
      for (auto& [name, v] : values) {
        v[0] = -0.0f;
        v[v.size() - 1] = 1e-40f;
        if (v.size() > 2) v[1] = 3.0e38f;
      }
      exec->write_params(values);
      const runtime::ParamValues back = exec->read_params();
      REQUIRE(back.size() == values.size());
      for (const auto& [name, v] : values) {
        INFO("parameter " << name);
        CHECK(test::le_bytes(back.at(name)) == test::le_bytes(v));  // bit for bit
      }
      // One parameter at a time leaves the others alone.
      const std::string first = nc.net.params().front().name;
      std::vector<float> other = values.at(first);
      for (float& v : other) v = v * 0.5f + 0.25f;
      exec->write_param(first, other);
      CHECK(exec->read_param(first) == other);
      for (const auto& [name, v] : values) {
        if (name != first) CHECK(test::le_bytes(exec->read_param(name)) == test::le_bytes(v));
      }
      // Wrong sizes and unknown names are refused.
      CHECK_THROWS_AS(exec->write_param(first, std::vector<float>(other.size() + 1)),
                      std::invalid_argument);
      CHECK_THROWS_AS(exec->write_param("W9", other), std::invalid_argument);
      CHECK_THROWS_AS(exec->read_param("W9"), std::invalid_argument);
    }
  }
}

TEST_CASE("the fused row-split step matches the host and skips zero pixel blocks bit for bit",
          "[device][backend]") {
  const runtime::DeviceDesc desc = test_device();
  auto be = runtime::make_backend(desc, {});
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  const runtime::NetworkSpec net = model::logistic_regression(8, 9, 5, 256.0);
  // 150 rows: one chunk takes them 64, 64 and 22 at a time; three chunks 50 each.
  const std::size_t batch = 150;
  const Steps s = steps_for(batch);
  test::Synthetic data = test::make_synthetic(s.rows, net.features(), 5, 41);
  // Half of every row's 4-, 8- and 16-pixel blocks all zero, a different half row by row.
  for (std::size_t r = 0; r < data.rows; ++r) {
    for (std::size_t j = 0; j < data.features; ++j) {
      if ((j / 16 + r) % 2 == 0 || (j / 4 + r) % 3 == 0) data.images[r * data.features + j] = 0;
    }
  }
  const std::vector<std::uint32_t> order = model::shuffled_order(s.rows, 41, 1);
  const runtime::ParamValues start = test::random_params(net, 42, -0.3f, 0.3f);
  const runtime::SgdStep step{0.3f, 0.0f, 0.0f};
  const Outcome ref = run_case(*host, Impl::kAuto, net, data, order, batch, step, start);
  CHECK(ref.params.at("W") != start.at("W"));  // the steps did change the weights
  // The row-split step's head of 16 rows at once (rows_gradient) against the column-split
  // update's head of one row (row_gradient): in one chunk the gradient sums add in the same order,
  // so every weight and loss must be the same bits (150 rows: heads of 16 and a tail of 6).
  {
    const Outcome per_row = run_case(*be, Impl::kFused, net, data, order, batch, step, start,
                                     runtime::parse_tunables("split=0,skip_zero=1"));
    const Outcome sixteen = run_case(*be, Impl::kFused, net, data, order, batch, step, start,
                                     runtime::parse_tunables("split=1,skip_zero=1"));
    for (const runtime::ParamSpec& p : net.params()) {
      INFO("16-row head, parameter " << p.name);
      CHECK(test::le_bytes(sixteen.params.at(p.name)) == test::le_bytes(per_row.params.at(p.name)));
    }
    CHECK(sixteen.losses == per_row.losses);
  }
  for (const char* split : {"1", "3"}) {
    INFO("split=" << split);
    Outcome out[2];
    for (int skip = 0; skip < 2; ++skip) {
      const runtime::Tunables t = runtime::parse_tunables(std::string("split=") + split +
                                                          ",skip_zero=" + std::to_string(skip));
      out[skip] = run_case(*be, Impl::kFused, net, data, order, batch, step, start, t);
    }
    for (const runtime::ParamSpec& p : net.params()) {
      INFO("parameter " << p.name);
      CHECK(test::mismatches(out[0].params.at(p.name), ref.params.at(p.name), p.name) == "");
      CHECK(test::le_bytes(out[1].params.at(p.name)) == test::le_bytes(out[0].params.at(p.name)));
    }
    CHECK(test::mismatches(out[0].losses, ref.losses, "train_loss") == "");
    CHECK(out[1].losses == out[0].losses);
    CHECK(out[1].all_probs == out[0].all_probs);
    // Prefetching changes no result: none, the next row, and past the minibatch's end.
    for (const char* prefetch : {"0", "1", "64"}) {
      INFO("prefetch=" << prefetch);
      const Outcome p = run_case(*be, Impl::kFused, net, data, order, batch, step, start,
                                 runtime::parse_tunables(std::string("split=") + split +
                                                         ",skip_zero=1,prefetch=" + prefetch));
      for (const runtime::ParamSpec& q : net.params()) {
        CHECK(test::le_bytes(p.params.at(q.name)) == test::le_bytes(out[1].params.at(q.name)));
      }
      CHECK(p.losses == out[1].losses);
      CHECK(p.eval.nll_sum_all == out[1].eval.nll_sum_all);
      CHECK(p.eval.errors_all == out[1].eval.errors_all);
      CHECK(p.all_probs == out[1].all_probs);
    }
    // The sparse step on the same rows: the host's results (its dot products add in another
    // order, so not the bits of the block loops).
    const Outcome sparse = run_case(*be, Impl::kFused, net, data, order, batch, step, start,
                                    runtime::parse_tunables(std::string("sparse=1,split=") + split));
    for (const runtime::ParamSpec& p : net.params()) {
      INFO("sparse, parameter " << p.name);
      CHECK(test::mismatches(sparse.params.at(p.name), ref.params.at(p.name), p.name) == "");
    }
    CHECK(test::mismatches(sparse.losses, ref.losses, "train_loss") == "");
    CHECK(test::mismatches(sparse.probs, ref.probs, "p") == "");
  }
}

TEST_CASE("the fused sparse tunable is checked, and chooses its own split", "[device][backend]") {
  runtime::DeviceDesc cpu;
  cpu.type = runtime::DeviceType::kCpu;
  cpu.compute_units = 3;
  cpu.preferred_float_vector = 16;
  const runtime::FusedTuning dense = runtime::fused_tuning_for(cpu, {}, {});
  CHECK(!dense.sparse);  // 16 lanes: the block loops (docs/PERFORMANCE.md)
  CHECK(dense.split == 12);
  const runtime::FusedTuning sparse =
      runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=1"));
  CHECK(sparse.sparse);
  CHECK(sparse.split == 3);  // one chunk per compute unit
  CHECK(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=1,split=5")).split == 5);
  cpu.preferred_float_vector = 8;
  const runtime::FusedTuning avx2 = runtime::fused_tuning_for(cpu, {}, {});
  CHECK(avx2.sparse);
  CHECK(avx2.split == 3);
  CHECK(runtime::fused_defines(10, 784, avx2).find("-DSPARSE=1") != std::string::npos);
  CHECK(!runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=0")).sparse);
  // A tunable of the block kernels, or the column-split update, asks for them.
  for (const char* block : {"vec=8", "rows=2", "skip_zero=1", "split=0", "L1.vec=4"}) {
    INFO(block);
    CHECK(!runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables(block)).sparse);
  }
  CHECK(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("split=4")).sparse);
  // sparse=0 alone: the block step with its own split.
  CHECK(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=0")).split == 12);
  // The same through the overrides of BackendOptions (the CLMNIST_VEC alias).
  runtime::FusedOverrides vec8;
  vec8.vec = 8;
  CHECK(!runtime::fused_tuning(cpu, vec8).sparse);
  CHECK(runtime::fused_tuning(cpu, vec8).split == 12);
  // Forced on a GPU: one chunk per compute unit; else the column-split update there.
  runtime::DeviceDesc gpu = cpu;
  gpu.type = runtime::DeviceType::kGpu;
  CHECK(runtime::fused_tuning_for(gpu, {}, {}).split == 0);
  CHECK(!runtime::fused_tuning_for(gpu, {}, {}).sparse);
  CHECK(runtime::fused_tuning_for(gpu, {}, runtime::parse_tunables("sparse=1")).split == 3);
  CHECK_THROWS_WITH(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=2")),
                    Catch::Contains("0 or 1, not 2"));
  CHECK_THROWS_WITH(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("sparse=1,split=0")),
                    Catch::Contains("split 1 to 64, not 0"));
  // Prefetching: 6 rows ahead on CPUs, none on GPUs, and a named value within 0 to 64.
  CHECK(runtime::fused_tuning_for(cpu, {}, {}).prefetch == 6);
  CHECK(runtime::fused_tuning_for(gpu, {}, {}).prefetch == 0);
  CHECK(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("prefetch=0")).prefetch == 0);
  CHECK_THROWS_WITH(runtime::fused_tuning_for(cpu, {}, runtime::parse_tunables("prefetch=65")),
                    Catch::Contains("0 to 64, not 65"));
  // More classes than a float16 holds: refused when compiled, naming the way out.
  const runtime::DeviceDesc desc = test_device();
  auto be = runtime::make_backend(desc, {});
  runtime::CompileOptions o;
  o.max_batch = 7;
  o.impl = Impl::kFused;
  o.tunables = runtime::parse_tunables("sparse=1");
  CHECK_THROWS_WITH(be->compile(model::logistic_regression(8, 9, 17, 256.0), o),
                    Catch::Contains("use sparse=0"));
  CHECK_NOTHROW(be->compile(model::logistic_regression(8, 9, 16, 256.0), o));
}
