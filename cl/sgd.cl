// SGD updates. dlogits: [rows x NUM_CLASSES]; b: [NUM_CLASSES].
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
  b[c] -= lr * s;
}
