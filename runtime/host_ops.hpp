// Plain C++ ops of softmax regression that the backends share, templated on the arithmetic type:
// float for the host backend and the OpenCL backends' host-side steps, double for the oracles the
// device tests compare against (tests/host_oracles.hpp adds the test-only ones). Each mirrors one
// kernel in cl/ with the same shapes and row/column conventions. Internal: not installed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace clmnist::runtime::host {

// Partial sums per dot product, as the fused kernels' VEC lanes (fixed, so results are repeatable).
constexpr std::size_t kLanes = 16;

// logits: [count x k] = scale * x[order[first + i], :] . wt[c, :]   (no bias)
// x: [rows x features] uint8; wt: [k x features].
template <class T>
void linear_dots(const std::uint8_t* x, const std::uint32_t* order, std::size_t first,
                 std::size_t count, std::size_t features, std::size_t k, T scale, const T* wt,
                 T* logits) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* row = x + static_cast<std::size_t>(order[first + i]) * features;
    for (std::size_t c = 0; c < k; ++c) {
      const T* w = wt + c * features;
      T lanes[kLanes] = {};
      std::size_t j = 0;
      for (; j + kLanes <= features; j += kLanes) {
        for (std::size_t l = 0; l < kLanes; ++l) lanes[l] += static_cast<T>(row[j + l]) * w[j + l];
      }
      for (std::size_t l = 0; j < features; ++j, ++l) lanes[l] += static_cast<T>(row[j]) * w[j];
      // Pairwise tree over the lanes, as the kernels' hsum: halves added until one is left.
      for (std::size_t half = kLanes / 2; half > 0; half /= 2) {
        for (std::size_t l = 0; l < half; ++l) lanes[l] += lanes[l + half];
      }
      logits[i * k + c] = lanes[0] * scale;
    }
  }
}

// Stable softmax of one row, as the kernels compute it: e[c] = exp(z[c] - max z), s = sum e;
// returns log-sum-exp(z) = max + log(s).
template <class T>
T row_exp_sum(const T* z, std::size_t k, T* e, T& s) {
  T m = z[0];
  for (std::size_t c = 1; c < k; ++c) m = std::fmax(m, z[c]);
  s = 0;
  for (std::size_t c = 0; c < k; ++c) {
    e[c] = std::exp(z[c] - m);
    s += e[c];
  }
  return m + std::log(s);
}

template <class T>
T row_logsumexp(const T* z, std::size_t k) {
  std::vector<T> e(k);
  T s;
  return row_exp_sum(z, k, e.data(), s);
}

template <class T>
std::size_t row_argmax(const T* z, std::size_t k) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < k; ++c) {
    if (z[c] > z[best]) best = c;
  }
  return best;
}

// probs: [rows x k] = softmax(logits + b)
template <class T>
void softmax_rows(const T* logits, const T* b, std::size_t rows, std::size_t k, T* probs) {
  std::vector<T> z(k), e(k);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < k; ++c) z[c] = logits[i * k + c] + b[c];
    T s;
    row_exp_sum(z.data(), k, e.data(), s);
    for (std::size_t c = 0; c < k; ++c) probs[i * k + c] = e[c] / s;
  }
}

// loss: [rows], the NLL of each row's label under softmax(logits + b)
template <class T>
void nll_rows(const T* logits, const T* b, const std::uint8_t* labels, std::size_t rows,
              std::size_t k, T* loss) {
  std::vector<T> z(k);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < k; ++c) z[c] = logits[i * k + c] + b[c];
    loss[i] = row_logsumexp(z.data(), k) - z[labels[i]];
  }
}

// wrong: [rows], 1 where argmax(logits + b) differs from the label.
template <class T>
void count_errors(const T* logits, const T* b, const std::uint8_t* labels, std::size_t rows,
                  std::size_t k, std::uint8_t* wrong) {
  std::vector<T> z(k);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < k; ++c) z[c] = logits[i * k + c] + b[c];
    wrong[i] = static_cast<std::uint8_t>(row_argmax(z.data(), k) != labels[i]);
  }
}

// out: [count x features] = x[order[first + i], :] * scale
template <class T>
void u8_to_float(const std::uint8_t* x, const std::uint32_t* order, std::size_t first,
                 std::size_t count, std::size_t features, T scale, T* out) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* row = x + static_cast<std::size_t>(order[first + i]) * features;
    for (std::size_t j = 0; j < features; ++j)
      out[i * features + j] = static_cast<T>(row[j]) * scale;
  }
}

// b[c] -= lr * sum_i dlogits[i, c]   (the bias gradient and its SGD update)
template <class T>
void bias_grad_update(const T* dlogits, std::size_t rows, std::size_t k, T lr, T* b) {
  for (std::size_t c = 0; c < k; ++c) {
    T s = 0;
    for (std::size_t i = 0; i < rows; ++i) s += dlogits[i * k + c];
    b[c] -= lr * s;
  }
}

}  // namespace clmnist::runtime::host
