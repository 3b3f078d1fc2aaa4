// Fused kernels for skinny softmax regression on uint8 images, for devices where a general GEMM
// loses to launch overhead and memory traffic (CPUs through PoCL).
// x: [rows x stride] uint8, stride a multiple of VEC (padding bytes are zero);
// wt: [NUM_CLASSES x stride] float, the weights transposed (padding columns are zero); b:
// [NUM_CLASSES]. Pixels are x * scale: the scale is applied once per dot product, which for a
// power-of-two scale (the theano preset's 1/256) equals scaling every pixel first.
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
#include "sgd_rule.clh"
CLMNIST_SGD_RULE(floatV, sgd_rule_v)
#define vloadV CLMNIST_XCAT(vload, VEC)
#define vstoreV CLMNIST_XCAT(vstore, VEC)
#define convert_floatV CLMNIST_XCAT(convert_float, VEC)

// Sum of the lanes as a pairwise tree (halves added until one lane is left): a few vector adds
// instead of a VEC-long scalar chain. host_ops.hpp sums its lanes in the same order.
static inline float hsum(floatV v) {
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
// PREFETCH=n: while the row-split step (fused_forward_partial) or fused_evaluate computes a row,
// it prefetches the pixels of the row n further on (the other kernels ignore it). CPUs'
// prefetchers stop at 4 KiB pages, and a row is 784 bytes: without it the pixels streamed from
// memory took 15 % of the step (clmnist-ab --same-batch). PoCL's OpenCL prefetch() does nothing;
// clang's __builtin_prefetch, where the kernel is compiled for a CPU target, is an x86
// prefetcht0 (oclgrind's SPIR refuses it, GPUs get prefetch()). Results do not change.
#ifndef PREFETCH
#define PREFETCH 0
#endif
#if PREFETCH && defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
#define CLMNIST_PREFETCH_LINE(p) __builtin_prefetch(p)
#else
#define CLMNIST_PREFETCH_LINE(p) prefetch(p, 1)
#endif
// The cache lines of the rows at positions pos + PREFETCH + q, q < ROWS, that are below `limit`;
// position i is row order[first + i], or first + i without an order.
#if PREFETCH
static inline void prefetch_ahead(__global const uchar* x, __global const uint* order, uint first,
                                  uint pos, uint limit, uint stride) {
  CLMNIST_UNROLL
  for (int q = 0; q < ROWS; ++q) {
    const uint i = pos + PREFETCH + q;
    if (i >= limit) break;
    __global const uchar* p = x + (size_t)(order != 0 ? order[first + i] : first + i) * stride;
    for (uint l = 0; l < stride; l += 64) CLMNIST_PREFETCH_LINE(p + l);
    CLMNIST_PREFETCH_LINE(p + stride - 1);
  }
}
#endif
// The row pitch of wt: the dataset stride, a compile-time constant where the host defines STRIDE,
// so that every class's weights are a constant offset from one pointer (one base register
// instead of NUM_CLASSES, some of them spilled: 5 % of the step on PoCL). Kernels take the same
// value as their stride argument.
#ifdef STRIDE
#define WT_PITCH ((size_t)STRIDE)
#else
#define WT_PITCH ((size_t)stride)
#endif

// SKIP_ZERO=1: pixel blocks of VEC zeros are left out of the dot products. This is exact, not an
// approximation: each term 0 * w is +-0 for a finite w, and adding +-0 leaves an accumulator as it
// was (an accumulator starts at +0 and, pixels being >= 0, never becomes -0), so every sum is bit
// for bit the dense loop's. Most of an MNIST image is background: 42 % of its 16-pixel blocks are
// zero, 31 % of those of two rows at once. Which blocks are zero is computed once per dataset by
// fused_block_masks; the kernels then visit the set bits (the forward) or list the rows to use
// without branches, CHUNK at a time (the update); a branch per block would mispredict.
// SKIP_ZERO=0 gives the plain dense loops (for GPUs) and ignores the masks.
#ifndef SKIP_ZERO
#define SKIP_ZERO 0
#endif
#ifndef CHUNK
#define CHUNK 64
#endif

// masks: mask_words(stride) words per dataset row; bit k of word w is set where the row's block
// w * 64 + k, columns [(w * 64 + k) * VEC, + VEC), is not all zero.
static inline uint mask_words(uint stride) { return (stride / VEC + 63) / 64; }
static inline uint lowest_bit(ulong m) { return 63 - clz(m & (~m + 1)); }  // m != 0

// 1 where the VEC pixels at p are not all zero, tested as one integer.
static inline ulong block_nonzero(__global const uchar* p) {
#if VEC == 16
  const ulong2 v = as_ulong2(vload16(0, p));
  const ulong bits = v.x | v.y;
#elif VEC == 8
  const ulong bits = as_ulong(vload8(0, p));
#elif VEC == 4
  const uint bits = as_uint(vload4(0, p));
#else
  const ushort bits = as_ushort(vload2(0, p));
#endif
  return bits != 0 ? 1ul : 0ul;
}

// The zero-block masks of rows [0, rows), one work-item per row.
__kernel void fused_block_masks(__global const uchar* x, uint rows, uint stride,
                                __global ulong* masks) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  const uint words = mask_words(stride), blocks = stride / VEC;
  for (uint w = 0; w < words; ++w) {
    ulong m = 0;
    for (uint k = 0; k < 64 && w * 64 + k < blocks; ++k) {
      m |= block_nonzero(x + i * stride + (w * 64 + k) * VEC) << k;
    }
    masks[i * words + w] = m;
  }
}

