// Kernels of the convolutional layer kinds (conv2d, max-pool, bias + activation per map), built
// once per layer with its geometry as constants: MAPS x ROWS x COLS in, FILTERS of K x K (valid,
// a true convolution as Theano's conv2d: filters flipped), or a max-pool WINDOW. Maps are
// channel-major, one sample [maps x rows x cols] after another (NCHW); filters Theano's
// [FILTERS x MAPS x K x K]. Every sum runs in the order of the host ops (runtime/host_conv.hpp)
// and nothing contracts into fma, so a device that rounds as the host does gives the host
// backend's bits. Work-items hold a block of outputs in VEC-wide registers (the CPU's vector
// width, vectorised by hand as in dense.cl); no local memory and no assumption on the work-group
// size. Float buffers carry a slack of CLMNIST_SLACK floats: vector loads may run past a row.
#pragma OPENCL FP_CONTRACT OFF

#include "sgd_rule.clh"

#ifndef MAPS
#define MAPS 1
#endif
#ifndef ROWS
#define ROWS 28
#endif
#ifndef COLS
#define COLS 28
#endif
#ifndef FILTERS
#define FILTERS 20
#endif
#ifndef K
#define K 5
#endif
#ifndef WINDOW
#define WINDOW 2
#endif
// Filters per forward work-item (a divisor of FILTERS) and maps per input-gradient work-item (a
// divisor of MAPS): the outputs a work-item keeps in registers.
#ifndef FB
#define FB 4
#endif
#ifndef CB
#define CB 1
#endif
#ifndef VEC
#define VEC 8
#endif
// Tap rows per filter-gradient work-item: 1 or K.
#ifndef IB
#define IB 1
#endif

#define OH (ROWS - K + 1)
#define OW (COLS - K + 1)
#define PH (OH + 2 * (K - 1))             // a padded output-gradient map: K - 1 zeros around
#define PW (OW + 2 * (K - 1))
#define OWV ((OW + VEC - 1) / VEC)        // vectors over an output row
#define XV ((COLS + VEC - 1) / VEC)       // vectors over an input row
#define FP (((FILTERS + VEC - 1) / VEC) * VEC)  // filters padded to whole vectors
#define PROWS (ROWS / WINDOW)
#define PCOLS (COLS / WINDOW)

#define CLMNIST_CAT(a, b) a##b
#define CLMNIST_XCAT(a, b) CLMNIST_CAT(a, b)
#define floatV CLMNIST_XCAT(float, VEC)
#define vloadV CLMNIST_XCAT(vload, VEC)
#define vstoreV CLMNIST_XCAT(vstore, VEC)

// y[n, p] = x[order[first + n], p] * scale: a minibatch's pixels (or storage rows, order =
// identity) as floats, [count x ROWS*COLS].
__kernel void pixels_to_float(__global const uchar* x, uint stride, __global const uint* order,
                              uint first, uint count, float scale, __global float* y) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * ROWS * COLS) return;
  const size_t n = gid / (ROWS * COLS), p = gid % (ROWS * COLS);
  y[gid] = (float)x[(size_t)order[first + n] * stride + p] * scale;
}

// The first n <= VEC lanes of v to p.
static inline void store_lanes(floatV v, uint n, __global float* p) {
  if (n == VEC) {
    vstoreV(v, 0, p);
    return;
  }
  float t[VEC];
  vstoreV(v, 0, t);
  for (uint l = 0; l < n; ++l) p[l] = t[l];
}

// The conv kernels exist where the kernel fits the maps (a pooling or activation layer's program
// of small maps leaves them out).
#if K <= ROWS && K <= COLS

// y[n, f, oy, ox] = sum_{c, i, j} x[n, c, oy + i, ox + j] * w[f, c, K-1-i, K-1-j]: work-item
// (n, oy, filter block) computes FB filters' output row oy.
__kernel void conv_forward(__global const float* x, uint count, __global const float* w,
                           __global float* y) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * OH * (FILTERS / FB)) return;
  const uint f0 = (uint)(gid % (FILTERS / FB)) * FB, oy = (uint)(gid / (FILTERS / FB) % OH);
  const size_t n = gid / (FILTERS / FB) / OH;
  floatV acc[FB][OWV];
  #pragma unroll
  for (int f = 0; f < FB; ++f) {
    #pragma unroll
    for (int v = 0; v < OWV; ++v) acc[f][v] = (floatV)(0.0f);
  }
  __global const float* xn = x + n * (MAPS * ROWS * COLS);
  for (uint c = 0; c < MAPS; ++c) {
    for (uint i = 0; i < K; ++i) {
      __global const float* xr = xn + (c * ROWS + oy + i) * COLS;
#pragma unroll
      for (uint j = 0; j < K; ++j) {
        floatV xv[OWV];
        #pragma unroll
        for (int v = 0; v < OWV; ++v) xv[v] = vloadV(0, xr + j + v * VEC);
        #pragma unroll
        for (int f = 0; f < FB; ++f) {
          const float wf = w[((f0 + f) * MAPS + c) * K * K + (K - 1 - i) * K + (K - 1 - j)];
          #pragma unroll
          for (int v = 0; v < OWV; ++v) acc[f][v] += xv[v] * wf;
        }
      }
    }
  }
  #pragma unroll
  for (int f = 0; f < FB; ++f) {
    __global float* yr = y + ((n * FILTERS + f0 + f) * OH + oy) * OW;
    #pragma unroll
    for (int v = 0; v < OWV; ++v) store_lanes(acc[f][v], min(VEC, OW - v * VEC), yr + v * VEC);
  }
}

