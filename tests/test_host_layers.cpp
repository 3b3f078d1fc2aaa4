// The host ops of host_layers.hpp in double against central differences: a dense layer's
// gradients (weights, bias, inputs; float and uint8 inputs), tanh and relu, the softmax
// cross-entropy head, the L1 and L2 terms of the update; then one SGD step of the host backend on
// whole MLPs against the numeric gradient of their cost.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <numeric>

#include "networks.hpp"
#include "backend.hpp"
#include "host_layers.hpp"
#include "gradient_check.hpp"
#include "test_support.hpp"

using namespace clmnist;
namespace host = clmnist::runtime::host;
using runtime::Activation;

using test::check_gradient;
using test::dot;
using test::numeric;
using test::random_doubles;

TEST_CASE("a dense layer's gradients match central differences", "[host][gradient]") {
  // 37 inputs: two whole groups of the 16 summation lanes and a tail.
  const std::size_t count = 5, n = 37, k = 4;
  const std::uint32_t seed = 101;
  INFO("seed " << seed);
  std::vector<double> x = random_doubles(count * n, seed, -1, 1);
  std::vector<double> wt = random_doubles(k * n, seed + 1, -0.5, 0.5);
  std::vector<double> b = random_doubles(k, seed + 2, -0.5, 0.5);
  const std::vector<double> r = random_doubles(count * k, seed + 3, -1, 1);
  // L = sum r * (x . W + b): its gradient at the layer's output is r.
  auto loss = [&] {
    std::vector<double> y(count * k);
    host::dense_dots(x.data(), count, n, k, wt.data(), y.data());
    host::bias_activation(count, k, b.data(), Activation::kNone, y.data());
    return dot(r, y);
  };
  // One update with lr = 1 moves the parameters by minus their gradient.
  std::vector<double> wt_after = wt, b_after = b, scratch;
  const double* xp = x.data();
  host::dense_update([xp, n](std::size_t i) { return xp + i * n; }, count, n, k, 1.0, r.data(),
                     runtime::SgdStep{1.0f, 0.0f, 0.0f}, true, wt_after.data(), b_after.data(), scratch);
  std::vector<double> gw(k * n), gb(k);
  for (std::size_t m = 0; m < gw.size(); ++m) gw[m] = wt[m] - wt_after[m];
  for (std::size_t c = 0; c < k; ++c) gb[c] = b[c] - b_after[c];
  CHECK(check_gradient(gw, wt, loss, "dW") > gw.size() / 2);
  CHECK(check_gradient(gb, b, loss, "db") == k);
  // The gradient at the inputs, through no activation.
  std::vector<double> gx(count * n);
  host::backward_data(r.data(), count, k, n, wt.data(), x.data(), Activation::kNone, gx.data());
  CHECK(check_gradient(gx, x, loss, "dx") > gx.size() / 2);
}

TEST_CASE("the first layer's update from uint8 pixels matches central differences",
          "[host][gradient]") {
  const std::size_t rows = 9, count = 6, first = 2, n = 21, k = 3;
  const std::uint32_t seed = 202;
  INFO("seed " << seed);
  std::vector<std::uint8_t> px = test::random_bytes(rows * n, seed);
  for (std::size_t i = 0; i < px.size(); i += 3) px[i] = 0;  // zero pixels are skipped
  std::vector<std::uint32_t> order(rows);
  std::iota(order.rbegin(), order.rend(), 0u);  // reversed: rows gathered through the order
  std::vector<double> wt = random_doubles(k * n, seed + 1, -0.5, 0.5);
  std::vector<double> b = random_doubles(k, seed + 2, -0.5, 0.5);
  const std::vector<double> r = random_doubles(count * k, seed + 3, -1, 1);
  const double scale = 1.0 / 256.0;
  auto loss = [&] {
    std::vector<double> y(count * k);
    host::linear_dots(px.data(), order.data(), first, count, n, k, scale, wt.data(), y.data());
    host::bias_activation(count, k, b.data(), Activation::kNone, y.data());
    return dot(r, y);
  };
  std::vector<double> wt_after = wt, b_after = b, scratch;
  const std::uint8_t* xp = px.data();
  const std::uint32_t* rows_of = order.data() + first;
  host::dense_update([xp, rows_of, n](std::size_t i) { return xp + std::size_t{rows_of[i]} * n; },
                     count, n, k, scale, r.data(), runtime::SgdStep{1.0f, 0.0f, 0.0f}, true,
                     wt_after.data(), b_after.data(), scratch);
  std::vector<double> gw(k * n), gb(k);
  for (std::size_t m = 0; m < gw.size(); ++m) gw[m] = wt[m] - wt_after[m];
  for (std::size_t c = 0; c < k; ++c) gb[c] = b[c] - b_after[c];
  CHECK(check_gradient(gw, wt, loss, "dW") > gw.size() / 2);
  CHECK(check_gradient(gb, b, loss, "db") == k);
}

