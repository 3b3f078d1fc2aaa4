// Plain C++ ops of a dense network's layers and its softmax cross-entropy head, templated on the
// arithmetic type (float: the host backend; double: an oracle). Weights are held transposed,
// wt [outputs x inputs], so every dot product runs over contiguous memory.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "executable.hpp"
#include "host_ops.hpp"
#include "network.hpp"

namespace clmnist::runtime::host {

// y: [count x k] = x[count x n] . wt^T (no bias), x float; sums in kLanes partial lanes as
// linear_dots does for uint8 inputs.
template <class T>
void dense_dots(const T* x, std::size_t count, std::size_t n, std::size_t k, const T* wt, T* y) {
  for (std::size_t i = 0; i < count; ++i) {
    const T* row = x + i * n;
    for (std::size_t c = 0; c < k; ++c) {
      const T* w = wt + c * n;
      T lanes[kLanes] = {};
      std::size_t j = 0;
      for (; j + kLanes <= n; j += kLanes) {
        for (std::size_t l = 0; l < kLanes; ++l) lanes[l] += row[j + l] * w[j + l];
      }
      for (std::size_t l = 0; j < n; ++j, ++l) lanes[l] += row[j] * w[j];
      for (std::size_t half = kLanes / 2; half > 0; half /= 2) {
        for (std::size_t l = 0; l < half; ++l) lanes[l] += lanes[l + half];
      }
      y[i * k + c] = lanes[0];
    }
  }
}

// y = act(y + b) for a hidden layer: y [count x k] from linear_dots or dense_dots.
template <class T>
void bias_activation(std::size_t count, std::size_t k, const T* b, Activation act, T* y) {
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t c = 0; c < k; ++c) {
      T v = y[i * k + c] + b[c];
      if (act == Activation::kTanh) v = std::tanh(v);
      if (act == Activation::kRelu) v = v > T(0) ? v : T(0);
      y[i * k + c] = v;
    }
  }
}

// The softmax of one row z + b as Theano's SoftmaxWithBias computes it: e = exp(z + b - max) in
// T, their sum in double, p = e * (1 / sum). Returns log-sum-exp(z + b).
template <class T>
double softmax_row(const T* z, const T* b, std::size_t k, T* p) {
  T m = z[0] + b[0];
  for (std::size_t c = 1; c < k; ++c) m = std::fmax(m, z[c] + b[c]);
  double s = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    p[c] = std::exp((z[c] + b[c]) - m);
    s += static_cast<double>(p[c]);
  }
  const double inv = 1.0 / s;
  for (std::size_t c = 0; c < k; ++c) p[c] = static_cast<T>(static_cast<double>(p[c]) * inv);
  return static_cast<double>(m) + std::log(s);
}

// The head of one training row: d[c] = p[c] * inv_count, minus inv_count at the label (Theano's
// CrossentropySoftmax1HotWithBiasDx); returns the row's NLL, log-sum-exp - (z + b)[y].
template <class T>
T head_gradient(const T* z, const T* b, std::size_t k, std::size_t y, T inv_count, T* d) {
  const double lse = softmax_row(z, b, k, d);
  for (std::size_t c = 0; c < k; ++c) d[c] *= inv_count;
  d[y] -= inv_count;
  return static_cast<T>(lse - static_cast<double>(z[y] + b[y]));
}

// The head of one evaluated row: *wrong = argmax(z + b) != y (the first largest, as numpy;
// Theano rewrites argmax(softmax(z + b)) to this); returns the NLL. p: scratch of k.
template <class T>
T head_evaluate(const T* z, const T* b, std::size_t k, std::size_t y, T* p, bool* wrong) {
  const double lse = softmax_row(z, b, k, p);
  for (std::size_t c = 0; c < k; ++c) p[c] = z[c] + b[c];
  *wrong = row_argmax(p, k) != y;
  return static_cast<T>(lse - static_cast<double>(z[y] + b[y]));
}

// d: [count x n] = (g[count x k] . wt) * act'(a), the gradient at the pre-activation of the layer
// below, whose output a [count x n] is this layer's input. Theano's tanh gradient: g * (1 - a^2).
template <class T>
void backward_data(const T* g, std::size_t count, std::size_t k, std::size_t n, const T* wt,
                   const T* a, Activation act, T* d) {
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      T s = 0;
      for (std::size_t c = 0; c < k; ++c) s += g[i * k + c] * wt[c * n + j];
      const T h = a[i * n + j];
      if (act == Activation::kTanh) s = s * (T(1) - h * h);
      if (act == Activation::kRelu) s = h > T(0) ? s : T(0);
      d[i * n + j] = s;
    }
  }
}

// The one update rule of every parameter, from its gradient g (times scale) and the old values:
// w -= lr * (scale * g + 2 l2 w + l1 sign(w)) where the parameter decays (its declaration,
// ParamSpec::decay), with the decay terms left out where zero (so l1 = l2 = 0 is the plain
// update, bit for bit); w -= lr * (scale * g) where it does not.
template <class T>
void sgd_update(T* w, const T* g, std::size_t n, T scale, const SgdStep& step, bool decays) {
  const T lr = step.lr, decay = static_cast<T>(2.0 * static_cast<double>(step.l2)), l1 = step.l1;
  if (!decays || (decay == T(0) && l1 == T(0))) {  // the plain update, a loop that vectorises
    for (std::size_t m = 0; m < n; ++m) w[m] -= lr * (scale * g[m]);
    return;
  }
  for (std::size_t m = 0; m < n; ++m) {
    T gm = scale * g[m];
    if (decay != T(0)) gm = gm + decay * w[m];
    if (l1 != T(0)) gm = gm + l1 * T((w[m] > T(0)) - (w[m] < T(0)));
    w[m] -= lr * gm;
  }
}

// The gradient of a dense layer's weights, wt[c, j] += scale * sum_i x_i[j] * g[i, c], applied
// by sgd_update, then its bias's (sum_i g[i, c]). xrow(i) gives row i of the input (uint8 or T);
// every input is summed, in row order, in a loop the compiler vectorises (skipping zeros would
// be exact too, but for the 10-column softmax regression the list costs more than it saves).
// grad: scratch of k * n.
template <class T, class Row>
void dense_update(Row xrow, std::size_t count, std::size_t n, std::size_t k, T scale, const T* g,
                  const SgdStep& step, bool weight_decays, T* wt, T* b, std::vector<T>& grad) {
  grad.assign(k * n, T(0));
  for (std::size_t i = 0; i < count; ++i) {
    const auto* row = xrow(i);
    for (std::size_t c = 0; c < k; ++c) {
      const T d = g[i * k + c];
      T* gc = grad.data() + c * n;
      for (std::size_t j = 0; j < n; ++j) gc[j] += static_cast<T>(row[j]) * d;
    }
  }
  sgd_update(wt, grad.data(), k * n, scale, step, weight_decays);
  grad.assign(k, T(0));
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t i = 0; i < count; ++i) grad[c] += g[i * k + c];
  }
  sgd_update(b, grad.data(), k, T(1), step, false);
}

}  // namespace clmnist::runtime::host