// The output gradient dy [count x FILTERS x OH x OW] in the two layouts the backward kernels
// read: dyp, each map padded with K - 1 zeros around (the margins are never written), for the
// input gradient (when pad != 0); dyt [count x OH*OW x FP], filters innermost, for the filter
// gradient (lanes past FILTERS stay zero).
__kernel void spread_gradient(__global const float* dy, uint count, uint pad,
                              __global float* dyp, __global float* dyt) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * FILTERS * OH * OW) return;
  const uint ox = (uint)(gid % OW), oy = (uint)(gid / OW % OH);
  const uint f = (uint)(gid / OW / OH % FILTERS);
  const size_t n = gid / OW / OH / FILTERS;
  const float g = dy[gid];
  if (pad) dyp[((n * FILTERS + f) * PH + oy + K - 1) * PW + ox + K - 1] = g;
  dyt[(n * OH * OW + oy * OW + ox) * FP + f] = g;
}

// dx[n, c, y, x] = sum_{f, i, j} dy[n, f, y - i, x - j] * w[f, c, K-1-i, K-1-j] over the
// outputs that exist (the padding adds zeros for the others): work-item (n, y, map block)
// computes CB maps' input row y.
__kernel void conv_backward_data(__global const float* dyp, uint count, __global const float* w,
                                 __global float* dx) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * ROWS * (MAPS / CB)) return;
  const uint c0 = (uint)(gid % (MAPS / CB)) * CB, yy = (uint)(gid / (MAPS / CB) % ROWS);
  const size_t n = gid / (MAPS / CB) / ROWS;
  floatV acc[CB][XV];
  #pragma unroll
  for (int c = 0; c < CB; ++c) {
    #pragma unroll
    for (int v = 0; v < XV; ++v) acc[c][v] = (floatV)(0.0f);
  }
  // The taps i whose output row yy - i exists (the others would add the padding's zeros).
  const uint i0 = yy >= OH ? yy - OH + 1 : 0, i1 = min((uint)K, yy + 1);
  for (uint f = 0; f < FILTERS; ++f) {
    for (uint i = i0; i < i1; ++i) {
      __global const float* gr = dyp + ((n * FILTERS + f) * PH + yy - i + K - 1) * PW + K - 1;
#pragma unroll
      for (uint j = 0; j < K; ++j) {
        floatV gv[XV];
        #pragma unroll
        for (int v = 0; v < XV; ++v) gv[v] = vloadV(0, gr + v * VEC - j);
        #pragma unroll
        for (int c = 0; c < CB; ++c) {
          const float wf = w[(f * MAPS + c0 + c) * K * K + (K - 1 - i) * K + (K - 1 - j)];
          #pragma unroll
          for (int v = 0; v < XV; ++v) acc[c][v] += gv[v] * wf;
        }
      }
    }
  }
  #pragma unroll
  for (int c = 0; c < CB; ++c) {
    __global float* dr = dx + ((n * MAPS + c0 + c) * ROWS + yy) * COLS;
    #pragma unroll
    for (int v = 0; v < XV; ++v) store_lanes(acc[c][v], min(VEC, COLS - v * VEC), dr + v * VEC);
  }
}