TEST_CASE("tanh and relu gradients match central differences", "[host][gradient]") {
  const std::size_t count = 4, n = 19, k = 5;
  for (const Activation act : {Activation::kTanh, Activation::kRelu}) {
    const std::uint32_t seed = act == Activation::kTanh ? 303 : 404;
    INFO(runtime::to_string(act) << ", seed " << seed);
    // Pre-activations z + b with |z + b| >= 0.1: away from relu's kink.
    std::vector<double> z = random_doubles(count * n, seed, 0.1, 2.0);
    const std::vector<double> sign = random_doubles(count * n, seed + 1, -1, 1);
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = sign[i] < 0 ? -z[i] : z[i];
    const std::vector<double> b(n, 0.0);
    const std::vector<double> wt = random_doubles(k * n, seed + 2, -0.5, 0.5);
    const std::vector<double> r = random_doubles(count * k, seed + 3, -1, 1);
    auto forward = [&](std::vector<double>& a) {
      a = z;
      host::bias_activation(count, n, b.data(), act, a.data());
    };
    // L = sum r * (act(z) . W2): the activation, then a layer above it.
    auto loss = [&] {
      std::vector<double> a, y(count * k);
      forward(a);
      host::dense_dots(a.data(), count, n, k, wt.data(), y.data());
      return dot(r, y);
    };
    std::vector<double> a;
    forward(a);
    for (std::size_t i = 0; i < z.size(); ++i) {
      const double want = act == Activation::kTanh ? std::tanh(z[i]) : std::max(z[i], 0.0);
      CHECK(a[i] == want);
    }
    std::vector<double> gz(count * n);
    host::backward_data(r.data(), count, k, n, wt.data(), a.data(), act, gz.data());
    const std::size_t significant = check_gradient(gz, z, loss, "dz");
    CHECK(significant > gz.size() / 3);
    if (act == Activation::kRelu) {  // no gradient below the kink
      for (std::size_t i = 0; i < z.size(); ++i) {
        if (z[i] < 0) CHECK(gz[i] == 0.0);
      }
    }
  }
}

