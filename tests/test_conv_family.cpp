// The conv family (cl/conv.cl front end) with each dense-layer stage above it (cl/dense.cl, and
// cl/gpu.cl's for --impl gpu) against the host backend on small convolutional networks: odd image
// sizes, one and several maps, filters that do not fill a vector, a pooling border that is
// ignored, tanh and relu, with and without weight decay; a few SGD steps from the same random
// parameters, then every parameter, the losses, the evaluation and the probabilities are
// compared. Also: the plans of mixed families, which families refuse a conv network, and why.
#include <catch2/catch.hpp>

#include "executable_cases.hpp"
#include "networks.hpp"
#include "test_support.hpp"
#include "trainer.hpp"
#include "tunables.hpp"

using namespace clmnist;
using model::activation_layer;
using model::conv2d_layer;
using model::max_pool_layer;
using runtime::Activation;
using runtime::Impl;
using runtime::Layer;
using runtime::LayerKind;

namespace {

// An image of rows x cols through `front`, flattened, then dense layers of `hidden` units (tanh)
// and 5 classes.
runtime::NetworkSpec conv_net(std::size_t rows, std::size_t cols, std::vector<Layer> front,
                              const std::vector<std::size_t>& hidden) {
  runtime::NetworkSpec net;
  net.image_rows = rows;
  net.image_cols = cols;
  net.layers = std::move(front);
  net.layers.push_back(model::flatten_layer());
  std::size_t in = net.shapes().back().size();
  std::vector<std::size_t> outs = hidden;
  outs.push_back(5);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const bool top = i + 1 == outs.size();
    net.layers.push_back({in, outs[i], top ? Activation::kNone : Activation::kTanh,
                          "W" + std::to_string(i + 10), "b" + std::to_string(i + 10)});
    in = outs[i];
  }
  net.validate();
  return net;
}

struct ConvCase {
  const char* what;
  runtime::NetworkSpec net;
};

std::vector<ConvCase> cases() {
  std::vector<ConvCase> all = {
      // LeNet's shape in small: conv, pool, bias + tanh twice (13x11: a pooling border ignored).
      {"lenet-like 13x11",
       conv_net(
           13, 11,
           {conv2d_layer(3, 3, "Wa"), max_pool_layer(2), activation_layer(Activation::kTanh, "ba"),
            conv2d_layer(4, 2, "Wb"), max_pool_layer(2), activation_layer(Activation::kTanh, "bb")},
           {6})},
      // Filters past one vector (9), a 1x1 and a 4x4 kernel, relu without a bias, no hidden layer.
      {"relu 10x9", conv_net(10, 9,
                             {conv2d_layer(9, 4, "Wa"), activation_layer(Activation::kRelu, ""),
                              conv2d_layer(2, 1, "Wb"), max_pool_layer(3)},
                             {})},
  };
  return all;
}

}  // namespace

TEST_CASE("the conv family matches the host backend", "[device][backend][conv]") {
  const runtime::DeviceDesc desc = test::test_device();
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  auto dev = runtime::make_backend(desc, {});
  std::size_t compared = 0;
  std::uint32_t seed = 5000;
  for (const ConvCase& cc : cases()) {
    for (const float l2 : {0.0f, 0.01f}) {
      for (std::size_t batch : test::sizes({1, 7, 33}, 7)) {
        seed += 10;
        INFO(cc.what << ", L2 " << l2 << ", batch " << batch << ", seed " << seed);
        const test::Steps s = test::steps_for(batch);
        const test::Synthetic data = test::make_synthetic(s.rows, cc.net.features(), 5, seed);
        const std::vector<std::uint32_t> order = model::shuffled_order(s.rows, seed, 1);
        const runtime::ParamValues start = test::random_params(cc.net, seed + 1, -0.3f, 0.3f);
        const runtime::SgdStep step{0.3f, l2 != 0.0f ? 0.002f : 0.0f, l2};
        const test::Outcome ref =
            test::run_case(*host, Impl::kAuto, cc.net, data, order, batch, step, start);
        const std::size_t ties = test::near_ties(ref.all_probs, 5);
        for (Impl impl : {Impl::kAuto, Impl::kConv, Impl::kGpu}) {
          INFO("--impl " << runtime::to_string(impl));
          const test::Outcome got =
              test::run_case(*dev, impl, cc.net, data, order, batch, step, start);
          for (const runtime::ParamSpec& p : cc.net.params()) {
            CHECK(test::mismatches(got.params.at(p.name), ref.params.at(p.name), p.name) == "");
          }
          CHECK(test::mismatches(got.losses, ref.losses, "train_loss") == "");
          INFO(ties << " rows near a tie");
          CHECK(test::off_by(got.eval.errors_all, ref.eval.errors_all) <= ties);
          CHECK(test::close(got.eval.nll_sum_all, ref.eval.nll_sum_all));
          CHECK(test::mismatches(got.all_probs, ref.all_probs, "p") == "");
          ++compared;
        }
      }
    }
  }
  CHECK(compared == cases().size() * 2 * test::sizes({1, 7, 33}, 7).size() * 3);
}

