// Per-layer kernels of a dense network with a softmax cross-entropy head: any depth, any width,
// tanh or relu, L1/L2 weight decay. The arithmetic follows Theano's (host_layers.hpp mirrors it):
// the softmax sums its exponentials in double where the device has it; multiply-adds may contract
// into fma, as they do in the BLAS and the compiled elementwise loops Theano runs.
// Weights W: [inputs x ostride] row-major (the canonical layout, columns padded with zeros to a
// multiple of VEC); activations and gradients: [rows x ostride], padding columns zero.
// uint8 inputs x: [rows x stride], read through each row's list of non-zero pixels (nz_start,
// nz_index; exact, since a zero pixel adds +-0 to a sum that is never -0).
#ifndef VEC
#define VEC 8
#endif
// Column blocks of VEC that a forward or update work-item keeps in registers at once, so every
// input value loaded feeds TILE vector multiply-adds.
#ifndef TILE
#define TILE 4
#endif
// Column blocks of VEC each update work-item owns, TILE at a time (the whole row of W when at
// least ostride / VEC).
#ifndef BLOCKS
#define BLOCKS 64
#endif
// Minibatch rows whose inputs an update work-item gathers at a time.
#ifndef CHUNK
#define CHUNK 32
#endif

#include "softmax_sum.clh"

#define CLMNIST_CAT(a, b) a##b
#define CLMNIST_XCAT(a, b) CLMNIST_CAT(a, b)
#define floatV CLMNIST_XCAT(float, VEC)
#include "sgd_rule.clh"
CLMNIST_SGD_RULE(floatV, sgd_rule_v)
#define vloadV CLMNIST_XCAT(vload, VEC)
#define vstoreV CLMNIST_XCAT(vstore, VEC)
#define CLMNIST_PRAGMA(x) _Pragma(#x)
#define CLMNIST_UNROLL CLMNIST_PRAGMA(unroll)

// acc[t] += v * p[t * VEC .. + VEC) for the first n <= TILE blocks (n == TILE: the test folds away).
#define CLMNIST_TILE_FMA(acc, v, p, n)               \
  {                                                  \
    const float v_ = (v);                            \
    __global const float* p_ = (p);                  \
    CLMNIST_UNROLL                                   \
    for (int t = 0; t < TILE; ++t) {                 \
      if (t < (int)(n)) acc[t] += v_ * vloadV(t, p_); \
    }                                                \
  }

// Sum of the lanes as a pairwise tree (halves added until one lane is left).
static inline float hsum(floatV v) {
#if VEC == 16
  const float8 a = v.lo + v.hi;
  const float4 c = a.lo + a.hi;
#elif VEC == 8
  const float4 c = v.lo + v.hi;
#else
  const float4 c = v;
#endif
  const float2 d = c.lo + c.hi;
  return d.x + d.y;
}

// act: -1 the logits before the bias (the head adds it), 0 none, 1 tanh, 2 relu.
static inline floatV epilogue(floatV acc, __global const float* b, uint block, int act) {
  if (act < 0) return acc;
  floatV z = acc + vloadV(block, b);
  if (act == 1) z = tanh(z);
  if (act == 2) z = fmax(z, (floatV)(0.0f));
  return z;
}

// y[r, cols] = act(scale * sum_i x[order[first + r], i] W[i, cols] + b[cols]) for the rows of a
// minibatch (order) or of storage (order == identity): one work-item per row and tile of up to
// TILE blocks of VEC columns, visiting only the row's non-zero pixels.
__kernel void dense_forward_u8(__global const uchar* x, uint stride, __global const uint* nz_start,
                               __global const ushort* nz_index, __global const uint* order,
                               uint first, uint count, float scale, __global const float* w,
                               uint ostride, __global const float* b, int act,
                               __global float* y) {
  const uint blocks = ostride / VEC, tiles = (blocks + TILE - 1) / TILE;
  const size_t g = get_global_id(0);
  if (g >= (size_t)count * tiles) return;
  const uint r = (uint)(g / tiles), t0 = (uint)(g % tiles) * TILE;
  const size_t row = order[first + r];
  __global const uchar* xr = x + row * stride;
  floatV acc[TILE];
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) acc[t] = (floatV)(0.0f);
  const uint k0 = nz_start[row], k1 = nz_start[row + 1];
  if (t0 + TILE <= blocks) {  // a whole tile: no test per block
    for (uint k = k0; k < k1; ++k) {
      const uint i = nz_index[k];
      CLMNIST_TILE_FMA(acc, (float)xr[i], w + (size_t)i * ostride + t0 * VEC, TILE)
    }
  } else {
    for (uint k = k0; k < k1; ++k) {
      const uint i = nz_index[k];
      CLMNIST_TILE_FMA(acc, (float)xr[i], w + (size_t)i * ostride + t0 * VEC, blocks - t0)
    }
  }
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) {
    if (t0 + t < blocks) {
      vstoreV(epilogue(acc[t] * scale, b, t0 + t, act), t0 + t, y + (size_t)r * ostride);
    }
  }
}

