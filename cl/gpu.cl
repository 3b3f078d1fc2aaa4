// GPU-shaped kernels of a dense network with a softmax cross-entropy head (any depth, tanh or
// relu, L1/L2 weight decay). A step is launch- and latency-bound on a GPU (docs/PERFORMANCE.md),
// so each layer costs one forward and one update launch, every work-group has work, and the long
// sums are split across a work-group's work-items and added in a fixed-order tree in local memory:
// no atomics, the same bits on every run. The arithmetic follows Theano's as dense.cl does.
// One program is built per layer, so each layer has its own tunables:
//   FWD_WG, UPD_WG: work-group sizes (powers of two); FWD_COLS, UPD_COLS: the output columns a
//   work-group owns (a power of two <= its WG); the other WG / COLS work-items of the group split
//   the sum (the inputs in the forward, the minibatch rows in the update); FWD_ROWS: minibatch
//   rows a forward work-group computes at once, each weight loaded feeding all of them.
// Layouts are canonical and unpadded: W [inputs x outputs] row-major, activations and gradients
// [rows x outputs]; uint8 inputs x [rows x stride] read as order[first + r].
#ifndef FWD_WG
#define FWD_WG 256
#endif
#ifndef FWD_COLS
#define FWD_COLS 16
#endif
#ifndef FWD_ROWS
#define FWD_ROWS 1
#endif
#ifndef UPD_WG
#define UPD_WG 256
#endif
#ifndef UPD_COLS
#define UPD_COLS 16
#endif
#define FWD_SPLIT (FWD_WG / FWD_COLS)
#define UPD_SPLIT (UPD_WG / UPD_COLS)
#if FWD_SPLIT < 1 || UPD_SPLIT < 1 || FWD_ROWS < 1
#error "FWD_COLS and UPD_COLS must not exceed their work-group size; FWD_ROWS must be >= 1"
#endif

#include "sgd_rule.clh"
#include "softmax_sum.clh"

// Forward modes: a hidden layer's activation, or the head on the top layer's logits.
#define MODE_NONE 0
#define MODE_TANH 1
#define MODE_RELU 2
#define MODE_TRAIN 3  // d = dNLL/dz (mean over the minibatch), loss = NLL
#define MODE_EVAL 4   // wrong = argmax != label, loss = NLL
#define MODE_PROBS 5  // y = softmax

// Input i of minibatch row r: a pixel x[order[first + r], i] (u8) or a float a[r, i].
static inline float input_at(uint u8, __global const uchar* x, uint stride,
                             __global const uint* order,
                             uint first, __global const float* a, uint astride, uint r, uint i) {
  return u8 ? (float)x[(size_t)order[first + r] * stride + i] : a[(size_t)r * astride + i];
}

// Adds part[lid + h * cols] into part[lid] for h = split / 2, split / 4, .. 1 (part holds `split`
// partial sums of each of `cols` columns); the sums end in part[0 .. cols). Every work-item of the
// group calls it.
static inline void tree_sum(__local float* part, uint lid, uint cols, uint split) {
  for (uint h = split / 2; h > 0; h /= 2) {
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < h * cols) part[lid] += part[lid + h * cols];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
}

// The head of one row from its logits z = zb[0 .. classes) (bias added), as Theano computes it:
// p = exp(z - max) * (1 / sum), the sum in double where the device has it.
static inline void head_row(__local const float* zb, uint classes, uint mode, uint y,
                            float inv_count,
                            __global float* out_row, __global float* loss, __global uchar* wrong) {
  float m = zb[0];
  uint best = 0;
  for (uint c = 1; c < classes; ++c) {
    if (zb[c] > m) {  // the first largest, as argmax
      m = zb[c];
      best = c;
    }
  }
  acc_t s = 0;
  for (uint c = 0; c < classes; ++c) s += (acc_t)exp(zb[c] - m);
  *loss = (float)((acc_t)m + log(s) - (acc_t)zb[y]);
  if (mode == MODE_EVAL) {
    *wrong = (uchar)(best != y);
    return;
  }
  const acc_t inv = (acc_t)1 / s;
  for (uint c = 0; c < classes; ++c) {
    const float p = (float)((acc_t)exp(zb[c] - m) * inv);
    out_row[c] = mode == MODE_PROBS ? p : p * inv_count - (c == y ? inv_count : 0.0f);
  }
}

