// Micro-kernels that measure a device's own ceilings for the benchmark: memory bandwidth
// (a float4 copy) and the FP32 FMA rate (independent chains of mad, all in registers).

__kernel void bandwidth_copy(__global const float4* in, __global float4* out, uint n) {
  const size_t i = get_global_id(0);
  if (i < n) out[i] = in[i];
}

#ifndef FMA_ITERS
#define FMA_ITERS 1024
#endif

// 8 chains x 4 lanes x 2 FLOP x FMA_ITERS per work-item.
__kernel void fma_rate(float seed, __global float* out) {
  float4 a0 = (float4)(seed), a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f;
  float4 a4 = a0 + 4.0f, a5 = a0 + 5.0f, a6 = a0 + 6.0f, a7 = a0 + 7.0f;
  const float4 m = (float4)(0.999f);
  const float4 k = (float4)(0.001f);
  for (int it = 0; it < FMA_ITERS; ++it) {
    a0 = mad(a0, m, k); a1 = mad(a1, m, k); a2 = mad(a2, m, k); a3 = mad(a3, m, k);
    a4 = mad(a4, m, k); a5 = mad(a5, m, k); a6 = mad(a6, m, k); a7 = mad(a7, m, k);
  }
  const float4 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  out[get_global_id(0)] = s.x + s.y + s.z + s.w;
}