TEST_CASE("the softmax cross-entropy head's gradient matches central differences",
          "[host][gradient]") {
  const std::size_t count = 6, k = 5;
  const std::uint32_t seed = 505;
  INFO("seed " << seed);
  std::vector<double> z = random_doubles(count * k, seed, -3, 3);
  std::vector<double> b = random_doubles(k, seed + 1, -1, 1);
  const std::vector<std::uint8_t> y = test::random_bytes(count, seed + 2, k - 1);
  // The NLL of row i, written out plainly.
  auto nll = [&](std::size_t i) {
    double s = 0;
    for (std::size_t c = 0; c < k; ++c) s += std::exp(z[i * k + c] + b[c]);
    return std::log(s) - (z[i * k + y[i]] + b[y[i]]);
  };
  auto mean_nll = [&] {
    double s = 0;
    for (std::size_t i = 0; i < count; ++i) s += nll(i);
    return s / static_cast<double>(count);
  };
  std::vector<double> d(count * k), gb(k, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    const double row_nll = host::head_gradient(z.data() + i * k, b.data(), k, y[i],
                                               1.0 / static_cast<double>(count), d.data() + i * k);
    CHECK(row_nll == Approx(nll(i)).epsilon(1e-14));
    for (std::size_t c = 0; c < k; ++c) gb[c] += d[i * k + c];
  }
  CHECK(check_gradient(d, z, mean_nll, "dz") > count * k / 2);
  CHECK(check_gradient(gb, b, mean_nll, "db") >= k / 2);

  // Evaluation: the same NLL, the first largest class, probabilities that sum to one.
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> p(k), zb(k);
    bool wrong = true;
    CHECK(host::head_evaluate(z.data() + i * k, b.data(), k, y[i], p.data(), &wrong) ==
          Approx(nll(i)).epsilon(1e-14));
    for (std::size_t c = 0; c < k; ++c) zb[c] = z[i * k + c] + b[c];
    const std::size_t best =
        static_cast<std::size_t>(std::max_element(zb.begin(), zb.end()) - zb.begin());
    CHECK(wrong == (best != y[i]));
    const double lse = host::softmax_row(z.data() + i * k, b.data(), k, p.data());
    CHECK(lse == Approx(nll(i) + zb[y[i]]).epsilon(1e-14));
    CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1.0).epsilon(1e-14));
    for (std::size_t c = 0; c < k; ++c) CHECK(p[c] == Approx(std::exp(zb[c] - lse)).epsilon(1e-12));
  }

  // Huge logits stay finite, in float as in double.
  const std::vector<float> zf = {1000.0f, 1001.0f, 999.0f, -1000.0f}, bf(4, 0.0f);
  std::vector<float> df(4);
  const float big = host::head_gradient(zf.data(), bf.data(), 4, 3, 1.0f, df.data());
  CHECK(big == Approx(2001.0 + std::log(1.0 + std::exp(-1.0) + std::exp(-2.0))));
  for (float v : df) CHECK(std::isfinite(v));
  CHECK(df[3] == -1.0f);
}