// The front end's tunables change the blocking, never the bits: every setting the tuner tries
// (and the smallest blocks) gives the host's parameters; a value a layer cannot take is refused
// naming the tunable, the value and the layer.
TEST_CASE("the conv front end's tunables keep the host's bits", "[device][backend][conv]") {
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  auto dev = runtime::make_backend(test::test_device(), {});
  const ConvCase cc = cases().front();
  const std::size_t batch = 7;
  const test::Steps s = test::steps_for(batch);
  const test::Synthetic data = test::make_synthetic(s.rows, cc.net.features(), 5, 6100);
  const std::vector<std::uint32_t> order = model::shuffled_order(s.rows, 6100, 1);
  const runtime::ParamValues start = test::random_params(cc.net, 6101, -0.3f, 0.3f);
  const runtime::SgdStep step{0.3f, 0.0f, 0.0f};
  const test::Outcome ref = test::run_case(*host, Impl::kAuto, cc.net, data, order, batch, step, start);
  for (const char* text : {"conv_vec=16,conv_ib=1", "conv_vec=4,conv_fb=1,conv_cb=1",
                           "L1.conv_ib=3,L4.conv_fb=2,vec=8"}) {
    INFO("--tune " << text);
    const test::Outcome got = test::run_case(*dev, Impl::kConv, cc.net, data, order, batch, step,
                                             start, runtime::parse_tunables(text));
    for (const runtime::ParamSpec& p : cc.net.params()) {
      CHECK(test::mismatches(got.params.at(p.name), ref.params.at(p.name), p.name) == "");
    }
  }
  CHECK_THROWS_WITH(test::run_case(*dev, Impl::kConv, cc.net, data, order, batch, step, start,
                                   runtime::parse_tunables("conv_fb=5")),
                    Catch::Contains("conv_fb=5 does not fit layer 1: it must divide the layer's 3 "
                                    "filters"));
  CHECK_THROWS_WITH(test::run_case(*dev, Impl::kConv, cc.net, data, order, batch, step, start,
                                   runtime::parse_tunables("conv_vec=3")),
                    Catch::Contains("it must be 4, 8 or 16"));
}

// The planner composes a conv network from two families: conv for the front end, and for the
// dense layers the forced family, else the device's (dense on CPUs, gpu elsewhere).
TEST_CASE("conv networks run on mixed families, and the one-layer families refuse them",
          "[device][backend][conv]") {
  const runtime::DeviceDesc desc = test::test_device();
  const bool cpu = desc.type == runtime::DeviceType::kCpu;
  auto be = runtime::make_backend(desc, {});
  const runtime::NetworkSpec lenet = model::lenet(28, 28, 10, 256.0);
  runtime::CompileOptions o;
  o.max_batch = 5;
  for (Impl impl : {Impl::kFused, Impl::kClblast}) {
    INFO("--impl " << runtime::to_string(impl));
    o.impl = impl;
    CHECK_THROWS_WITH(be->compile(lenet, o), Catch::Contains("conv2d layer") &&
                                                 Catch::Contains("(use conv, dense or gpu)"));
  }
  o.impl = Impl::kConv;
  const auto mlp = model::multilayer_perceptron(8, 9, {7}, Activation::kTanh, 5, 256.0);
  CHECK_THROWS_WITH(be->compile(mlp, o), Catch::Contains("no conv2d or pooling layer"));
  for (const auto& [impl, tail] : {std::pair{Impl::kAuto, cpu ? "dense" : "gpu"},
                                   std::pair{Impl::kConv, "dense"}, std::pair{Impl::kDense, "dense"},
                                   std::pair{Impl::kGpu, "gpu"}}) {
    INFO("--impl " << runtime::to_string(impl));
    o.impl = impl;
    const std::vector<runtime::PlanStep> plan = be->compile(lenet, o)->plan();
    const std::string text = runtime::describe(plan);
    INFO(text);
    CHECK(text.rfind("layers 1-7: conv", 0) == 0);
    CHECK(text.find(std::string("; layer 8: ") + tail) != std::string::npos);
    CHECK(text.find(std::string("; layer 9: ") + tail) != std::string::npos);
    CHECK(runtime::plan_impls(plan) == std::string("conv+") + tail);
  }
}
