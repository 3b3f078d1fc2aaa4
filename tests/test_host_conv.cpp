// The convolutional host ops of host_conv.hpp in double against central differences (conv2d's
// data and filter gradients, max-pool's routing and tie rule, bias + activation), one host SGD
// step of a small conv network against the numeric gradient of its cost, and Theano's LeNet init
// (convolutional_mlp.py, RandomState(23455)) by the SHA-256 of each drawn tensor.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <numeric>

#include "backend.hpp"
#include "gradient_check.hpp"
#include "host_conv.hpp"
#include "host_layers.hpp"
#include "network_model.hpp"
#include "networks.hpp"
#include "sha256.hpp"
#include "test_support.hpp"

using namespace clmnist;
namespace host = clmnist::runtime::host;
using runtime::Activation;
using runtime::MapShape;
using test::check_gradient;
using test::dot;
using test::random_doubles;

TEST_CASE("conv2d's data and filter gradients match central differences", "[host][gradient]") {
  // 2 samples of 3 maps of 7x6 (not square), 4 filters of 3x3: output 4 x 5 x 4.
  const std::size_t count = 2, filters = 4, k = 3;
  const MapShape in{3, 7, 6};
  const std::size_t out = filters * (in.rows - k + 1) * (in.cols - k + 1);
  const std::uint32_t seed = 301;
  INFO("seed " << seed);
  std::vector<double> x = random_doubles(count * in.size(), seed, -1, 1);
  std::vector<double> w = random_doubles(filters * in.maps * k * k, seed + 1, -0.5, 0.5);
  const std::vector<double> r = random_doubles(count * out, seed + 2, -1, 1);
  auto loss = [&] {  // L = sum r * conv(x, w): its gradient at the output is r
    std::vector<double> y(count * out);
    host::conv2d_forward(x.data(), count, in, filters, k, w.data(), y.data());
    return dot(r, y);
  };
  std::vector<double> gx(x.size()), gw(w.size());
  host::conv2d_backward_data(r.data(), count, in, filters, k, w.data(), gx.data());
  host::conv2d_backward_filter(x.data(), r.data(), count, in, filters, k, gw.data());
  CHECK(check_gradient(gx, x, loss, "dx") > gx.size() / 2);
  CHECK(check_gradient(gw, w, loss, "dW") > gw.size() / 2);
}

TEST_CASE("conv2d is a true convolution: the filter is flipped", "[host]") {
  // One 3x3 input, one 2x2 filter [[1, 2], [3, 4]]: y[0][0] = x00*4 + x01*3 + x10*2 + x11*1.
  const std::vector<double> x = {1, 10, 100, 1000, 10000, 100000, 0, 0, 0};
  const std::vector<double> w = {1, 2, 3, 4};
  std::vector<double> y(4);
  host::conv2d_forward(x.data(), 1, MapShape{1, 3, 3}, 1, 2, w.data(), y.data());
  CHECK(y[0] == 1 * 4 + 10 * 3 + 1000 * 2 + 10000 * 1);
  CHECK(y[1] == 10 * 4 + 100 * 3 + 10000 * 2 + 100000 * 1);
}

TEST_CASE("max-pool routes each window's gradient to its first maximum", "[host][gradient]") {
  // 2 maps of 5x4 with a 2x2 window: the fifth row is the ignored border.
  const MapShape in{2, 5, 4}, out{2, 2, 2};
  std::vector<double> x = random_doubles(in.size(), 401, -1, 1);
  const std::vector<double> r = random_doubles(out.size(), 402, -1, 1);
  std::vector<std::uint32_t> arg(out.size());
  auto loss = [&] {
    std::vector<double> y(out.size());
    host::max_pool_forward(x.data(), 1, in, 2, y.data(), arg.data());
    return dot(r, y);
  };
  loss();
  std::vector<double> gx(x.size());
  host::max_pool_backward(r.data(), arg.data(), 1, in, out, gx.data());
  CHECK(check_gradient(gx, x, loss, "dx") == out.size());  // one maximum a window
  for (std::size_t c = 0; c < in.cols; ++c) CHECK(gx[4 * in.cols + c] == 0.0);  // the border

  // Ties (MNIST's blank borders make whole windows 0): all of it to the first in row-major order.
  std::vector<double> zeros(in.size(), 0.0), y(out.size());
  zeros[1 * in.cols + 1] = -1.0;  // the first window: 0, 0 / 0, -1
  host::max_pool_forward(zeros.data(), 1, in, 2, y.data(), arg.data());
  std::vector<double> ones(out.size(), 1.0);
  host::max_pool_backward(ones.data(), arg.data(), 1, in, out, gx.data());
  CHECK(gx[0] == 1.0);
  CHECK(gx[1] == 0.0);
  CHECK(gx[in.cols] == 0.0);
  CHECK(std::accumulate(gx.begin(), gx.end(), 0.0) == static_cast<double>(out.size()));
}