// Each work-item computes the logits of ROWS rows, so every weight vector it loads feeds ROWS
// multiply-adds. rows[r] are row indices into x; z[r][c] = scale * dot(x[rows[r], :], wt[c, :]),
// the logits before the bias.
static inline void rows_dots(__global const uchar* x, __global const ulong* masks,
                             const size_t* rows,
                             __global const float* wt, uint stride, float scale,
                             float z[ROWS][NUM_CLASSES]) {
  floatV acc[ROWS][NUM_CLASSES];
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) acc[r][c] = (floatV)(0.0f);
  }
// acc[r][c] += x[rows[r], j:j+VEC] * wt[c, j:j+VEC] for every row and class.
#define CLMNIST_DOT_BLOCK(j)                                                                      \
  {                                                                                               \
    floatV xv[ROWS];                                                                              \
    CLMNIST_UNROLL                                                                                \
    for (int r = 0; r < ROWS; ++r) xv[r] = convert_floatV(vloadV(0, x + rows[r] * stride + (j))); \
    CLMNIST_UNROLL                                                                                \
    for (int c = 0; c < NUM_CLASSES; ++c) {                                                       \
      const floatV w = vloadV(0, wj + c * WT_PITCH);                                              \
      CLMNIST_UNROLL                                                                              \
      for (int r = 0; r < ROWS; ++r) acc[r][c] += xv[r] * w;                                      \
    }                                                                                             \
  }
#if SKIP_ZERO
  const uint words = mask_words(stride);
  for (uint w = 0; w < words; ++w) {
    ulong m = 0;  // the blocks where some row is not zero, visited in column order
    CLMNIST_UNROLL
    for (int r = 0; r < ROWS; ++r) m |= masks[rows[r] * words + w];
    while (m != 0) {
      const uint j = (w * 64 + lowest_bit(m)) * VEC;
      __global const float* wj = wt + j;
      m &= m - 1;
      CLMNIST_DOT_BLOCK(j)
    }
  }
#else
  for (uint j = 0; j < stride; j += VEC) {
    __global const float* wj = wt + j;
    CLMNIST_DOT_BLOCK(j)
  }
#endif
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) z[r][c] = hsum(acc[r][c]) * scale;
  }
}

