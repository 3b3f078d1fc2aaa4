// The sparse variant of the fused softmax-regression kernels (the fused tunable sparse=1, with
// the row-split step): every dot product and gradient visits a row's non-zero pixels only, from
// the dataset's sparse index (nz_start, nz_index, nz_value: the columns of each row's non-zero
// pixels, in increasing order, and their values). An MNIST image has about 150 non-zero pixels
// of 784, so a row costs about 150 vector multiply-adds a pass, where fused.cl's 16-pixel
// blocks, zero blocks skipped, cost 28 blocks x NUM_CLASSES. Exact as SKIP_ZERO is: a zero pixel
// adds +-0 to a sum that is never -0.
//
// Classes are the lanes: wp [stride x 16] holds the weights pixel-major (row j = the classes'
// weights of pixel j, lanes from NUM_CLASSES on zero). fused.cl's wt [NUM_CLASSES x stride] is
// the host's view, converted either way only when the host writes or reads the weights. So one
// pixel is one float16 load and one multiply-add for all classes. NUM_CLASSES <= 16.
#include "softmax_common.clh"

#if NUM_CLASSES > 16
#error "the sparse fused kernels hold a row's classes in one float16: at most 16 classes"
#endif

#define CLMNIST_PRAGMA(x) _Pragma(#x)
#define CLMNIST_UNROLL CLMNIST_PRAGMA(unroll)

#include "sgd_rule.clh"
CLMNIST_SGD_RULE(float16, sgd_rule16)
#include "fused_softmax.clh"

#ifndef SPLIT
#define SPLIT 1
#endif
#ifndef GROUP
#define GROUP 64
#endif

// scale * sum over row `row`'s non-zero pixels j of x[row, j] * wp[j]: the row's logits before
// the bias, one class a lane. Four accumulators in turn, so that the multiply-adds do not wait on
// each other; they are added as (a0 + a1) + (a2 + a3), a fixed order.
static inline float16 sparse_dot(__global const uint* nz_start, __global const ushort* nz_index,
                                 __global const uchar* nz_value, size_t row,
                                 __global const float* wp,
                                 float scale) {
  const uint k0 = nz_start[row], k1 = nz_start[row + 1];
  float16 a0 = (float16)(0.0f), a1 = a0, a2 = a0, a3 = a0;
  uint k = k0;
  for (; k + 4 <= k1; k += 4) {
    const uint j0 = nz_index[k], j1 = nz_index[k + 1], j2 = nz_index[k + 2], j3 = nz_index[k + 3];
    a0 += (float)nz_value[k] * vload16(j0, wp);
    a1 += (float)nz_value[k + 1] * vload16(j1, wp);
    a2 += (float)nz_value[k + 2] * vload16(j2, wp);
    a3 += (float)nz_value[k + 3] * vload16(j3, wp);
  }
  if (k < k1) a0 += (float)nz_value[k] * vload16(nz_index[k], wp);
  if (k + 1 < k1) a1 += (float)nz_value[k + 1] * vload16(nz_index[k + 1], wp);
  if (k + 2 < k1) a2 += (float)nz_value[k + 2] * vload16(nz_index[k + 2], wp);
  return ((a0 + a1) + (a2 + a3)) * scale;
}

// The lanes of v below NUM_CLASSES, class-major: zt[c * HEAD_ROWS] (a column of rows_gradient's).
static inline void class_lanes_t(float16 v, float* zt) {
  float t[16];
  vstore16(v, 0, t);
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) zt[c * HEAD_ROWS] = t[c];
}
static inline void store_class_lanes(float16 v, __global float* out) {
  float t[16];
  vstore16(v, 0, t);
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) out[c] = t[c];
}

// The row-split step (fused.cl's fused_forward_partial) on the sparse index: chunk p =
// get_global_id(0) is rows [p * per, + per) of the minibatch order[first .. first + count), per =
// ceil(count / SPLIT), taken GROUP rows at a time: their forward pass (logits, softmax, NLL,
// dlogits), then their gradient added to the chunk's partial sums at their non-zero pixels only
// (so wp and the partial sums take turns in the cache, not both at once). part:
// [chunks x stride x 16], the chunk's sums of x[row, j] * dlogits[i] in row order, one class a
// lane (pixel units: the update scales); part_b: [chunks x NUM_CLASSES], its sums of dlogits.
// Each sum has fused_forward_partial's terms in its order, so the gradients are bit for bit its.
__kernel void sparse_forward_partial(__global const uint* nz_start, __global const ushort* nz_index,
                                     __global const uchar* nz_value,
                                     __global const uchar* labels, __global const uint* order,
                                     uint first, uint count, uint stride, float scale,
                                     float inv_count, __global const float* wp,
                                     __global const float* b, __global float* dlogits,
                                     __global float* loss, __global float* part,
                                     __global float* part_b) {
  const uint per = (count + SPLIT - 1) / SPLIT, p = get_global_id(0), start = p * per;
  if (start >= count) return;
  const uint end = min(start + per, count);
  // 64-byte aligned rows, one store each (PoCL splits a vstore16 into three).
  __global float16* out16 = (__global float16*)part + (size_t)p * stride;
  for (uint j = 0; j < stride; ++j) out16[j] = (float16)(0.0f);
  float16 sb = (float16)(0.0f);
  for (uint i0 = start; i0 < end; i0 += GROUP) {
    const uint i1 = min(i0 + GROUP, end);
    for (uint h = i0; h < i1; h += HEAD_ROWS) {
      const uint n = min((uint)HEAD_ROWS, i1 - h);
      float zt[NUM_CLASSES * HEAD_ROWS];
      int y[HEAD_ROWS];
      for (uint r = 0; r < HEAD_ROWS; ++r) {  // lanes past n: a repeated row, never stored
        const size_t row = order[first + h + min(r, n - 1)];
        y[r] = labels[row];
        class_lanes_t(sparse_dot(nz_start, nz_index, nz_value, row, wp, scale), zt + r);
      }
      rows_gradient(zt, HEAD_ROWS, n, y, b, inv_count, dlogits + (size_t)h * NUM_CLASSES,
                    loss + first + h);
    }
    for (uint i = i0; i < i1; ++i) {
      const size_t row = order[first + i];
      __global const float* d = dlogits + (size_t)i * NUM_CLASSES;
      float t[16];
      CLMNIST_UNROLL
      for (int c = 0; c < 16; ++c) t[c] = c < NUM_CLASSES ? d[c] : 0.0f;
      const float16 dl = vload16(0, t);
      sb += dl;
      const uint k1 = nz_start[row + 1];
      for (uint k = nz_start[row]; k < k1; ++k) {
        const uint j = nz_index[k];
        out16[j] += (float)nz_value[k] * dl;
      }
    }
  }
  store_class_lanes(sb, part_b + (size_t)p * NUM_CLASSES);
}

