// Data preparation: uint8 pixels to scaled floats, gathering the rows of a minibatch.
// x: [rows x stride] uint8 row-major; order: row permutation; out: [count x stride] float.

__kernel void u8_to_f32(__global const uchar* x, __global const uint* order, uint first,
                        uint count, uint stride, float scale, __global float* out) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)count * stride) return;
  const size_t i = gid / stride;
  const size_t j = gid - i * stride;
  const size_t row = order[first + i];
  out[gid] = (float)x[row * stride + j] * scale;
}
