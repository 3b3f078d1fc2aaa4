// SGEMM through CLBlast on a Context's queue: row-major C = alpha * op(A) * op(B) + beta * C.
#pragma once

#include "cl_context.hpp"

namespace clmnist::runtime {

struct GemmArgs {
  bool trans_a = false;
  bool trans_b = false;
  std::size_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const cl::Buffer* a = nullptr;
  std::size_t lda = 0;
  const cl::Buffer* b = nullptr;
  std::size_t ldb = 0;
  float beta = 0.0f;
  cl::Buffer* c = nullptr;
  std::size_t ldc = 0;
};

// Throws DeviceError naming the CLBlast status on failure.
void clblast_sgemm(Context& ctx, const GemmArgs& g, const char* label);

}  // namespace clmnist::runtime