// The rows work-item g handles: positions g * ROWS + r below count (the last valid row repeats
// where count is not a multiple of ROWS; its results are not stored).
static inline int item_rows(size_t g, uint count, __global const uint* order, uint first,
                            size_t* rows) {
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

#include "fused_softmax.clh"

// Forward and loss gradient for minibatch rows order[first .. first + count), ROWS per work-item.
// dlogits: [count x NUM_CLASSES], the gradient of the mean NLL; loss[first + i]: that row's NLL.
__kernel void fused_forward_backward(__global const uchar* x, __global const ulong* masks,
                                     __global const uchar* labels, __global const uint* order,
                                     uint first, uint count, uint stride, float scale,
                                     float inv_count, __global const float* wt,
                                     __global const float* b, __global float* dlogits,
                                     __global float* loss) {
  const size_t g = get_global_id(0);
  if (g * ROWS >= count) return;
  size_t rows[ROWS];
  const int valid = item_rows(g, count, order, first, rows);
  float z[ROWS][NUM_CLASSES];
  rows_dots(x, masks, rows, wt, stride, scale, z);
  CLMNIST_UNROLL
  for (int r = 0; r < ROWS; ++r) {
    if (r < valid) {
      const size_t i = g * ROWS + r;
      loss[first + i] =
          row_gradient(z[r], b, labels[rows[r]], inv_count, dlogits + i * NUM_CLASSES);
    }
  }
}

// Weight gradient and SGD update: work-item g < stride / VEC owns columns [g*VEC, g*VEC + VEC) of
// wt and applies wt[c, j] -= lr * (scale * sum_i x[row_i, j] * dlogits[i, c]); work-item
// g == stride / VEC owns the bias: b[c] -= lr * sum_i dlogits[i, c].
__kernel void fused_weight_update(__global const uchar* x, __global const ulong* masks,
                                  __global const uint* order, uint first, uint count, uint stride,
                                  float scale, float lr, __global const float* dlogits,
                                  __global float* wt, __global float* b) {
  const size_t g = get_global_id(0);
  const size_t groups = stride / VEC;
  if (g > groups) return;
  if (g == groups) {
    // The classes' sums side by side: NUM_CLASSES independent chains, each in row order.
    float s[NUM_CLASSES];
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) s[c] = 0.0f;
    for (uint i = 0; i < count; ++i) {
      CLMNIST_UNROLL
      for (int c = 0; c < NUM_CLASSES; ++c) s[c] += dlogits[i * NUM_CLASSES + c];
    }
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) b[c] = sgd_rule(b[c], s[c], 1.0f, lr, 0.0f, 0.0f);
    return;
  }
  const size_t j = g * VEC;
  floatV acc[NUM_CLASSES];
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) acc[c] = (floatV)(0.0f);
// acc[c] += x[order[first + i], j:j+VEC] * dlogits[i, c] for every class.
#define CLMNIST_GRAD_ROW(i)                                                                   \
  {                                                                                           \
    const floatV xv = convert_floatV(vloadV(0, x + (size_t)order[first + (i)] * stride + j)); \
    CLMNIST_UNROLL                                                                            \
    for (int c = 0; c < NUM_CLASSES; ++c) acc[c] += xv * dlogits[(i)*NUM_CLASSES + c];        \
  }
#if SKIP_ZERO
  const uint words = mask_words(stride), word = g / 64, bit = g % 64;
  for (uint i0 = 0; i0 < count; i0 += CHUNK) {
    const uint end = min(count, i0 + CHUNK);
    uint list[CHUNK];  // the chunk's rows whose block is not zero
    uint n = 0;
    for (uint i = i0; i < end; ++i) {
      list[n] = i;
      n += (uint)(masks[(size_t)order[first + i] * words + word] >> bit) & 1u;
    }
    for (uint k = 0; k < n; ++k) CLMNIST_GRAD_ROW(list[k])
  }
#else
  for (uint i = 0; i < count; ++i) CLMNIST_GRAD_ROW(i)
