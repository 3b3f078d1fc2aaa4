// Central-difference gradient checks of the host ops, in double (test_host_layers.cpp,
// test_host_conv.cpp).
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "test_support.hpp"

namespace clmnist::test {

inline std::vector<double> random_doubles(std::size_t n, std::uint32_t seed, double lo, double hi) {
  const std::vector<float> f =
      random_floats(n, seed, static_cast<float>(lo), static_cast<float>(hi));
  return {f.begin(), f.end()};
}

// d f / d x[i] by central differences (x[i] is restored).
template <class F>
double numeric(std::vector<double>& x, std::size_t i, F&& f) {
  const double keep = x[i];
  x[i] = keep + kGradStep;
  const double up = f();
  x[i] = keep - kGradStep;
  const double down = f();
  x[i] = keep;
  return (up - down) / (2 * kGradStep);
}

// Checks analytic[i] against the numeric derivative of f in x[i] for every i; returns how many
// derivatives were not negligible (so a caller can make sure the check had something to check).
template <class F>
std::size_t check_gradient(const std::vector<double>& analytic, std::vector<double>& x, F&& f,
                           const char* what) {
  REQUIRE(analytic.size() == x.size());
  std::size_t bad = 0, significant = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double num = numeric(x, i, f);
    if (std::fabs(num) > 1e-4) ++significant;
    if (!close(analytic[i], num, kGradAtol, kGradRtol) && bad++ < 5) {
      UNSCOPED_INFO(what << "[" << i << "]: analytic " << analytic[i] << ", numeric " << num);
    }
  }
  CHECK(bad == 0);
  return significant;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

}  // namespace clmnist::test
