// The OpenCL implementation families the planner of OpenClBackend::compile chooses from. Each
// `*_unfit` returns why the family cannot run a network (empty when it can). Internal to runtime/.
#pragma once

#include <memory>
#include <string>

#include "opencl_backend.hpp"

namespace clmnist::runtime {

// fused: cl/fused.cl, CPU-shaped kernels for one dense layer with the softmax head (softmax
// regression), two launches a step, no weight decay.
std::string fused_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_fused_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options);

// clblast: CLBlast GEMMs with cl/softmax.cl, for the same networks as fused.
std::string clblast_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_clblast_executable(OpenClBackend& be, const NetworkSpec& net,
                                                    const CompileOptions& options);

// dense: cl/dense.cl, one forward and one update kernel per layer; any network, weight decay.
std::unique_ptr<Executable> make_dense_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options);

// Tunables of the fused kernels on a device: VEC, the float vector width of each work-item's
// dot products; ROWS, the minibatch rows each forward work-item computes; SKIP_ZERO, whether
// all-zero pixel blocks are left out (exact; cl/fused.cl); and the update kernel's local size.
// The device's defaults, then the overrides of BackendOptions.
struct FusedTuning {
  unsigned vec = 4;
  unsigned rows = 1;
  bool skip_zero = false;
  std::size_t update_local = 0;  // 0: the default local size (KernelHandle)
};
FusedTuning fused_tuning(const DeviceDesc& device, const FusedOverrides& overrides);
// "-DNUM_CLASSES=k -DVEC=v -DROWS=r -DSKIP_ZERO=s"
std::string fused_defines(std::size_t classes, const FusedTuning& t);
// 64-bit words of zero-block mask per row for rows of `stride` bytes (mask_words in cl/fused.cl).
std::size_t fused_mask_words(std::size_t stride, unsigned vec);

}  // namespace clmnist::runtime