// The same for float inputs a: [count x astride] (the layer below's activations).
__kernel void dense_forward_f32(__global const float* a, uint astride, uint inputs, uint count,
                                __global const float* w, uint ostride, __global const float* b,
                                int act, __global float* y) {
  const uint blocks = ostride / VEC, tiles = (blocks + TILE - 1) / TILE;
  const size_t g = get_global_id(0);
  if (g >= (size_t)count * tiles) return;
  const uint r = (uint)(g / tiles), t0 = (uint)(g % tiles) * TILE;
  __global const float* ar = a + (size_t)r * astride;
  floatV acc[TILE];
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) acc[t] = (floatV)(0.0f);
  if (t0 + TILE <= blocks) {  // a whole tile: no test per block
    for (uint i = 0; i < inputs; ++i) {
      CLMNIST_TILE_FMA(acc, ar[i], w + (size_t)i * ostride + t0 * VEC, TILE)
    }
  } else {
    for (uint i = 0; i < inputs; ++i) {
      CLMNIST_TILE_FMA(acc, ar[i], w + (size_t)i * ostride + t0 * VEC, blocks - t0)
    }
  }
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) {
    if (t0 + t < blocks) vstoreV(epilogue(acc[t], b, t0 + t, act), t0 + t, y + (size_t)r * ostride);
  }
}

// Softmax of one row z + b as Theano computes it: p[c] = exp(z + b - max) * (1 / sum), written
// to p[0 .. classes); returns log-sum-exp.
static inline acc_t softmax_row(__global const float* z, __global const float* b, uint classes,
                                __global float* p) {
  float m = z[0] + b[0];
  for (uint c = 1; c < classes; ++c) m = fmax(m, z[c] + b[c]);
  acc_t s = 0;
  for (uint c = 0; c < classes; ++c) {
    const float e = exp((z[c] + b[c]) - m);
    p[c] = e;
    s += (acc_t)e;
  }
  const acc_t inv = (acc_t)1 / s;
  for (uint c = 0; c < classes; ++c) p[c] = (float)((acc_t)p[c] * inv);
  return (acc_t)m + log(s);
}

// The head of a training minibatch, one work-item per row: d[r, c] = p[c] / count, minus
// 1 / count at the label (Theano's CrossentropySoftmax1HotWithBiasDx); loss[first + r] = NLL.
static inline float row_gradient(__global const float* zr, __global const float* b, uint classes,
                                 uint y,
                                 float inv_count, __global float* dr) {
  const acc_t lse = softmax_row(zr, b, classes, dr);
  for (uint c = 0; c < classes; ++c) dr[c] *= inv_count;
  dr[y] -= inv_count;
  return (float)(lse - (acc_t)(zr[y] + b[y]));
}

__kernel void head_gradient(__global const float* z, uint ostride, uint classes,
                            __global const float* b, __global const uchar* labels,
                            __global const uint* order, uint first, uint count, float inv_count,
                            __global float* d, __global float* loss) {
  const size_t r = get_global_id(0);
  if (r >= count) return;
  loss[first + r] = row_gradient(z + r * ostride, b, classes, labels[order[first + r]], inv_count,
                                 d + r * ostride);
}

