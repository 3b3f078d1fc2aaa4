// Shared test helpers: tolerances, seeded random data, IDX writers, temporary directories, and the
// OpenCL device the device tests run on.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "device_info.hpp"
#include "network.hpp"
#include "trainer.hpp"

namespace clmnist::test {

// Float32 results against the double-precision host oracle: |a - b| <= kAtol + kRtol * |ref|.
// kRtol: a float dot product of n <= 1024 terms accumulates about sqrt(n) * 6e-8 relative error
// per partial sum; 1e-4 leaves a margin of ~50x. kAtol: probabilities and gradients near zero are
// only meaningful to ~1e-6 after float exp and a 1/rows factor; 1e-5 keeps a 10x margin without
// hiding an off-by-one-row or wrong-class error, which moves values by 1e-2 or more.
constexpr double kAtol = 1e-5;
constexpr double kRtol = 1e-4;

// Analytic gradients in double against central differences with step kGradStep: the truncation
// error is ~h^2 |f'''| ~ 1e-12 and the rounding error ~1e-16 |f| / h ~ 1e-9 for costs of order
// 10, so 1e-7 + 1e-6 |ref| is a margin of ~100x; a wrong term (a missing factor, a transposed
// index, the decay left out) moves a gradient by 1e-3 or more.
constexpr double kGradStep = 1e-6;
constexpr double kGradAtol = 1e-7;
constexpr double kGradRtol = 1e-6;

inline bool close(double got, double ref, double atol = kAtol, double rtol = kRtol) {
  return std::fabs(got - ref) <= atol + rtol * std::fabs(ref);
}

// Where `got` differs from `ref` beyond close(): "" when every entry agrees, else how many differ
// and the first few ("W[3]: 0.1 vs 0.2"). Use as CHECK(mismatches(...) == "") so a failure
// prints them.
template <class A, class B>
std::string mismatches(const std::vector<A>& got, const std::vector<B>& ref,
                       const std::string& what, double atol = kAtol, double rtol = kRtol) {
  std::ostringstream out;
  if (got.size() != ref.size()) {
    out << what << ": " << got.size() << " values, expected " << ref.size();
    return out.str();
  }
  std::size_t bad = 0;
  out.precision(9);
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = static_cast<double>(ref[i]);
    if (close(g, r, atol, rtol)) continue;
    if (bad++ < 5) out << (bad > 1 ? "; " : "") << what << "[" << i << "]: " << g << " vs " << r;
  }
  if (bad == 0) return "";
  return std::to_string(bad) + " of " + std::to_string(ref.size()) + " differ: " + out.str();
}

// Fixed seeds only; every test prints its seed through Catch's INFO on failure.
std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed, unsigned max = 255);
std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo, float hi);
// Every parameter of `net` uniform in [lo, hi) (seed, seed + 1, ... in parameter order).
runtime::ParamValues random_params(const runtime::NetworkSpec& net, std::uint32_t seed, float lo,
                                   float hi);
// The values as little-endian float32 bytes (safetensors' and numpy's '<f4').
std::string le_bytes(const std::vector<float>& values);

// Synthetic, learnable classification data: each class a random prototype image plus noise.
struct Synthetic {
  std::vector<std::uint8_t> images;
  std::vector<std::uint8_t> labels;
  std::size_t rows = 0, features = 0, classes = 0;
};
Synthetic make_synthetic(std::size_t rows, std::size_t features, std::size_t classes,
                         std::uint32_t seed);

// make_synthetic split into train, validation and test sets of 8x9 images (72 features: not a
// multiple of the 16 vector lanes), 5 classes.
model::TrainData synthetic_train_data(std::size_t train, std::size_t valid, std::size_t test,
                                      std::uint32_t seed);

// A fresh empty directory under the build tree's test scratch area.
std::string temp_dir(const std::string& name);

// Writes an IDX uint8 file (optionally gzip-compressed) with the given dims and payload.
void write_idx(const std::string& path, const std::vector<std::uint32_t>& dims,
               const std::vector<std::uint8_t>& payload, bool gzip = false);
void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);

// CLMNIST_TEST_SMALL=1 (set when the tests run under oclgrind, which simulates every work-item):
// the size lists below, cut to their small members.
bool small_mode();
std::vector<std::size_t> sizes(std::initializer_list<std::size_t> all, std::size_t small_limit);

// The OpenCL device the device tests use: CLMNIST_TEST_DEVICE (a --device spec) if set, else the
// first OpenCL device. Returns false if there is none.
bool find_test_device(runtime::DeviceDesc& out);

}  // namespace clmnist::test