// Work-item g < stride / 16 owns pixels [g * 16, + 16): wp[j] -= lr * (scale * the chunks' partial
// sums, added in chunk order); g == stride / 16 owns the bias (as fused_split_update). wt is not
// kept: sparse_class_major writes it from wp when the host reads the weights.
__kernel void sparse_split_update(uint chunks, uint stride, float scale, float lr,
                                  __global const float* part, __global const float* part_b,
                                  __global float* wp, __global float* b) {
  const size_t g = get_global_id(0), groups = stride / 16;
  if (g > groups) return;
  if (g == groups) {
    split_bias_update(chunks, part_b, lr, b);
    return;
  }
  __global float16* w = (__global float16*)wp;
  __global const float16* part16 = (__global const float16*)part;
  for (uint j = g * 16; j < g * 16 + 16; ++j) {
    float16 acc = (float16)(0.0f);
    for (uint p = 0; p < chunks; ++p) acc += part16[(size_t)p * stride + j];
    w[j] = sgd_rule16(w[j], acc, scale, lr, 0.0f, 0.0f);
  }
}

// Rows a work-item of sparse_evaluate and sparse_logits takes, one after another (with one row
// each, PoCL's work-group loops ran a third as fast).
#ifndef EVAL_ROWS
#define EVAL_ROWS 32
#endif
#if EVAL_ROWS % HEAD_ROWS != 0
#error "EVAL_ROWS is a multiple of HEAD_ROWS: a work-item's rows are whole heads"
#endif

// Evaluation of rows [0, rows) in storage order, EVAL_ROWS a work-item: wrong[i] = argmax(z_i) !=
// label_i, loss[i] = NLL (fused_evaluate on the sparse index).
__kernel void sparse_evaluate(__global const uint* nz_start, __global const ushort* nz_index,
                              __global const uchar* nz_value, __global const uchar* labels,
                              uint rows, float scale, __global const float* wp,
                              __global const float* b, __global uchar* wrong,
                              __global float* loss) {
  const size_t i0 = get_global_id(0) * EVAL_ROWS;
  for (size_t h = i0; h < min(i0 + EVAL_ROWS, (size_t)rows); h += HEAD_ROWS) {
    const uint n = (uint)min((size_t)HEAD_ROWS, rows - h);
    float zt[NUM_CLASSES * HEAD_ROWS];
    int y[HEAD_ROWS];
    for (uint r = 0; r < HEAD_ROWS; ++r) {  // lanes past n: a repeated row, never stored
      const size_t row = h + min(r, n - 1);
      y[r] = labels[row];
      class_lanes_t(sparse_dot(nz_start, nz_index, nz_value, row, wp, scale), zt + r);
    }
    rows_evaluate(zt, HEAD_ROWS, n, y, b, wrong + h, loss + h);
  }
}

// Logits without the bias of rows [first, first + count) in storage order: [count x NUM_CLASSES].
__kernel void sparse_logits(__global const uint* nz_start, __global const ushort* nz_index,
                            __global const uchar* nz_value, uint first, uint count, float scale,
                            __global const float* wp, __global float* logits) {
  const size_t i0 = get_global_id(0) * EVAL_ROWS;
  for (size_t i = i0; i < min(i0 + EVAL_ROWS, (size_t)count); ++i) {
    store_class_lanes(sparse_dot(nz_start, nz_index, nz_value, first + i, wp, scale),
                      logits + i * NUM_CLASSES);
  }
}

// wp from wt, after the host wrote the weights: work-item j < stride is pixel j.
__kernel void sparse_pixel_major(__global const float* wt, uint stride, __global float* wp) {
  const size_t j = get_global_id(0);
  if (j >= stride) return;
  float t[16];
  CLMNIST_UNROLL
  for (int c = 0; c < 16; ++c) t[c] = c < NUM_CLASSES ? wt[(size_t)c * stride + j] : 0.0f;
  vstore16(vload16(0, t), j, wp);
}

// wt from wp, before the host reads the weights: work-item j < stride is pixel j.
__kernel void sparse_class_major(__global const float* wp, uint stride, __global float* wt) {
  const size_t j = get_global_id(0);
  if (j >= stride) return;
  float t[16];
  vstore16(vload16(j, wp), 0, t);
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) wt[(size_t)c * stride + j] = t[c];
}