// The filter gradient, summed sample by sample, and the update of the weights by the one rule:
// work-item (c, tap-row block, filter block) owns w[f, c, K-1-i, K-1-j] for IB tap rows i, every
// tap j and VEC filters f. IB = K reads each sample's output gradient once for all K x K taps
// (the kernel is bound by those reads, not by its arithmetic); IB = 1 gives K times the
// work-items to a layer with few maps.
__kernel void conv_filter_update(__global const float* x, __global const float* dyt, uint count,
                                 float lr, float decay, float l1, __global float* w) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)MAPS * (K / IB) * (FP / VEC)) return;
  const uint fv = (uint)(gid % (FP / VEC)), i0 = (uint)(gid / (FP / VEC) % (K / IB)) * IB;
  const uint c = (uint)(gid / (FP / VEC) / (K / IB));
  floatV acc[IB][K];
  #pragma unroll
  for (int i = 0; i < IB; ++i) {
    #pragma unroll
    for (int j = 0; j < K; ++j) acc[i][j] = (floatV)(0.0f);
  }
  for (uint n = 0; n < count; ++n) {
    __global const float* xc = x + (((size_t)n * MAPS + c) * ROWS + i0) * COLS;
    __global const float* g = dyt + (size_t)n * OH * OW * FP + fv * VEC;
    floatV s[IB][K];
    #pragma unroll
    for (int i = 0; i < IB; ++i) {
      #pragma unroll
      for (int j = 0; j < K; ++j) s[i][j] = (floatV)(0.0f);
    }
    for (uint oy = 0; oy < OH; ++oy) {
      for (uint ox = 0; ox < OW; ++ox) {
        const floatV gv = vloadV(0, g + (oy * OW + ox) * FP);
        #pragma unroll
        for (int i = 0; i < IB; ++i) {
          #pragma unroll
          for (int j = 0; j < K; ++j) s[i][j] += xc[(oy + i) * COLS + ox + j] * gv;
        }
      }
    }
    #pragma unroll
    for (int i = 0; i < IB; ++i) {
      #pragma unroll
      for (int j = 0; j < K; ++j) acc[i][j] += s[i][j];
    }
  }
  #pragma unroll
  for (int i = 0; i < IB; ++i) {
    #pragma unroll
    for (int j = 0; j < K; ++j) {
      float t[VEC];
      vstoreV(acc[i][j], 0, t);
      for (uint l = 0; l < VEC && fv * VEC + l < FILTERS; ++l) {
        const size_t q = ((size_t)(fv * VEC + l) * MAPS + c) * K * K + (K - 1 - i0 - i) * K +
                         (K - 1 - j);
        w[q] = sgd_rule(w[q], t[l], 1.0f, lr, decay, l1);
      }
    }
  }
}

#endif  // K <= ROWS && K <= COLS

// The index (within the sample) of the first maximum, in row-major order, of map c's
// WINDOW x WINDOW block (oy, ox): the one that takes the gradient; the maximum to *max.
static inline uint window_argmax(__global const float* xn, uint c, uint oy, uint ox,
                                 float* max) {
  uint best = (c * ROWS + oy * WINDOW) * COLS + ox * WINDOW;
  float m = xn[best];
  // Unrolled, so that PoCL vectorises across work-items (it leaves a loop nest scalar).
  #pragma unroll
  for (uint i = 0; i < WINDOW; ++i) {
    #pragma unroll
    for (uint j = 0; j < WINDOW; ++j) {
      const uint at = (c * ROWS + oy * WINDOW + i) * COLS + ox * WINDOW + j;
      const float v = xn[at];
      best = v > m ? at : best;
      m = v > m ? v : m;
    }
  }
  *max = m;
  return best;
}

// act: 0 none, 1 tanh, 2 relu.
static inline float activate(float v, int act) {
  if (act == 1) v = tanh(v);
  if (act == 2) v = v > 0.0f ? v : 0.0f;
  return v;
}


// A max-pool, and the bias + activation layer above it if any (act -1 if none): y = act(max +
// b[map], or + 0 where the activation has no bias, as bias_activation_forward) over each WINDOW x WINDOW block, the border that does not fill one
// ignored; arg = where the max is (window_argmax). Work-item (n, map) does a whole pooled map,
// VEC outputs at a time (a work-item a work-group on CPUs: PoCL leaves the work-items of this
// kernel scalar, with an index division each).
__kernel void max_pool_forward(__global const float* x, uint count, uint has_bias,
                               __global const float* b, int act, __global float* y,
                               __global uint* arg) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * MAPS) return;
  const uint c = (uint)(gid % MAPS);
  __global const float* xn = x + gid / MAPS * MAPS * ROWS * COLS;
  const float bias = has_bias ? b[c] : 0.0f;
  __global float* yc = y + gid * PROWS * PCOLS;
  __global uint* ac = arg + gid * PROWS * PCOLS;
  for (uint p0 = 0; p0 < PROWS * PCOLS; p0 += VEC) {
    float m[VEC];
    #pragma unroll
    for (uint l = 0; l < VEC; ++l) {
      const uint p = p0 + l;
      m[l] = 0.0f;
      if (p < PROWS * PCOLS) ac[p] = window_argmax(xn, c, p / PCOLS, p % PCOLS, &m[l]);
      // Lane by lane: the vector tanh of PoCL rounds differently from the scalar one (and the
      // host's), which moves LeNet's second epoch by an image.
      if (act >= 0) m[l] = activate(m[l] + bias, act);
    }
    store_lanes(vloadV(0, m), min((uint)VEC, PROWS * PCOLS - p0), yc + p0);
  }
}

