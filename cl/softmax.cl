// Row-wise softmax, negative log-likelihood, its gradient and error counts on float logits.
// logits: [rows x NUM_CLASSES] row-major, before the bias b: [NUM_CLASSES] is added.
// labels: [rows] uint8. One work-item per row.
#include "softmax_common.clh"

static inline void load_row(__global const float* logits, __global const float* b, size_t i,
                            float* z) {
  for (int c = 0; c < NUM_CLASSES; ++c) z[c] = logits[i * NUM_CLASSES + c] + b[c];
}

// probs: [rows x NUM_CLASSES]
__kernel void softmax_rows(__global const float* logits, __global const float* b, uint rows,
                           __global float* probs) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  float z[NUM_CLASSES];
  float e[NUM_CLASSES];
  float s;
  load_row(logits, b, i, z);
  row_exp_sum(z, e, &s);
  for (int c = 0; c < NUM_CLASSES; ++c) probs[i * NUM_CLASSES + c] = e[c] / s;
}

// Rows i < rows of logits belong to dataset rows first + i (labels and outputs are indexed so).
// loss[first + i] = log-sum-exp(z_i) - z_i[label]
__kernel void nll_rows(__global const float* logits, __global const float* b,
                       __global const uchar* labels, uint first, uint rows,
                       __global float* loss) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  float z[NUM_CLASSES];
  load_row(logits, b, i, z);
  loss[first + i] = row_logsumexp(z) - z[labels[first + i]];
}

// Gradient of the mean NLL over `rows` with respect to the logits:
// dlogits[i, c] = (softmax(z_i)[c] - [c == label_i]) * inv_rows; also loss[loss_offset + i].
// labels are gathered through order[first + i], as the minibatch rows were.
__kernel void softmax_xent_grad(__global const float* logits, __global const float* b,
                                __global const uchar* labels, __global const uint* order,
                                uint first, uint rows, float inv_rows,
                                __global float* dlogits, __global float* loss) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  float z[NUM_CLASSES];
  float e[NUM_CLASSES];
  float s;
  load_row(logits, b, i, z);
  const int y = labels[order[first + i]];
  const float lse = row_exp_sum(z, e, &s);
  for (int c = 0; c < NUM_CLASSES; ++c) {
    dlogits[i * NUM_CLASSES + c] = (e[c] / s - (c == y ? 1.0f : 0.0f)) * inv_rows;
  }
  loss[first + i] = lse - z[y];
}

// wrong[first + i] = 1 where argmax(z_i) != label, else 0.
__kernel void count_errors(__global const float* logits, __global const float* b,
                           __global const uchar* labels, uint first, uint rows,
                           __global uchar* wrong) {
  const size_t i = get_global_id(0);
  if (i >= rows) return;
  float z[NUM_CLASSES];
  load_row(logits, b, i, z);
  wrong[first + i] = (uchar)(row_argmax(z) != (int)labels[first + i]);
}