TEST_CASE("the update's L1 and L2 terms are the analytic ones", "[host][gradient]") {
  const std::size_t count = 5, n = 23, k = 4;
  const std::uint32_t seed = 606;
  INFO("seed " << seed);
  std::vector<std::uint8_t> px = test::random_bytes(count * n, seed);
  for (std::size_t i = 0; i < count; ++i) px[i * n + 7] = 0;  // input 7 is always zero
  std::vector<double> wt = random_doubles(k * n, seed + 1, 0.01, 0.5);
  const std::vector<double> sign = random_doubles(k * n, seed + 2, -1, 1);
  for (std::size_t m = 0; m < wt.size(); ++m) wt[m] = sign[m] < 0 ? -wt[m] : wt[m];
  wt[2 * n + 7] = 0.0;  // a weight at zero with no gradient stays there (sign(0) = 0)
  std::vector<double> b = random_doubles(k, seed + 3, -0.5, 0.5);
  const std::vector<double> g = random_doubles(count * k, seed + 4, -1, 1);
  const double scale = 1.0 / 255.0;
  const runtime::SgdStep step{0.3f, 0.02f, 0.05f};
  const double lr = step.lr, l1 = step.l1, l2 = step.l2;
  const std::uint8_t* xp = px.data();
  auto rows = [xp, n](std::size_t i) { return xp + i * n; };

  std::vector<double> wt_after = wt, b_after = b, scratch;
  host::dense_update(rows, count, n, k, scale, g.data(), step, true, wt_after.data(), b_after.data(),
                     scratch);
  // wt -= lr * (scale * sum_i x_i g_i + 2 l2 wt + l1 sign(wt)); b -= lr * sum_i g_i (no decay).
  std::size_t bad = 0;
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t i = 0; i < count; ++i) s += px[i * n + j] * g[i * k + c];
      const double w = wt[c * n + j];
      const double want = w - lr * (scale * s + 2 * l2 * w + l1 * ((w > 0) - (w < 0)));
      if (!test::close(wt_after[c * n + j], want, 1e-15, 1e-12) && bad++ < 5) {
        UNSCOPED_INFO("W[" << c << ", " << j << "]: " << wt_after[c * n + j] << " vs " << want);
      }
    }
    double s = 0;
    for (std::size_t i = 0; i < count; ++i) s += g[i * k + c];
    CHECK(b_after[c] == Approx(b[c] - lr * s).epsilon(1e-14));
  }
  CHECK(bad == 0);
  CHECK(wt_after[2 * n + 7] == 0.0);

  // Biases do not decay: the same step without decay moves them alike.
  std::vector<double> plain = wt, b_plain = b;
  host::dense_update(rows, count, n, k, scale, g.data(), runtime::SgdStep{0.3f, 0.0f, 0.0f}, true,
                     plain.data(), b_plain.data(), scratch);
  CHECK(b_plain == b_after);
  CHECK(plain != wt_after);

  // The same as central differences of sum g * (x . W) + l1 sum |W| + l2 sum W^2, over lr.
  auto cost = [&] {
    std::vector<std::uint32_t> order(count);
    std::iota(order.begin(), order.end(), 0u);
    std::vector<double> y(count * k);
    host::linear_dots(px.data(), order.data(), 0, count, n, k, scale, wt.data(), y.data());
    double c = dot(g, y);
    for (double w : wt) c += l1 * std::fabs(w) + l2 * w * w;
    return c;
  };
  std::vector<double> gw(k * n);
  for (std::size_t m = 0; m < gw.size(); ++m) gw[m] = (wt[m] - wt_after[m]) / lr;
  wt[2 * n + 7] = 0.5;  // |W| has no derivative at 0: that entry is checked at 0.5 instead
  gw[2 * n + 7] = 2 * l2 * 0.5 + l1;
  CHECK(check_gradient(gw, wt, cost, "dW") > gw.size() / 2);
}

namespace {

// A whole network's cost in double, from the parameters in their canonical layout:
// mean NLL over the rows order[first .. first + count) + l1 sum |W| + l2 sum W^2.
struct Oracle {
  const runtime::NetworkSpec& net;
  const std::vector<std::uint8_t>& images;
  const std::vector<std::uint8_t>& labels;
  const std::vector<std::uint32_t>& order;
  std::size_t first, count;
  double l1, l2;
  double min_preactivation = 1e30;  // smallest |pre-activation| of a relu unit seen

  double nll(const std::map<std::string, std::vector<double>>& p) {
    const double scale = static_cast<double>(net.pixel_scale());
    double sum = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t row = order[first + i];
      std::vector<double> a(net.features());
      for (std::size_t j = 0; j < a.size(); ++j) a[j] = images[row * a.size() + j] * scale;
      for (const runtime::Layer& l : net.layers) {
        const std::vector<double>& w = p.at(l.weight);
        const std::vector<double>& b = p.at(l.bias);
        std::vector<double> out(l.outputs);
        for (std::size_t o = 0; o < l.outputs; ++o) {
          double s = b[o];
          for (std::size_t in = 0; in < l.inputs; ++in) s += a[in] * w[in * l.outputs + o];
          if (l.activation == Activation::kRelu) {
            min_preactivation = std::min(min_preactivation, std::fabs(s));
          }
          out[o] = l.activation == Activation::kTanh   ? std::tanh(s)
                   : l.activation == Activation::kRelu ? std::max(s, 0.0)
                                                       : s;
        }
        a = out;
      }
      double m = a[0];
      for (double v : a) m = std::max(m, v);
      double e = 0;
      for (double v : a) e += std::exp(v - m);
      sum += m + std::log(e) - a[labels[row]];
    }
    return sum / static_cast<double>(count);
  }

  double cost(const std::map<std::string, std::vector<double>>& p) {
    double c = nll(p);
    for (const runtime::ParamSpec& s : net.params()) {
      if (!s.decay) continue;
      for (double w : p.at(s.name)) c += l1 * std::fabs(w) + l2 * w * w;
    }
    return c;
  }
};

}  // namespace