#endif
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) {
    __global float* w = wt + (size_t)c * stride + j;
    vstoreV(sgd_rule_v(vloadV(0, w), acc[c], scale, lr, 0.0f, 0.0f), 0, w);
  }
}

// Evaluation of rows [0, rows) in storage order: wrong[i] = argmax(z_i) != label_i, loss[i] = NLL.
// Work-item g takes rows [g * HEAD_ROWS, + HEAD_ROWS), ROWS at a time, then their heads at once.
__kernel void fused_evaluate(__global const uchar* x, __global const ulong* masks,
                             __global const uchar* labels, uint rows, uint stride, float scale,
                             __global const float* wt, __global const float* b,
                             __global uchar* wrong, __global float* loss) {
  const size_t i0 = get_global_id(0) * HEAD_ROWS;
  if (i0 >= rows) return;
  const uint n = (uint)min((size_t)HEAD_ROWS, rows - i0);
  float zt[NUM_CLASSES * HEAD_ROWS];
  int y[HEAD_ROWS];
  for (uint r = 0; r < HEAD_ROWS; r += ROWS) {
    size_t idx[ROWS];
    CLMNIST_UNROLL
    for (int q = 0; q < ROWS; ++q) idx[q] = i0 + min(r + q, n - 1);  // the last row repeats
#if PREFETCH
    prefetch_ahead(x, 0, 0, (uint)i0 + r, rows, stride);
#endif
    float z[ROWS][NUM_CLASSES];
    rows_dots(x, masks, idx, wt, stride, scale, z);
    CLMNIST_UNROLL
    for (int q = 0; q < ROWS; ++q) {
      if (r + q < HEAD_ROWS) {  // lanes past n: defined values, never stored
        y[r + q] = labels[idx[q]];
        CLMNIST_UNROLL
        for (int c = 0; c < NUM_CLASSES; ++c) zt[c * HEAD_ROWS + r + q] = z[q][c];
      }
    }
  }
  rows_evaluate(zt, HEAD_ROWS, n, y, b, wrong + i0, loss + i0);
}

// Logits without the bias for rows [first, first + count) in storage order: [count x NUM_CLASSES].
// softmax_rows (softmax.cl) adds the bias and normalises.
__kernel void fused_logits(__global const uchar* x, __global const ulong* masks, uint first,
                           uint count, uint stride, float scale, __global const float* wt,
                           __global float* logits) {
  const size_t g = get_global_id(0);
  if (g * ROWS >= count) return;
  size_t idx[ROWS];
  const int valid = item_rows(g, count, 0, first, idx);
  float z[ROWS][NUM_CLASSES];
  rows_dots(x, masks, idx, wt, stride, scale, z);
  for (int r = 0; r < valid; ++r) {
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) logits[(g * ROWS + r) * NUM_CLASSES + c] = z[r][c];
  }
}

// The row-split step (the tunable split > 0): fused_forward_partial splits the minibatch into
// SPLIT chunks of equal rows, one a work-item, and takes a chunk's rows SPLIT_ROWS <= 64 at a time:
// it runs their forward pass and then adds their weight gradient, block by block, to its chunk's
// partial sums while their pixels are still in its core's cache. fused_split_update adds the
// chunks' partial sums in chunk order and updates W and b. (fused_weight_update instead has every
// work-item read a column block of every row, so most rows come from another core: on a 2-core
// Xeon a third of its time waited on those loads.) A few chunks per core even out the uneven work
// of zero skipping; many leave fused_split_update more to add.
#ifndef SPLIT
#define SPLIT 1
#endif
#ifndef SPLIT_ROWS
#define SPLIT_ROWS 64
#endif
#if SPLIT_ROWS > 64
#error "SPLIT_ROWS is at most 64: the rows a work-item takes at once are the bits of one ulong"
#endif

