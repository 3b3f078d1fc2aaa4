// The host backend's ops: a finite-difference gradient check in double, and basic identities.
#include <catch2/catch.hpp>
#include <numeric>

#include "host_oracles.hpp"
#include "test_support.hpp"

using namespace clmnist::runtime;

namespace {

// Mean NLL of softmax(scale * X W^T + b) over rows, in double.
double mean_nll(const std::vector<std::uint8_t>& x, const std::vector<std::uint8_t>& labels,
                std::size_t rows, std::size_t features, std::size_t k, double scale,
                const std::vector<double>& wt, const std::vector<double>& b) {
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  std::vector<double> logits(rows * k), loss(rows);
  host::linear_dots(x.data(), order.data(), 0, rows, features, k, scale, wt.data(), logits.data());
  host::nll_rows(logits.data(), b.data(), labels.data(), rows, k, loss.data());
  return std::accumulate(loss.begin(), loss.end(), 0.0) / static_cast<double>(rows);
}

}  // namespace

TEST_CASE("analytic gradient of the mean NLL matches central differences", "[host][gradient]") {
  const std::size_t rows = 7, features = 19, k = 4;  // 19: not a multiple of the 16 lanes
  const double scale = 1.0 / 256.0;
  const std::uint32_t seed = 11;
  INFO("seed " << seed);
  const auto x = clmnist::test::random_bytes(rows * features, seed);
  const auto labels = clmnist::test::random_bytes(rows, seed + 1, k - 1);
  const auto wtf = clmnist::test::random_floats(k * features, seed + 2, -0.5f, 0.5f);
  const auto bf = clmnist::test::random_floats(k, seed + 3, -0.5f, 0.5f);
  std::vector<double> wt(wtf.begin(), wtf.end()), b(bf.begin(), bf.end());

  // Analytic: one SGD step with lr = 1 moves the parameters by exactly minus the gradient.
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  std::vector<double> logits(rows * k), dlogits(rows * k), loss(rows), grad;
  host::linear_dots(x.data(), order.data(), 0, rows, features, k, scale, wt.data(), logits.data());
  host::xent_grad(logits.data(), b.data(), labels.data(), order.data(), 0, rows, k, 1.0 / rows,
                  dlogits.data(), loss.data());
  std::vector<double> wt_after = wt, b_after = b;
  host::weight_grad_update(x.data(), order.data(), 0, rows, features, k, scale, 1.0, dlogits.data(),
                           wt_after.data(), b_after.data(), grad);

  const double h = 1e-6;
  for (std::size_t n = 0; n < wt.size(); ++n) {
    std::vector<double> plus = wt, minus = wt;
    plus[n] += h;
    minus[n] -= h;
    const double numeric = (mean_nll(x, labels, rows, features, k, scale, plus, b) -
                            mean_nll(x, labels, rows, features, k, scale, minus, b)) /
                           (2 * h);
    INFO("W entry " << n);
    CHECK(wt[n] - wt_after[n] == Approx(numeric).margin(1e-8).epsilon(1e-5));
  }
  for (std::size_t c = 0; c < k; ++c) {
    std::vector<double> plus = b, minus = b;
    plus[c] += h;
    minus[c] -= h;
    const double numeric = (mean_nll(x, labels, rows, features, k, scale, wt, plus) -
                            mean_nll(x, labels, rows, features, k, scale, wt, minus)) /
                           (2 * h);
    INFO("b entry " << c);
    CHECK(b[c] - b_after[c] == Approx(numeric).margin(1e-8).epsilon(1e-5));
  }
}

TEST_CASE("softmax is stable for huge logits and sums to one", "[host]") {
  const std::vector<double> logits = {1000.0, 1001.0, 999.0, -1000.0};
  const std::vector<double> b(4, 0.0);
  std::vector<double> p(4);
  host::softmax_rows(logits.data(), b.data(), 1, 4, p.data());
  CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1.0));
  CHECK(p[1] == Approx(std::exp(1.0) / (1.0 + std::exp(1.0) + std::exp(-1.0))));
  const std::uint8_t label = 3;
  double nll = 0;
  host::nll_rows(logits.data(), b.data(), &label, 1, 4, &nll);
  CHECK(std::isfinite(nll));
  CHECK(nll == Approx(2001.0 + std::log(1.0 + std::exp(-1.0) + std::exp(-2.0))));
}

TEST_CASE("argmax takes the first of equal logits, as numpy does", "[host]") {
  const std::vector<float> logits = {0.5f, 2.0f, 2.0f, 1.0f};
  const std::vector<float> b(4, 0.0f);
  std::uint8_t wrong = 9;
  const std::uint8_t label1 = 1, label2 = 2;
  host::count_errors(logits.data(), b.data(), &label1, 1, 4, &wrong);
  CHECK(wrong == 0);
  host::count_errors(logits.data(), b.data(), &label2, 1, 4, &wrong);
  CHECK(wrong == 1);
}
