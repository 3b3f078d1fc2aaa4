// SGD updates. dlogits: [rows x NUM_CLASSES]; b: [NUM_CLASSES]. (The weights of the clblast family
// are updated by CLBlast's GEMM itself, alpha = -lr * scale and beta = 1: the same rule without
// decay, which that family refuses.)
#include "sgd_rule.clh"
#ifndef NUM_CLASSES
#define NUM_CLASSES 10
#endif

// Bias gradient db[c] = sum_i dlogits[i, c] and update b[c] -= lr * db[c]. One work-item per class.
__kernel void bias_grad_update(__global const float* dlogits, uint rows, float lr,
                               __global float* b) {
  const size_t c = get_global_id(0);
  if (c >= NUM_CLASSES) return;
  float s = 0.0f;
  for (uint i = 0; i < rows; ++i) s += dlogits[i * NUM_CLASSES + c];
  b[c] = sgd_rule(b[c], s, 1.0f, lr, 0.0f, 0.0f);
}