// The rows of each row-split chunk; the host launches ceil(count / split_rows_per(count)) <= SPLIT
// work-items, so that none is empty.
static inline uint split_rows_per(uint count) { return (count + SPLIT - 1) / SPLIT; }

// The rows of one split_forward call, rounded up to whole heads: the pitch of its class-major
// logits.
#define SPLIT_PITCH (((SPLIT_ROWS + HEAD_ROWS - 1) / HEAD_ROWS) * HEAD_ROWS)

// Forward and loss gradient of rows [r0, r0 + n) of the minibatch order[first ..), n <= SPLIT_ROWS:
// ids[r] = their dataset rows, sb += their logit gradients, and (SKIP_ZERO) bit r of cols[k] set
// where block k of row r0 + r is not all zero. The logits of all n rows first, then their heads
// HEAD_ROWS at a time (rows_gradient). count: the minibatch's rows (PREFETCH stays inside it).
static inline void split_forward(__global const uchar* x, __global const ulong* masks,
                                 __global const uchar* labels, __global const uint* order,
                                 uint first,
                                 uint r0, uint n, uint stride, float scale, float inv_count,
                                 __global const float* wt, __global const float* b,
                                 __global float* dlogits, __global float* loss,
                                 __global ulong* cols,
                                 uint* ids, float* sb, uint count) {
  const uint blocks = stride / VEC;
  for (uint k = 0; k < blocks; ++k) cols[k] = SKIP_ZERO ? 0ul : (n == 64 ? ~0ul : (1ul << n) - 1);
  float zt[NUM_CLASSES * SPLIT_PITCH];  // zt[c * SPLIT_PITCH + r]: row r0 + r's logit of class c
  int y[SPLIT_PITCH];
  for (uint r = 0; r < n; r += ROWS) {
    size_t rows[ROWS];
    CLMNIST_UNROLL
    for (int q = 0; q < ROWS; ++q) {
      const uint i = r0 + min(r + q, n - 1);  // the last row repeats; its results are not kept
      rows[q] = order != 0 ? order[first + i] : first + i;
    }
#if PREFETCH
    prefetch_ahead(x, order, first, r0 + r, count, stride);
#endif
    float z[ROWS][NUM_CLASSES];
    rows_dots(x, masks, rows, wt, stride, scale, z);
    CLMNIST_UNROLL
    for (int q = 0; q < ROWS; ++q) {
      if (r + q < n) {
        ids[r + q] = (uint)rows[q];
        y[r + q] = labels[rows[q]];
        CLMNIST_UNROLL
        for (int c = 0; c < NUM_CLASSES; ++c) zt[c * SPLIT_PITCH + r + q] = z[q][c];
#if SKIP_ZERO
        const uint words = mask_words(stride);
        for (uint w = 0; w < words; ++w) {
          ulong m = masks[rows[q] * words + w];
          while (m != 0) {
            cols[w * 64 + lowest_bit(m)] |= 1ul << (r + q);
            m &= m - 1;
          }
        }
#endif
      }
    }
  }
  // The lanes of the last head past n: defined values, never stored.
  for (uint r = n; r < (n + HEAD_ROWS - 1) / HEAD_ROWS * HEAD_ROWS; ++r) {
    y[r] = 0;
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) zt[c * SPLIT_PITCH + r] = 0.0f;
  }
  __global float* d = dlogits + (size_t)r0 * NUM_CLASSES;
  for (uint h = 0; h < n; h += HEAD_ROWS) {
    rows_gradient(zt + h, SPLIT_PITCH, min((uint)HEAD_ROWS, n - h), y + h, b, inv_count,
                  d + (size_t)h * NUM_CLASSES, loss + first + r0 + h);
  }
  for (uint r = 0; r < n; ++r) {  // in row order
    CLMNIST_UNROLL
    for (int c = 0; c < NUM_CLASSES; ++c) sb[c] += d[r * NUM_CLASSES + c];
  }
}