// The top layer on float inputs and the head of a training minibatch in one launch, when one
// tile holds a whole row of logits (ostride <= VEC * TILE): z[r] = a[r] . W (before the bias),
// then d[r] and loss[first + r] as head_gradient. One work-item per row.
__kernel void dense_forward_head(__global const float* a, uint astride, uint inputs, uint count,
                                 __global const float* w, uint ostride, __global const float* b,
                                 __global float* z, uint classes, __global const uchar* labels,
                                 __global const uint* order, uint first, float inv_count,
                                 __global float* d, __global float* loss) {
  const size_t r = get_global_id(0);
  if (r >= count) return;
  const uint blocks = ostride / VEC;
  __global const float* ar = a + r * astride;
  floatV acc[TILE];
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) acc[t] = (floatV)(0.0f);
  for (uint i = 0; i < inputs; ++i) {
    CLMNIST_TILE_FMA(acc, ar[i], w + (size_t)i * ostride, blocks)
  }
  __global float* zr = z + r * ostride;
  CLMNIST_UNROLL
  for (int t = 0; t < TILE; ++t) {
    if (t < (int)blocks) vstoreV(acc[t], t, zr);
  }
  loss[first + r] = row_gradient(zr, b, classes, labels[order[first + r]], inv_count,
                                 d + r * ostride);
}

// The head of an evaluation, rows [first, first + count) of storage: wrong = argmax(z + b) !=
// label (the first largest; Theano rewrites argmax(softmax) to it), loss = NLL. p: scratch
// [count x ostride].
__kernel void head_evaluate(__global const float* z, uint ostride, uint classes,
                            __global const float* b, __global const uchar* labels, uint first,
                            uint count, __global float* p, __global uchar* wrong,
                            __global float* loss) {
  const size_t r = get_global_id(0);
  if (r >= count) return;
  __global const float* zr = z + r * ostride;
  __global float* pr = p + r * ostride;
  const uint y = labels[first + r];
  const acc_t lse = softmax_row(zr, b, classes, pr);
  uint best = 0;
  for (uint c = 1; c < classes; ++c) {
    if (zr[c] + b[c] > zr[best] + b[best]) best = c;
  }
  wrong[first + r] = (uchar)(best != y);
  loss[first + r] = (float)(lse - (acc_t)(zr[y] + b[y]));
}

// Class probabilities of `count` rows: probs [count x classes].
__kernel void head_probabilities(__global const float* z, uint ostride, uint classes,
                                 __global const float* b, uint count, __global float* probs) {
  const size_t r = get_global_id(0);
  if (r >= count) return;
  softmax_row(z + r * ostride, b, classes, probs + r * classes);
}

// s * act'(pre-activation) from the activation's output h: 1 tanh, s * (1 - h^2) as Theano;
// 2 relu; 0 none.
static inline float activation_gradient(float s, float h, int act) {
  if (act == 1) return s * (1.0f - h * h);
  if (act == 2) return h > 0.0f ? s : 0.0f;
  return s;
}

// The gradient at the layer below's pre-activation, one work-item per input i for every row r:
// dlow[r, i] = (sum_c g[r, c] W[i, c]) * act'(a[r, i]), a the layer below's output (its act:
// 1 tanh, g * (1 - a^2) as Theano; 2 relu; 0 none). The sum runs in VEC lanes, then across them.
__kernel void dense_backward_data(__global const float* g, uint ostride, __global const float* w,
                                  uint inputs, uint count, __global const float* a, uint astride,
                                  int act, __global float* dlow) {
  const size_t i = get_global_id(0);
  if (i >= inputs) return;
  __global const float* wi = w + i * ostride;
  for (uint r = 0; r < count; ++r) {
    __global const float* gr = g + (size_t)r * ostride;
    floatV acc = (floatV)(0.0f);
    for (uint k = 0; k < ostride / VEC; ++k) acc += vloadV(k, gr) * vloadV(k, wi);
    dlow[(size_t)r * astride + i] = activation_gradient(hsum(acc), a[(size_t)r * astride + i], act);
  }
}

// The rows r in [r0, r1) whose input i is not zero, and those inputs, listed without a branch per
// row; returns how many. Inputs: uint8 x[order[first + r], i] (u8 != 0) or float a[r, i].
static inline uint nonzero_rows(uint u8, __global const uchar* x, uint stride,
                                __global const uint* order, uint first, __global const float* a,
                                uint astride, uint i, uint r0, uint r1, uint* rows, float* vals) {
  uint n = 0;
  for (uint r = r0; r < r1; ++r) {
    const float v = u8 ? (float)x[(size_t)order[first + r] * stride + i]
                       : a[(size_t)r * astride + i];
    rows[n] = r;
    vals[n] = v;
    n += v != 0.0f ? 1u : 0u;
  }
  return n;
}

