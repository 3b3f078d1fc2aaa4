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

// Full unrolling keeps the NUM_CLASSES accumulators in registers instead of a stack array.
#define CLMNIST_PRAGMA(x) _Pragma(#x)
#define CLMNIST_UNROLL CLMNIST_PRAGMA(unroll)

#define CLMNIST_CAT(a, b) a##b
#define CLMNIST_XCAT(a, b) CLMNIST_CAT(a, b)
#define floatV CLMNIST_XCAT(float, VEC)
#define vloadV CLMNIST_XCAT(vload, VEC)
#define vstoreV CLMNIST_XCAT(vstore, VEC)
#define convert_floatV CLMNIST_XCAT(convert_float, VEC)

// Sum of the lanes as a pairwise tree (halves added until one lane is left): a few vector adds
// instead of a VEC-long scalar chain. host_ops.hpp sums its lanes in the same order.
inline float hsum(floatV v) {
#if VEC == 16
  const float8 a = v.lo + v.hi;
  const float4 b = a.lo + a.hi;
#elif VEC == 8
  const float4 b = v.lo + v.hi;
#elif VEC == 4
  const float4 b = v;
#endif
#if VEC >= 4
  const float2 c = b.lo + b.hi;
#else
  const float2 c = v;
#endif
  return c.x + c.y;
}

#ifndef ROWS
#define ROWS 1
#endif

// PREFETCH=1 (set for PoCL's CPU devices, whose compiler is clang): each forward work-item
// prefetches, one cache line per 64 columns, the rows of the work-item PREFETCH_AHEAD places
// later, so the pixels stream from memory while it multiplies. PoCL compiles OpenCL's own
// prefetch() to nothing; clang's __builtin_prefetch becomes prefetcht0.
#ifndef PREFETCH
#define PREFETCH 0
#endif
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 2
#endif

// Each work-item computes the logits of ROWS rows, so every weight vector it loads feeds ROWS
// multiply-adds. rows[r] are row indices into x; z[r][c] = scale * dot(x[rows[r], :], wt[c, :]),
// the logits before the bias.
inline void rows_dots(__global const uchar* x, const size_t* rows, __global const float* wt,
                      uint stride, float scale, float z[ROWS][NUM_CLASSES],
                      __global const uchar* ahead) {
  floatV acc[ROWS][NUM_CLASSES];
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) acc[r][c] = (floatV)(0.0f);
  }
  for (uint j = 0; j < stride; j += VEC) {
    floatV xv[ROWS];
    CLMNIST_UNROLL
    for (int r = 0; r < ROWS; ++r) xv[r] = convert_floatV(vloadV(0, x + rows[r] * stride + j));
#if PREFETCH
    if (ahead != 0 && (j & 63) == 0) {
      CLMNIST_UNROLL
      for (int r = 0; r < ROWS; ++r) __builtin_prefetch(ahead + (size_t)r * stride + j);
    }
#endif
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) {
      const floatV w = vloadV(0, wt + (size_t)c * stride + j);
      CLMNIST_UNROLL
      for (int r = 0; r < ROWS; ++r) acc[r][c] += xv[r] * w;
    }
  }
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) z[r][c] = hsum(acc[r][c]) * scale;
  }
}

// The rows work-item g handles: positions g * ROWS + r below count (the last valid row repeats
// where count is not a multiple of ROWS; its results are not stored).
inline int item_rows(size_t g, uint count, __global const uint* order, uint first, size_t* rows) {
  int valid = 0;
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    size_t i = g * ROWS + r;
    if (i < count) valid = r + 1;
    if (i >= count) i = count - 1;
    rows[r] = order != 0 ? order[first + i] : first + i;
  }
  return valid;
}

// Forward and loss gradient for minibatch rows order[first .. first + count), ROWS per work-item.
// dlogits: [count x NUM_CLASSES], the gradient of the mean NLL; loss[first + i]: that row's NLL.
__kernel void fused_forward_backward(__global const uchar* x, __global const uchar* labels,
                                     __global const uint* order, uint first, uint count,
                                     uint stride, float scale, float inv_count,
                                     __global const float* wt, __global const float* b,
                                     __global float* dlogits, __global float* loss) {
  const size_t g = get_global_id(0);
  if (g * ROWS >= count) return;
  size_t rows[ROWS];
  const int valid = item_rows(g, count, order, first, rows);
  float z[ROWS][NUM_CLASSES];
  const size_t next = (g + PREFETCH_AHEAD) * ROWS;
  rows_dots(x, rows, wt, stride, scale, z,
            next + ROWS <= count ? x + (size_t)order[first + next] * stride : 0);
  for (int r = 0; r < valid; ++r) {
    const size_t i = g * ROWS + r;
    float e[NUM_CLASSES];
    float s;
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) z[r][c] += b[c];
    const int y = labels[rows[r]];
    const float lse = row_exp_sum(z[r], e, &s);
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) {
      dlogits[i * NUM_CLASSES + c] = (e[c] / s - (c == y ? 1.0f : 0.0f)) * inv_count;
    }
    loss[first + i] = lse - z[r][y];
  }
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
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) {
      float s = 0.0f;
      for (uint i = 0; i < count; ++i) s += dlogits[i * NUM_CLASSES + c];
      b[c] -= lr * s;
    }
    return;
  }
  const size_t j = g * VEC;
  floatV acc[NUM_CLASSES];
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) acc[c] = (floatV)(0.0f);
  for (uint i = 0; i < count; ++i) {
    const size_t row = order[first + i];
    const floatV xv = convert_floatV(vloadV(0, x + row * stride + j));
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) acc[c] += xv * dlogits[i * NUM_CLASSES + c];
  }
  CLMNIST_UNROLL
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
  const size_t g = get_global_id(0);
  if (g * ROWS >= rows) return;
  size_t idx[ROWS];
  const int valid = item_rows(g, rows, 0, 0, idx);
  float z[ROWS][NUM_CLASSES];
  rows_dots(x, idx, wt, stride, scale, z, 0);
  for (int r = 0; r < valid; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) z[r][c] += b[c];
    const int y = labels[idx[r]];
    wrong[idx[r]] = (uchar)(row_argmax(z[r]) != y);
    loss[idx[r]] = row_logsumexp(z[r]) - z[r][y];
  }
}

// Logits without the bias for rows [first, first + count) in storage order: [count x NUM_CLASSES].
// softmax_rows (softmax.cl) adds the bias and normalises.
__kernel void fused_logits(__global const uchar* x, uint first, uint count, uint stride,
                           float scale, __global const float* wt, __global float* logits) {
  const size_t g = get_global_id(0);
  if (g * ROWS >= count) return;
  size_t idx[ROWS];
  const int valid = item_rows(g, count, 0, first, idx);
  float z[ROWS][NUM_CLASSES];
  rows_dots(x, idx, wt, stride, scale, z, 0);
  for (int r = 0; r < valid; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) logits[(g * ROWS + r) * NUM_CLASSES + c] = z[r][c];
  }
}