// Chunk p = get_global_id(0) is rows [p * per, + per) of the minibatch order[first ..
// first + count), per = split_rows_per(count). dlogits and loss as fused_forward_backward;
// part: [chunks x NUM_CLASSES x stride], the chunk's sums of x[row, j] * dlogits[i, c] in row
// order (pixel units: the update scales); part_b: [chunks x NUM_CLASSES], its sums of
// dlogits[i, c]; cols: [chunks x stride / VEC] scratch.
__kernel void fused_forward_partial(__global const uchar* x, __global const ulong* masks,
                                    __global const uchar* labels, __global const uint* order,
                                    uint first, uint count, uint stride, float scale,
                                    float inv_count, __global const float* wt,
                                    __global const float* b, __global float* dlogits,
                                    __global float* loss, __global float* part,
                                    __global float* part_b, __global ulong* cols) {
  const uint per = split_rows_per(count), p = get_global_id(0), start = p * per;
  if (start >= count) return;
  const uint end = min(start + per, count), blocks = stride / VEC;
  cols += (size_t)p * blocks;
  __global float* out = part + (size_t)p * NUM_CLASSES * stride;
  float sb[NUM_CLASSES];
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) sb[c] = 0.0f;
  uint ids[SPLIT_ROWS];
  for (uint r0 = start; r0 < end; r0 += SPLIT_ROWS) {
    const uint n = min((uint)SPLIT_ROWS, end - r0);
    split_forward(x, masks, labels, order, first, r0, n, stride, scale, inv_count, wt, b, dlogits,
                  loss, cols, ids, sb, count);
    __global const float* dl = dlogits + (size_t)r0 * NUM_CLASSES;
    for (uint k = 0; k < blocks; ++k) {
      floatV acc[NUM_CLASSES];
      CLMNIST_UNROLL
      for (int c = 0; c < NUM_CLASSES; ++c) {
        acc[c] = r0 == start ? (floatV)(0.0f) : vloadV(0, out + c * WT_PITCH + k * VEC);
      }
      for (ulong m = cols[k]; m != 0; m &= m - 1) {
        const uint r = lowest_bit(m);
        const floatV xv = convert_floatV(vloadV(0, x + (size_t)ids[r] * stride + k * VEC));
        // One pointer a row, so each class's factor is a constant offset from it (with
        // dl[r * NUM_CLASSES + c], each address took its own 32-bit index: 6 % of the step).
        __global const float* dr = dl + (size_t)r * NUM_CLASSES;
        CLMNIST_UNROLL
        for (int c = 0; c < NUM_CLASSES; ++c) acc[c] += xv * dr[c];
      }
      CLMNIST_UNROLL
      for (int c = 0; c < NUM_CLASSES; ++c) vstoreV(acc[c], 0, out + c * WT_PITCH + k * VEC);
    }
  }
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) part_b[p * NUM_CLASSES + c] = sb[c];
}

// Work-item g < stride / VEC: wt[c, j:j+VEC] -= lr * (scale * sum over chunks of part), the
// chunks added in order; g == stride / VEC: b[c] -= lr * sum over chunks of part_b.
__kernel void fused_split_update(uint chunks, uint stride, float scale, float lr,
                                 __global const float* part, __global const float* part_b,
                                 __global float* wt, __global float* b) {
  const size_t g = get_global_id(0), blocks = stride / VEC;
  if (g > blocks) return;
  if (g == blocks) {
    split_bias_update(chunks, part_b, lr, b);
    return;
  }
  const size_t j = g * VEC;
  CLMNIST_UNROLL
  for (int c = 0; c < NUM_CLASSES; ++c) {
    floatV acc = (floatV)(0.0f);
    for (uint p = 0; p < chunks; ++p) {
      acc += vloadV(0, part + ((size_t)p * NUM_CLASSES + c) * stride + j);
    }
    __global float* w = wt + (size_t)c * stride + j;
    vstoreV(sgd_rule_v(vloadV(0, w), acc, scale, lr, 0.0f, 0.0f), 0, w);
  }
}