// Weight gradient and SGD update of one layer, all from the old values: work-item (i, group)
// owns input row i of W and the column blocks [group * BLOCKS, + BLOCKS), TILE at a time:
// W[i, j] -= lr * (scale * sum_r in[r, i] g[r, j] + decay * W[i, j] + l1 * sign(W[i, j])), the
// decay terms left out where their coefficient is 0. Inputs are uint8 rows x[order[first + r]]
// (u8 != 0) or float rows a[r] (astride); rows with a zero input are skipped (exact), listed
// CHUNK rows at a time without a branch per row. Work-items with i == inputs own the bias:
// b[j] -= lr * sum_r g[r, j]. With act_low >= 0 (only when one work-item owns a whole row of W)
// each work-item first computes dlow[:, i] as dense_backward_data does, saving that launch.
__kernel void dense_update(uint u8, __global const uchar* x, uint stride,
                           __global const uint* order, uint first, __global const float* a,
                           uint astride, uint inputs, uint count, float scale,
                           __global const float* g, uint ostride, float lr, float decay, float l1,
                           __global float* w, __global float* b, int act_low,
                           __global float* dlow) {
  const uint blocks = ostride / VEC, groups = (blocks + BLOCKS - 1) / BLOCKS;
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)(inputs + 1) * groups) return;
  const uint i = (uint)(gid / groups), b0 = (uint)(gid % groups) * BLOCKS;
  const uint b1 = min(b0 + BLOCKS, blocks);
  if (i == inputs) {
    for (uint k = b0; k < b1; ++k) {
      floatV s = (floatV)(0.0f);
      for (uint r = 0; r < count; ++r) s += vloadV(k, g + (size_t)r * ostride);
      vstoreV(sgd_rule_v(vloadV(k, b), s, 1.0f, lr, 0.0f, 0.0f), k, b);
    }
    return;
  }
  uint rows[CHUNK];  // a chunk's rows whose input i is not zero, and those inputs
  float vals[CHUNK];
  const bool one_chunk = count <= CHUNK;
  uint n = one_chunk ? nonzero_rows(u8, x, stride, order, first, a, astride, i, 0, count, rows,
                                    vals)
                     : 0;
  __global float* wi = w + (size_t)i * ostride;
  if (act_low >= 0) {  // the gradient below first, from this row of W before its update
    for (uint r = 0; r < count; ++r) {
      __global const float* gr = g + (size_t)r * ostride;
      floatV acc = (floatV)(0.0f);
      for (uint k = 0; k < blocks; ++k) acc += vloadV(k, gr) * vloadV(k, wi);
      dlow[(size_t)r * astride + i] = activation_gradient(hsum(acc), a[(size_t)r * astride + i],
                                                          act_low);
    }
  }
  for (uint k0 = b0; k0 < b1; k0 += TILE) {
    floatV acc[TILE];
    CLMNIST_UNROLL
    for (int t = 0; t < TILE; ++t) acc[t] = (floatV)(0.0f);
    for (uint r0 = 0; r0 < count; r0 += CHUNK) {
      if (!one_chunk) {
        n = nonzero_rows(u8, x, stride, order, first, a, astride, i, r0, min(count, r0 + CHUNK),
                         rows, vals);
      }
      if (k0 + TILE <= b1) {  // a whole tile: no test per block
        for (uint m = 0; m < n; ++m) {
          CLMNIST_TILE_FMA(acc, vals[m], g + (size_t)rows[m] * ostride + k0 * VEC, TILE)
        }
      } else {
        for (uint m = 0; m < n; ++m) {
          CLMNIST_TILE_FMA(acc, vals[m], g + (size_t)rows[m] * ostride + k0 * VEC, b1 - k0)
        }
      }
    }
    CLMNIST_UNROLL
    for (int t = 0; t < TILE; ++t) {
      if (k0 + t < b1) {
        vstoreV(sgd_rule_v(vloadV(k0 + t, wi), acc[t], scale, lr, decay, l1), k0 + t, wi);
      }
    }
  }
}