// One layer forward for FWD_ROWS minibatch rows and FWD_COLS columns per work-group:
// z[r, j] = scale * sum_i in[r, i] W[i, j] + b[j]. Hidden modes write act(z) to out; head modes
// need the whole row in the group (outputs <= FWD_COLS) and write the gradient or probabilities
// to out, the NLL to loss[first + r] and, evaluating, the error flag to wrong[first + r].
__kernel void gpu_forward(uint u8, __global const uchar* x, uint stride,
                          __global const uint* order, uint first, __global const float* a,
                          uint astride, uint inputs, uint count, float scale,
                          __global const float* w, uint outputs, __global const float* b,
                          uint mode, __global float* out, __global const uchar* labels,
                          float inv_count, __global float* loss, __global uchar* wrong) {
  __local float part[FWD_ROWS][FWD_WG];
  const uint lid = get_local_id(0), c = lid % FWD_COLS, s = lid / FWD_COLS;
  const uint col_groups = (outputs + FWD_COLS - 1) / FWD_COLS;
  const uint group = get_group_id(0);
  const uint r0 = group / col_groups * FWD_ROWS, j = group % col_groups * FWD_COLS + c;
  float acc[FWD_ROWS];
  for (uint k = 0; k < FWD_ROWS; ++k) acc[k] = 0.0f;
  if (j < outputs) {
    for (uint i = s; i < inputs; i += FWD_SPLIT) {
      const float wv = w[(size_t)i * outputs + j];
      for (uint k = 0; k < FWD_ROWS; ++k) {
        if (r0 + k < count) {
          acc[k] += input_at(u8, x, stride, order, first, a, astride, r0 + k, i) * wv;
        }
      }
    }
  }
  for (uint k = 0; k < FWD_ROWS; ++k) part[k][lid] = acc[k];
  for (uint k = 0; k < FWD_ROWS; ++k) tree_sum(part[k], lid, FWD_COLS, FWD_SPLIT);
  // Every barrier is reached by the whole group on every path (no return before one): PoCL's
  // work-group compiler needs that, even where the condition is the same for the whole group.
  const bool head = mode > MODE_RELU;
  if (lid < FWD_COLS && j < outputs) {
    for (uint k = 0; k < FWD_ROWS && r0 + k < count; ++k) {
      float z = part[k][lid] * scale + b[j];
      if (mode == MODE_TANH) z = tanh(z);
      if (mode == MODE_RELU) z = fmax(z, 0.0f);
      if (head) {
        part[k][lid] = z;  // the head's logits, bias added
      } else {
        out[(size_t)(r0 + k) * outputs + j] = z;
      }
    }
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (head && lid < FWD_ROWS && r0 + lid < count) {  // one work-item finishes each row's head
    const uint r = r0 + lid;
    head_row(part[lid], outputs, mode, labels[order[first + r]], inv_count,
             out + (size_t)r * outputs, loss + first + r, wrong + first + r);
  }
}

// s * act'(pre-activation) from the activation's output h: tanh s * (1 - h^2) as Theano; relu.
static inline float activation_gradient(float s, float h, int act) {
  if (act == MODE_TANH) return s * (1.0f - h * h);
  if (act == MODE_RELU) return h > 0.0f ? s : 0.0f;
  return s;
}

// The gradient at the layer below's pre-activation, one work-item per (row, input):
// dlow[r, i] = (sum_j g[r, j] W[i, j]) * act'(a[r, i]); for layers whose update is split across
// work-groups (a row of W is not one group's).
__kernel void gpu_backward_data(__global const float* g, uint outputs, __global const float* w,
                                uint inputs, uint count, __global const float* a, int act,
                                __global float* dlow) {
  const size_t id = get_global_id(0);
  if (id >= (size_t)count * inputs) return;
  const uint r = (uint)(id / inputs), i = (uint)(id % inputs);
  float acc = 0.0f;
  for (uint j = 0; j < outputs; ++j) acc += g[(size_t)r * outputs + j] * w[(size_t)i * outputs + j];
  dlow[id] = activation_gradient(acc, a[id], act);
}

// Weight gradient and SGD update of one layer, all from the old values; a work-group owns input
// row i of W (i == inputs: the bias) and UPD_COLS columns, its other UPD_SPLIT work-items split
// the minibatch rows: W[i, j] -= lr * (scale * sum_r in[r, i] g[r, j] + decay W[i, j] +
// l1 sign(W[i, j])); b[j] -= lr * sum_r g[r, j]. With act_low >= 0 (only when a group owns a whole
// row of W) the group first computes dlow[:, i] as gpu_backward_data does, saving that launch.
__kernel void gpu_update(uint u8, __global const uchar* x, uint stride,
                         __global const uint* order, uint first, __global const float* a,
                         uint astride, uint inputs, uint count, float scale,
                         __global const float* g, uint outputs, float lr, float decay, float l1,
                         __global float* w, __global float* b, int act_low,
                         __global float* dlow) {
  __local float part[UPD_WG];
  const uint lid = get_local_id(0), c = lid % UPD_COLS, s = lid / UPD_COLS;
  const uint col_groups = (outputs + UPD_COLS - 1) / UPD_COLS;
  const uint group = get_group_id(0);
  const uint i = group / col_groups, j = group % col_groups * UPD_COLS + c;
  __global float* wi = w + (size_t)i * outputs;
  if (act_low >= 0 && i < inputs) {
    for (uint r = lid; r < count; r += UPD_WG) {
      float acc = 0.0f;
      for (uint k = 0; k < outputs; ++k) acc += g[(size_t)r * outputs + k] * wi[k];
      dlow[(size_t)r * inputs + i] = activation_gradient(acc, a[(size_t)r * astride + i], act_low);
    }
  }
  barrier(CLK_GLOBAL_MEM_FENCE);  // every read of this row of W before any write to it
  float acc = 0.0f;
  if (j < outputs) {
    for (uint r = s; r < count; r += UPD_SPLIT) {
      const float v = i == inputs ? 1.0f
                                  : input_at(u8, x, stride, order, first, a, astride, r, i);
      acc += v * g[(size_t)r * outputs + j];
    }
  }
  part[lid] = acc;
  tree_sum(part, lid, UPD_COLS, UPD_SPLIT);
  if (lid < UPD_COLS && j < outputs) {
    if (i == inputs) {
      b[j] = sgd_rule(b[j], part[lid], 1.0f, lr, 0.0f, 0.0f);
    } else {
      wi[j] = sgd_rule(wi[j], part[lid], scale, lr, decay, l1);
    }
  }
}
