// Micro-kernels that measure a device's own ceilings for the benchmark: memory bandwidth
// (a float4 copy), the FP32 FMA rate (independent chains of mad, all in registers) and launch
// latency (a kernel that does nothing: what every dependent launch of a step costs at least).

__kernel void empty_kernel(__global float* out) {
  if (get_global_id(0) == (size_t)-1) out[0] = 0.0f;  // never: keeps one argument, no work
}

__kernel void bandwidth_copy(__global const float4* in, __global float4* out, uint n) {
  const size_t i = get_global_id(0);
  if (i < n) out[i] = in[i];
}

#ifndef FMA_ITERS
#define FMA_ITERS 1024
#endif
#ifndef VEC
#define VEC 4
#endif
#define CLMNIST_CAT(a, b) a##b
#define CLMNIST_XCAT(a, b) CLMNIST_CAT(a, b)
#define floatV CLMNIST_XCAT(float, VEC)

// 8 independent chains x VEC lanes x 2 FLOP x FMA_ITERS per work-item; VEC is the device's
// vector width (16 on AVX-512 CPUs), so the chains fill the widest FMA units.
__kernel void fma_rate(float seed, __global float* out) {
  floatV a0 = (floatV)(seed), a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f;
  floatV a4 = a0 + 4.0f, a5 = a0 + 5.0f, a6 = a0 + 6.0f, a7 = a0 + 7.0f;
  const floatV m = (floatV)(0.999f);
  const floatV k = (floatV)(0.001f);
  for (int it = 0; it < FMA_ITERS; ++it) {
    a0 = mad(a0, m, k); a1 = mad(a1, m, k); a2 = mad(a2, m, k); a3 = mad(a3, m, k);
    a4 = mad(a4, m, k); a5 = mad(a5, m, k); a6 = mad(a6, m, k); a7 = mad(a7, m, k);
  }
  const floatV s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  float lanes[VEC];
  CLMNIST_XCAT(vstore, VEC)(s, 0, lanes);
  float t = 0.0f;
  for (int l = 0; l < VEC; ++l) t += lanes[l];
  out[get_global_id(0)] = t;
}
