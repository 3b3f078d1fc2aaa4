// The CLBlast wrapper: the only file that includes clblast.h.
#include "clblast_gemm.hpp"

#include <clblast.h>

#include "errors.hpp"

namespace clmnist::runtime {

void clblast_sgemm(Context& ctx, const GemmArgs& g, const char* label) {
  cl_command_queue q = ctx.queue()();
  cl::Event* ev = ctx.next_event(label);
  cl_event raw = nullptr;
  const clblast::StatusCode status = clblast::Gemm<float>(
      clblast::Layout::kRowMajor, g.trans_a ? clblast::Transpose::kYes : clblast::Transpose::kNo,
      g.trans_b ? clblast::Transpose::kYes : clblast::Transpose::kNo, g.m, g.n, g.k, g.alpha,
      (*g.a)(), 0, g.lda, (*g.b)(), 0, g.ldb, g.beta, (*g.c)(), 0, g.ldc, &q,
      ev != nullptr ? &raw : nullptr);
  if (status != clblast::StatusCode::kSuccess) {
    throw DeviceError(std::string("CLBlast SGEMM (") + label + ", m=" + std::to_string(g.m) +
                          " n=" + std::to_string(g.n) + " k=" + std::to_string(g.k) +
                          ") failed with status " + std::to_string(static_cast<int>(status)) +
                          "; try --gemm fused",
                      static_cast<int>(status));
  }
  if (ev != nullptr) *ev = cl::Event(raw);  // takes ownership of the returned event
}

}  // namespace clmnist::runtime
