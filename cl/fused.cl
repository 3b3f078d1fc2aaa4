// Fused kernels for skinny softmax regression on uint8 images, for devices where a general GEMM
// loses to launch overhead and memory traffic (CPUs through PoCL).
// x: [rows x stride] uint8, stride a multiple of VEC (padding bytes are zero);
// wt: [NUM_CLASSES x stride] float, the weights transposed (padding columns are zero); b: [NUM_CLASSES].
// Pixels are x * scale: the scale is applied once per dot product, which for a power-of-two scale
// (the theano preset's 1/256) equals scaling every pixel first.
#include "softmax_common.clh"

#ifndef VEC
#define VEC 16
#endif

#define CLMNIST_CAT(a, b) a##b
#define CLMNIST_XCAT(a, b) CLMNIST_CAT(a, b)
#define floatV CLMNIST_XCAT(float, VEC)
#define vloadV CLMNIST_XCAT(vload, VEC)
#define vstoreV CLMNIST_XCAT(vstore, VEC)
#define convert_floatV CLMNIST_XCAT(convert_float, VEC)

inline float hsum(floatV v) {
  float lanes[VEC];
  vstoreV(v, 0, lanes);
  float s = 0.0f;
  for (int k = 0; k < VEC; ++k) s += lanes[k];
  return s;
}

// z[c] = scale * dot(x[row, :], wt[c, :]), the logits before the bias.
inline void row_dots(__global const uchar* xrow, __global const float* wt, uint stride,
                     float scale, float* z) {
  floatV acc[NUM_CLASSES];
  for (int c = 0; c < NUM_CLASSES; ++c) acc[c] = (floatV)(0.0f);
  for (uint j = 0; j < stride; j += VEC) {
    const floatV xv = convert_floatV(vloadV(0, xrow + j));
    for (int c = 0; c < NUM_CLASSES; ++c) acc[c] += xv * vloadV(0, wt + (size_t)c * stride + j);
  }
  for (int c = 0; c < NUM_CLASSES; ++c) z[c] = hsum(acc[c]) * scale;
}

inline void row_logits(__global const uchar* xrow, __global const float* wt,
                       __global const float* b, uint stride, float scale, float* z) {
  row_dots(xrow, wt, stride, scale, z);
  for (int c = 0; c < NUM_CLASSES; ++c) z[c] += b[c];
}

// Forward and loss gradient for minibatch rows order[first .. first + count).
// dlogits: [count x NUM_CLASSES], the gradient of the mean NLL; loss[first + i]: that row's NLL.
__kernel void fused_forward_backward(__global const uchar* x, __global const uchar* labels,
                                     __global const uint* order, uint first, uint count,
                                     uint stride, float scale, float inv_count,
                                     __global const float* wt, __global const float* b,
                                     __global float* dlogits, __global float* loss) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  const size_t row = order[first + i];
  float z[NUM_CLASSES];
  float p[NUM_CLASSES];
  float m;
  row_logits(x + row * stride, wt, b, stride, scale, z);
  const int y = labels[row];
  const float lse = row_logsumexp(z, &m);
  row_softmax(z, lse, p);
  for (int c = 0; c < NUM_CLASSES; ++c) {
    dlogits[i * NUM_CLASSES + c] = (p[c] - (c == y ? 1.0f : 0.0f)) * inv_count;
  }
  loss[first + i] = lse - z[y];
}

// Weight gradient and SGD update: work-item g < stride / VEC owns columns [g*VEC, g*VEC + VEC) of
// wt and applies wt[c, j] -= lr * (scale * sum_i x[row_i, j] * dlogits[i, c]); work-item
// g == stride / VEC owns the bias: b[c] -= lr * sum_i dlogits[i, c].
__kernel void fused_weight_update(__global const uchar* x, __global const uint* order, uint first,
                                  uint count, uint stride, float scale, float lr,
                                  __global const float* dlogits, __global float* wt,
                                  __global float* b) {
  const size_t g = get_global_id(0);
  const size_t groups = stride / VEC;
  if (g > groups) return;
  if (g == groups) {
    for (int c = 0; c < NUM_CLASSES; ++c) {
      float s = 0.0f;
      for (uint i = 0; i < count; ++i) s += dlogits[i * NUM_CLASSES + c];
      b[c] -= lr * s;
    }
    return;
  }
  const size_t j = g * VEC;
  floatV acc[NUM_CLASSES];
  for (int c = 0; c < NUM_CLASSES; ++c) acc[c] = (floatV)(0.0f);
  for (uint i = 0; i < count; ++i) {
    const size_t row = order[first + i];
    const floatV xv = convert_floatV(vloadV(0, x + row * stride + j));
    for (int c = 0; c < NUM_CLASSES; ++c) acc[c] += xv * dlogits[i * NUM_CLASSES + c];
  }
  for (int c = 0; c < NUM_CLASSES; ++c) {
    __global float* w = wt + (size_t)c * stride + j;
    vstoreV(vloadV(0, w) - lr * (scale * acc[c]), 0, w);
  }
}

// Evaluation of rows [0, rows) in storage order: wrong[i] = argmax(z_i) != label_i, loss[i] = NLL.
__kernel void fused_evaluate(__global const uchar* x, __global const uchar* labels, uint rows,
                             uint stride, float scale, __global const float* wt,
                             __global const float* b, __global uchar* wrong,
                             __global float* loss) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  float z[NUM_CLASSES];
  float m;
  row_logits(x + i * stride, wt, b, stride, scale, z);
  const int y = labels[i];
  wrong[i] = (uchar)(row_argmax(z) != y);
  loss[i] = row_logsumexp(z, &m) - z[y];
}

// Logits without the bias for rows [first, first + count) in storage order: [count x NUM_CLASSES].
// softmax_rows (softmax.cl) adds the bias and normalises.
__kernel void fused_logits(__global const uchar* x, uint first, uint count, uint stride,
                           float scale, __global const float* wt, __global float* logits) {
  const size_t i = get_global_id(0);
  if (i >= count) return;
  float z[NUM_CLASSES];
  row_dots(x + (first + i) * stride, wt, stride, scale, z);
  for (int c = 0; c < NUM_CLASSES; ++c) logits[i * NUM_CLASSES + c] = z[c];
}