TEST_CASE("bias + activation per map matches central differences", "[host][gradient]") {
  const MapShape s{3, 4, 5};
  const std::size_t count = 2;
  for (Activation act : {Activation::kTanh, Activation::kRelu, Activation::kNone}) {
    INFO("activation " << runtime::to_string(act));
    std::vector<double> x = random_doubles(count * s.size(), 501, -1, 1);
    std::vector<double> b = random_doubles(s.maps, 502, -0.5, 0.5);
    const std::vector<double> r = random_doubles(count * s.size(), 503, -1, 1);
    if (act == Activation::kRelu) {  // keep x + b off the kink
      for (std::size_t m = 0; m < x.size(); ++m) {
        const double v = x[m] + b[(m % s.size()) / (s.rows * s.cols)];
        if (std::fabs(v) < 0.01) x[m] += 0.05;
      }
    }
    auto forward = [&] {
      std::vector<double> y = x;
      host::map_bias_activation(count, s, b.data(), act, y.data());
      return y;
    };
    auto loss = [&] { return dot(r, forward()); };
    std::vector<double> g = r, db(s.maps);
    host::map_activation_backward(count, s, forward().data(), act, g.data(), db.data());
    CHECK(check_gradient(g, x, loss, "dx") > g.size() / 3);
    CHECK(check_gradient(db, b, loss, "db") == s.maps);
  }
}

namespace {

// The cost of a network of any layer kinds in double, from the host ops: mean NLL of rows
// order[first ..) plus l2 * sum W^2 over the parameters whose declaration says they decay.
double conv_net_cost(const runtime::NetworkSpec& net, std::map<std::string, std::vector<double>>& p,
                     const std::vector<std::uint8_t>& images,
                     const std::vector<std::uint8_t>& labels,
                     const std::vector<std::uint32_t>& order, std::size_t first, std::size_t count,
                     double l2) {
  const std::vector<MapShape> shapes = net.shapes();
  std::vector<double> a(count * net.features());
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < net.features(); ++j) {
      a[i * net.features() + j] = images[order[first + i] * net.features() + j] / net.pixel_divisor;
    }
  }
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const runtime::Layer& L = net.layers[l];
    std::vector<double> y(count * shapes[l + 1].size());
    std::vector<std::uint32_t> arg(y.size());
    switch (L.kind) {
      case runtime::LayerKind::kConv2d:
        host::conv2d_forward(a.data(), count, shapes[l], L.filters, L.kernel, p[L.weight].data(),
                             y.data());
        break;
      case runtime::LayerKind::kMaxPool:
        host::max_pool_forward(a.data(), count, shapes[l], L.window, y.data(), arg.data());
        break;
      case runtime::LayerKind::kActivation:
        y = a;
        host::map_bias_activation(count, shapes[l], p[L.bias].data(), L.activation, y.data());
        break;
      case runtime::LayerKind::kFlatten:
        y = a;
        break;
      case runtime::LayerKind::kDense:
        for (std::size_t i = 0; i < count; ++i) {
          for (std::size_t o = 0; o < L.outputs; ++o) {
            double s = p[L.bias][o];
            for (std::size_t j = 0; j < L.inputs; ++j) {
              s += a[i * L.inputs + j] * p[L.weight][j * L.outputs + o];
            }
            y[i * L.outputs + o] = L.activation == Activation::kTanh ? std::tanh(s) : s;
          }
        }
        break;
    }
    a = y;
  }
  double cost = 0;
  const std::size_t k = net.classes();
  for (std::size_t i = 0; i < count; ++i) {
    cost += host::row_logsumexp(a.data() + i * k, k) - a[i * k + labels[order[first + i]]];
  }
  cost /= static_cast<double>(count);
  for (const runtime::ParamSpec& s : net.params()) {
    if (!s.decay) continue;
    for (double v : p[s.name]) cost += l2 * v * v;
  }
  return cost;
}

}  // namespace