TEST_CASE("one host SGD step on an MLP follows the numeric gradient of its cost",
          "[host][gradient]") {
  struct Case {
    const char* what;
    std::vector<std::size_t> hidden;
    Activation act, second;  // the hidden layers' activations (the second for two of them)
    runtime::SgdStep step;
  };
  const std::vector<Case> cases = {
      {"tanh, L2", {6}, Activation::kTanh, Activation::kTanh, {0.5f, 0.0f, 0.05f}},
      {"relu, L1 and L2", {7}, Activation::kRelu, Activation::kRelu, {0.5f, 0.01f, 0.03f}},
      {"tanh then relu, no decay",
       {6, 5},
       Activation::kTanh,
       Activation::kRelu,
       {0.5f, 0.0f, 0.0f}},
  };
  const std::size_t rows = 14, first = 3, count = 9;
  std::uint32_t seed = 707;
  for (const Case& c : cases) {
    seed += 10;
    INFO(c.what << ", seed " << seed);
    runtime::NetworkSpec net =
        model::multilayer_perceptron(4, 5, c.hidden, c.act, 4, 256.0);  // 20 features
    if (c.hidden.size() > 1) net.layers[1].activation = c.second;
    const test::Synthetic data = test::make_synthetic(rows, net.features(), 4, seed);
    std::vector<std::uint8_t> labels = test::random_bytes(rows, seed + 1, 3);
    std::vector<std::uint32_t> order(rows);
    std::iota(order.rbegin(), order.rend(), 0u);

    runtime::ParamValues start = test::random_params(net, seed + 2, -0.5f, 0.5f);
    for (const runtime::ParamSpec& p : net.params()) {  // keep |W| off 0 for the L1 term
      for (float& v : start[p.name]) {
        if (std::fabs(v) < 0.01f) v = 0.01f;
      }
    }
    auto be = runtime::make_backend(runtime::host_device_desc(0), {});
    const runtime::DatasetId id =
        be->upload({data.images.data(), labels.data(), rows, net.features()});
    be->set_order(id, order);
    runtime::CompileOptions o;
    o.max_batch = count;
    o.weight_decay = true;
    auto exec = be->compile(net, o);
    exec->write_params(start);
    CHECK(exec->read_params() == start);
    exec->sgd_step(id, first, count, c.step);
    const runtime::ParamValues after = exec->read_params();

    Oracle oracle{net, data.images, labels, order, first, count, c.step.l1, c.step.l2};
    std::map<std::string, std::vector<double>> p;
    for (const auto& [name, v] : start) p[name] = std::vector<double>(v.begin(), v.end());
    CHECK(exec->train_loss(id, first, count) == Approx(oracle.nll(p)).epsilon(1e-5));
    if (c.act == Activation::kRelu || c.second == Activation::kRelu) {
      REQUIRE(oracle.min_preactivation > 1e-3);  // numeric derivatives do not straddle the kink
    }
    const double lr = c.step.lr;
    std::size_t checked = 0, significant = 0;
    for (const runtime::ParamSpec& spec : net.params()) {
      std::vector<double>& values = p[spec.name];
      std::size_t bad = 0;
      for (std::size_t m = 0; m < values.size(); ++m) {
        const double num = numeric(values, m, [&] { return oracle.cost(p); });
        const double applied =
            (static_cast<double>(start[spec.name][m]) - after.at(spec.name)[m]) / lr;
        ++checked;
        if (std::fabs(num) > 100 * test::kAtol) ++significant;
        // The step is float arithmetic: float tolerances.
        if (!test::close(applied, num) && bad++ < 5) {
          UNSCOPED_INFO(spec.name << "[" << m << "]: step " << applied << ", numeric " << num);
        }
      }
      INFO("parameter " << spec.name);
      CHECK(bad == 0);
    }
    CHECK(significant > checked / 2);  // the gradients are large enough for the check to bite
  }
}
