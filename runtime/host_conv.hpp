// Plain C++ ops of the convolutional layer kinds (conv2d, max-pool, bias + activation), templated
// on the arithmetic type (float: the host backend; double: an oracle). Maps are channel-major,
// one sample [maps x rows x cols] after another (NCHW); filters are Theano's [F x C x k x k], used
// as a true convolution (flipped), so a model file's filters are the tutorial's.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "network.hpp"

namespace clmnist::runtime::host {

// y[n][f][oy][ox] = sum_{c,i,j} x[n][c][oy+i][ox+j] * w[f][c][k-1-i][k-1-j]   (valid)
// x: [count x in], y: [count x out] with out = F x (H-k+1) x (W-k+1).
template <class T>
void conv2d_forward(const T* x, std::size_t count, const MapShape& in, std::size_t filters,
                    std::size_t k, const T* w, T* y) {
  const std::size_t oh = in.rows - k + 1, ow = in.cols - k + 1;
  for (std::size_t n = 0; n < count; ++n) {
    const T* xn = x + n * in.size();
    T* yn = y + n * filters * oh * ow;
    for (std::size_t f = 0; f < filters; ++f) {
      T* yf = yn + f * oh * ow;
      for (std::size_t p = 0; p < oh * ow; ++p) yf[p] = T(0);
      for (std::size_t c = 0; c < in.maps; ++c) {
        const T* xc = xn + c * in.rows * in.cols;
        const T* wc = w + (f * in.maps + c) * k * k;
        for (std::size_t i = 0; i < k; ++i) {
          for (std::size_t j = 0; j < k; ++j) {
            const T wv = wc[(k - 1 - i) * k + (k - 1 - j)];
            for (std::size_t oy = 0; oy < oh; ++oy) {
              const T* xr = xc + (oy + i) * in.cols + j;
              T* yr = yf + oy * ow;
              for (std::size_t ox = 0; ox < ow; ++ox) yr[ox] += xr[ox] * wv;
            }
          }
        }
      }
    }
  }
}

// dx = the gradient at the conv's input from dy [count x F x oh x ow]; dx is overwritten.
template <class T>
void conv2d_backward_data(const T* dy, std::size_t count, const MapShape& in, std::size_t filters,
                          std::size_t k, const T* w, T* dx) {
  const std::size_t oh = in.rows - k + 1, ow = in.cols - k + 1;
  for (std::size_t m = 0; m < count * in.size(); ++m) dx[m] = T(0);
  for (std::size_t n = 0; n < count; ++n) {
    T* dxn = dx + n * in.size();
    const T* dyn = dy + n * filters * oh * ow;
    for (std::size_t f = 0; f < filters; ++f) {
      const T* dyf = dyn + f * oh * ow;
      for (std::size_t c = 0; c < in.maps; ++c) {
        T* dxc = dxn + c * in.rows * in.cols;
        const T* wc = w + (f * in.maps + c) * k * k;
        for (std::size_t i = 0; i < k; ++i) {
          for (std::size_t j = 0; j < k; ++j) {
            const T wv = wc[(k - 1 - i) * k + (k - 1 - j)];
            for (std::size_t oy = 0; oy < oh; ++oy) {
              T* dr = dxc + (oy + i) * in.cols + j;
              const T* gr = dyf + oy * ow;
              for (std::size_t ox = 0; ox < ow; ++ox) dr[ox] += gr[ox] * wv;
            }
          }
        }
      }
    }
  }
}

// dw [F x C x k x k] = the filter gradient summed over the batch (overwritten).
template <class T>
void conv2d_backward_filter(const T* x, const T* dy, std::size_t count, const MapShape& in,
                            std::size_t filters, std::size_t k, T* dw) {
  const std::size_t oh = in.rows - k + 1, ow = in.cols - k + 1;
  for (std::size_t m = 0; m < filters * in.maps * k * k; ++m) dw[m] = T(0);
  for (std::size_t n = 0; n < count; ++n) {
    const T* xn = x + n * in.size();
    const T* dyn = dy + n * filters * oh * ow;
    for (std::size_t f = 0; f < filters; ++f) {
      const T* dyf = dyn + f * oh * ow;
      for (std::size_t c = 0; c < in.maps; ++c) {
        const T* xc = xn + c * in.rows * in.cols;
        T* dwc = dw + (f * in.maps + c) * k * k;
        for (std::size_t i = 0; i < k; ++i) {
          for (std::size_t j = 0; j < k; ++j) {
            T s = T(0);
            for (std::size_t oy = 0; oy < oh; ++oy) {
              const T* xr = xc + (oy + i) * in.cols + j;
              const T* gr = dyf + oy * ow;
              for (std::size_t ox = 0; ox < ow; ++ox) s += xr[ox] * gr[ox];
            }
            dwc[(k - 1 - i) * k + (k - 1 - j)] += s;
          }
        }
      }
    }
  }
}

// y = the max of each window x window block (the border that does not fill one is ignored);
// arg[m] = the input index (within the sample) of the maximum: the first in row-major order
// among equals, the one that takes the whole gradient (cuDNN's and PyTorch's rule).
template <class T>
void max_pool_forward(const T* x, std::size_t count, const MapShape& in, std::size_t window, T* y,
                      std::uint32_t* arg) {
  const std::size_t oh = in.rows / window, ow = in.cols / window;
  std::size_t m = 0;
  for (std::size_t n = 0; n < count; ++n) {
    const T* xn = x + n * in.size();
    for (std::size_t c = 0; c < in.maps; ++c) {
      for (std::size_t oy = 0; oy < oh; ++oy) {
        for (std::size_t ox = 0; ox < ow; ++ox, ++m) {
          std::size_t best = (c * in.rows + oy * window) * in.cols + ox * window;
          for (std::size_t i = 0; i < window; ++i) {
            for (std::size_t j = 0; j < window; ++j) {
              const std::size_t at = (c * in.rows + oy * window + i) * in.cols + ox * window + j;
              if (xn[at] > xn[best]) best = at;
            }
          }
          y[m] = xn[best];
          arg[m] = static_cast<std::uint32_t>(best);
        }
      }
    }
  }
}

// dx (overwritten) = dy routed to each window's maximum, zero elsewhere.
template <class T>
void max_pool_backward(const T* dy, const std::uint32_t* arg, std::size_t count, const MapShape& in,
                       const MapShape& out, T* dx) {
  for (std::size_t m = 0; m < count * in.size(); ++m) dx[m] = T(0);
  for (std::size_t n = 0; n < count; ++n) {
    for (std::size_t m = 0; m < out.size(); ++m) {
      dx[n * in.size() + arg[n * out.size() + m]] += dy[n * out.size() + m];
    }
  }
}

// y = act(y + b[map]) in place; b may be null (no bias).
template <class T>
void map_bias_activation(std::size_t count, const MapShape& s, const T* b, Activation act, T* y) {
  const std::size_t area = s.rows * s.cols;
  for (std::size_t n = 0; n < count; ++n) {
    for (std::size_t c = 0; c < s.maps; ++c) {
      T* yc = y + n * s.size() + c * area;
      const T bc = b != nullptr ? b[c] : T(0);
      for (std::size_t p = 0; p < area; ++p) {
        T v = yc[p] + bc;
        if (act == Activation::kTanh) v = std::tanh(v);
        if (act == Activation::kRelu) v = v > T(0) ? v : T(0);
        yc[p] = v;
      }
    }
  }
}

// g (in place) = the gradient at act's input, from the gradient at its output y (Theano's tanh
// gradient g * (1 - y^2)); db[map] = its sum over the batch and the map (when db is not null).
template <class T>
void map_activation_backward(std::size_t count, const MapShape& s, const T* y, Activation act, T* g,
                             T* db) {
  const std::size_t area = s.rows * s.cols;
  if (db != nullptr) {
    for (std::size_t c = 0; c < s.maps; ++c) db[c] = T(0);
  }
  for (std::size_t n = 0; n < count; ++n) {
    for (std::size_t c = 0; c < s.maps; ++c) {
      T* gc = g + n * s.size() + c * area;
      const T* yc = y + n * s.size() + c * area;
      T sum = T(0);
      for (std::size_t p = 0; p < area; ++p) {
        if (act == Activation::kTanh) gc[p] = gc[p] * (T(1) - yc[p] * yc[p]);
        if (act == Activation::kRelu) gc[p] = yc[p] > T(0) ? gc[p] : T(0);
        sum += gc[p];
      }
      if (db != nullptr) db[c] += sum;
    }
  }
}

}  // namespace clmnist::runtime::host