// A max-pool's backward pass straight into the layouts the conv layer below reads (what
// max_pool_backward and then that conv's spread_gradient write): dy at each window's maximum,
// zero elsewhere in the window, to dyt [count x ROWS*COLS x fp] (maps innermost) and, when
// padded, to dyp (each map with pad zeros around). Work-item (n, pooled row) runs the maps
// innermost, so it writes runs of neighbouring floats of dyt. The ignored border is never
// written (stays zero).
__kernel void max_pool_backward_spread(__global const float* dy, __global const uint* arg,
                                       uint count, uint fp, uint padded, uint pad,
                                       __global float* dyp, __global float* dyt) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * PROWS) return;
  const uint oy = (uint)(gid % PROWS);
  const size_t n = gid / PROWS;
  for (uint ox = 0; ox < PCOLS; ++ox) {
    for (uint c = 0; c < MAPS; ++c) {
      const size_t at = ((n * MAPS + c) * PROWS + oy) * PCOLS + ox;
      const uint best = arg[at];
      const float g = dy[at];
      #pragma unroll
      for (uint i = 0; i < WINDOW; ++i) {
        #pragma unroll
        for (uint j = 0; j < WINDOW; ++j) {
          const uint yy = oy * WINDOW + i, xx = ox * WINDOW + j;
          const float v = (c * ROWS + yy) * COLS + xx == best ? g : 0.0f;
          dyt[(n * ROWS * COLS + yy * COLS + xx) * fp + c] = v;
          if (padded) {
            dyp[((n * MAPS + c) * (ROWS + 2 * pad) + yy + pad) * (COLS + 2 * pad) + xx + pad] = v;
          }
        }
      }
    }
  }
}

// dx = dy at each window's maximum, zero elsewhere in the window: one work-item per window (the
// windows do not overlap; the ignored border is never written and stays zero).
__kernel void max_pool_backward(__global const float* dy, __global const uint* arg, uint count,
                                __global float* dx) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * MAPS * PROWS * PCOLS) return;
  const uint ox = (uint)(gid % PCOLS), oy = (uint)(gid / PCOLS % PROWS);
  const uint c = (uint)(gid / PCOLS / PROWS % MAPS);
  const size_t n = gid / PCOLS / PROWS / MAPS;
  __global float* dxn = dx + n * MAPS * ROWS * COLS;
  const uint best = arg[gid];
  const float g = dy[gid];
  for (uint i = 0; i < WINDOW; ++i) {
    for (uint j = 0; j < WINDOW; ++j) {
      const uint at = (c * ROWS + oy * WINDOW + i) * COLS + ox * WINDOW + j;
      dxn[at] = at == best ? g : 0.0f;
    }
  }
}

// y = act(x + b[map]) over MAPS maps of ROWS x COLS (has_bias 0: no bias); in place where y is
// x.
__kernel void bias_activation_forward(__global const float* x, uint count, uint has_bias,
                                      __global const float* b, int act, __global float* y) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * MAPS * ROWS * COLS) return;
  y[gid] = activate(x[gid] + (has_bias ? b[gid / (ROWS * COLS) % MAPS] : 0.0f), act);
}

// g (in place) = the gradient at the activation's input from the one at its output y:
// g * (1 - y^2) for tanh (Theano's), g where y > 0 for relu.
__kernel void activation_backward(__global const float* y, uint count, int act,
                                  __global float* g) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * MAPS * ROWS * COLS) return;
  if (act == 1) g[gid] = g[gid] * (1.0f - y[gid] * y[gid]);
  if (act == 2) g[gid] = y[gid] > 0.0f ? g[gid] : 0.0f;
}

// b[c] by the one rule from its gradient, the sum of g over every sample's map c (sample by
// sample, as the host): one work-item per map.
__kernel void map_bias_update(__global const float* g, uint count, float lr, __global float* b) {
  const size_t c = get_global_id(0);
  if (c >= MAPS) return;
  float acc = 0.0f;
  for (uint n = 0; n < count; ++n) {
    __global const float* gc = g + ((size_t)n * MAPS + c) * ROWS * COLS;
    float s = 0.0f;
    for (uint p = 0; p < ROWS * COLS; ++p) s += gc[p];
    acc += s;
  }
  b[c] = sgd_rule(b[c], acc, 1.0f, lr, 0.0f, 0.0f);
}
