// Test oracles of softmax regression's training step: the gradient of the mean NLL and the
// weight update, as the fused and dense kernels compute them, templated on the arithmetic type
// (double for the comparisons). The backends never call these (the host backend trains through
// host_layers.hpp), so they live with the tests, not in the installed runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host_ops.hpp"

namespace clmnist::runtime::host {

// dlogits: [rows x k] = (softmax(logits + b) - onehot(label)) * inv_rows, the gradient of the
// mean NLL; loss[first + i] = that row's NLL. Labels are gathered as labels[order[first + i]].
template <class T>
void xent_grad(const T* logits, const T* b, const std::uint8_t* labels, const std::uint32_t* order,
               std::size_t first, std::size_t rows, std::size_t k, T inv_rows, T* dlogits,
               T* loss) {
  std::vector<T> z(k), e(k);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < k; ++c) z[c] = logits[i * k + c] + b[c];
    const std::size_t y = labels[order[first + i]];
    T s;
    const T lse = row_exp_sum(z.data(), k, e.data(), s);
    for (std::size_t c = 0; c < k; ++c) {
      dlogits[i * k + c] = (e[c] / s - (c == y ? T(1) : T(0))) * inv_rows;
    }
    loss[first + i] = lse - z[y];
  }
}

// wt[c, j] -= lr * (scale * sum_i x[order[first + i], j] * dlogits[i, c]), then the bias update.
// grad: scratch of k * features.
template <class T>
void weight_grad_update(const std::uint8_t* x, const std::uint32_t* order, std::size_t first,
                        std::size_t count, std::size_t features, std::size_t k, T scale, T lr,
                        const T* dlogits, T* wt, T* b, std::vector<T>& grad) {
  grad.assign(k * features, T(0));
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* row = x + static_cast<std::size_t>(order[first + i]) * features;
    for (std::size_t c = 0; c < k; ++c) {
      const T d = dlogits[i * k + c];
      T* g = grad.data() + c * features;
      for (std::size_t j = 0; j < features; ++j) g[j] += static_cast<T>(row[j]) * d;
    }
  }
  for (std::size_t n = 0; n < k * features; ++n) wt[n] -= lr * (scale * grad[n]);
  bias_grad_update(dlogits, count, k, lr, b);
}

}  // namespace clmnist::runtime::host