TEST_CASE("one host SGD step on a conv network follows the numeric gradient of its cost",
          "[host][gradient]") {
  // 9x8 images: conv 3 filters 3x3 -> 3x7x6, pool 2 -> 3x3x3 (a border ignored), bias + tanh,
  // flatten, dense 27 -> 5 tanh, dense 5 -> 4 softmax.
  runtime::NetworkSpec net;
  net.image_rows = 9;
  net.image_cols = 8;
  runtime::Layer conv, pool, act, flat;
  conv.kind = runtime::LayerKind::kConv2d;
  conv.filters = 3;
  conv.kernel = 3;
  conv.weight = "Wc";
  pool.kind = runtime::LayerKind::kMaxPool;
  pool.window = 2;
  act.kind = runtime::LayerKind::kActivation;
  act.activation = Activation::kTanh;
  act.bias = "bc";
  flat.kind = runtime::LayerKind::kFlatten;
  net.layers = {conv, pool, act, flat};
  net.layers.push_back({27, 5, Activation::kTanh, "W1", "b1"});
  net.layers.push_back({5, 4, Activation::kNone, "W2", "b2"});
  net.validate();

  const std::size_t rows = 12, first = 2, count = 7;
  const std::uint32_t seed = 808;
  INFO("seed " << seed);
  const test::Synthetic data = test::make_synthetic(rows, net.features(), 4, seed);
  const std::vector<std::uint8_t> labels = test::random_bytes(rows, seed + 1, 3);
  std::vector<std::uint32_t> order(rows);
  std::iota(order.rbegin(), order.rend(), 0u);
  const runtime::ParamValues start = test::random_params(net, seed + 2, -0.5f, 0.5f);

  auto be = runtime::make_backend(runtime::host_device_desc(0), {});
  const runtime::DatasetId id = be->upload({data.images.data(), labels.data(), rows, 72});
  be->set_order(id, order);
  runtime::CompileOptions o;
  o.max_batch = count;
  o.weight_decay = true;
  auto exec = be->compile(net, o);
  exec->write_params(start);
  REQUIRE(exec->read_params() == start);
  const runtime::SgdStep step{0.5f, 0.0f, 0.03f};
  exec->sgd_step(id, first, count, step);
  const runtime::ParamValues after = exec->read_params();

  std::map<std::string, std::vector<double>> p;
  for (const auto& [name, v] : start) p[name] = std::vector<double>(v.begin(), v.end());
  auto cost = [&] {
    return conv_net_cost(net, p, data.images, labels, order, first, count, step.l2);
  };
  CHECK(exec->train_loss(id, first, count) ==
        Approx(conv_net_cost(net, p, data.images, labels, order, first, count, 0)).epsilon(1e-5));
  std::size_t checked = 0, significant = 0;
  for (const runtime::ParamSpec& s : net.params()) {
    std::size_t bad = 0;
    for (std::size_t m = 0; m < p[s.name].size(); ++m) {
      const double num = test::numeric(p[s.name], m, cost);
      const double applied = (static_cast<double>(start.at(s.name)[m]) - after.at(s.name)[m]) /
                             static_cast<double>(step.lr);
      ++checked;
      if (std::fabs(num) > 100 * test::kAtol) ++significant;
      if (!test::close(applied, num) && bad++ < 5) {
        UNSCOPED_INFO(s.name << "[" << m << "]: step " << applied << ", numeric " << num);
      }
    }
    INFO("parameter " << s.name);
    CHECK(bad == 0);
  }
  CHECK(significant > checked / 2);
}

TEST_CASE("the theano-lenet init draws convolutional_mlp.py's tensors", "[host][golden]") {
  const runtime::NetworkSpec net = model::lenet(28, 28, 10, 256.0);
  CHECK(net.describe() ==
        "1x28x28-conv20x5x5-pool2-b tanh-conv50x5x5-pool2-b tanh-flatten-500 tanh-10 softmax");
  const runtime::ParamValues p = model::initial_params(net, 23455);
  const auto sha = [&](const char* name) { return model::sha256_hex(test::le_bytes(p.at(name))); };
  // SHA-256 of numpy.random.RandomState(23455)'s W0 (20,1,5,5), W1 (50,20,5,5) and the hidden
  // layer's W (800,500), drawn in that order with fan_out = filters*25 // 4 (312 for W1).
  CHECK(sha("W0") == "a932a7f798ef5afdd1760995148abd98ab3d42cc4db7e101b392db06533bd81c");
  CHECK(sha("W1") == "a88f072f40cc1fc0c985d531842f94d24e4a2e42164c086f7e20fd832b9eb03f");
  CHECK(sha("W2") == "3d636d0e66bd6a2fe05039728cd6ab7433af3629ca57e4c7a1012c29ff6ddae5");
  for (const char* zero : {"b0", "b1", "b2", "W3", "b3"}) {
    const std::vector<float>& v = p.at(zero);
    CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; }));
  }
}
