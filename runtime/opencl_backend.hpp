// The OpenCL backend: datasets resident on the device as uint8, parameters in device buffers,
// one of two GEMM paths (the fused kernels of cl/fused.cl, or CLBlast with cl/softmax.cl), no host
// synchronisation inside sgd_step.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "backend.hpp"
#include "cl_context.hpp"

namespace clmnist::runtime {

// Tunables of the fused kernels on a device: VEC, the float vector width of each work-item's
// dot products; ROWS, the minibatch rows each forward work-item computes (so each weight vector
// loaded feeds ROWS multiply-adds); SKIP_ZERO, whether all-zero pixel blocks are left out (exact;
// cl/fused.cl); and the update kernel's local size. CLMNIST_VEC, CLMNIST_ROWS and
// CLMNIST_SKIP_ZERO (0 or 1) override the first three.
struct FusedTuning {
  unsigned vec = 4;
  unsigned rows = 1;
  bool skip_zero = false;
  std::size_t update_local = 0;  // 0: the default local size (KernelHandle)
};
FusedTuning fused_tuning(const DeviceDesc& device);
// "-DNUM_CLASSES=k -DVEC=v -DROWS=r -DSKIP_ZERO=s"
std::string fused_defines(std::size_t classes, const FusedTuning& t);
// 64-bit words of zero-block mask per row for rows of `stride` bytes (mask_words in cl/fused.cl).
std::size_t fused_mask_words(std::size_t stride, unsigned vec);

class OpenClBackend final : public Backend {
 public:
  OpenClBackend(const DeviceDesc& device, const BackendOptions& options);

  const BackendInfo& info() const override { return info_; }
  void configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                 float pixel_scale) override;
  DatasetId upload(const DatasetView& data) override;
  void set_order(DatasetId id, const std::vector<std::uint32_t>& order) override;
  void set_params(const std::vector<float>& wt, const std::vector<float>& b) override;
  void get_params(std::vector<float>& wt, std::vector<float>& b) override;
  void sgd_step(DatasetId id, std::size_t first, std::size_t count, float lr) override;
  double train_loss(DatasetId id, std::size_t first, std::size_t count) override;
  EvalCounts evaluate(DatasetId id, std::size_t counted) override;
  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override;
  void finish() override;
  std::vector<KernelTime> take_kernel_times() override { return ctx_.take_kernel_times(); }
  std::vector<BuildRecord> builds() const override { return ctx_.builds(); }
  std::size_t device_bytes() const override { return device_bytes_; }
  Ceilings measure_ceilings() override;

 private:
  struct Dataset {
    cl::Buffer x;         // [rows x stride] uint8
    cl::Buffer labels;    // [rows] uint8
    cl::Buffer order;     // [rows] uint32, sgd_step's row order
    cl::Buffer identity;  // [rows] uint32, storage order (evaluation, predict)
    cl::Buffer loss;      // [rows] float, per-row NLL
    cl::Buffer wrong;     // [rows] uint8, evaluation
    cl::Buffer masks;     // [rows x words] uint64, zero-block masks (fused.cl; 8 bytes unused
                          // where SKIP_ZERO is off)
    std::size_t rows = 0;
  };
  Dataset& dataset(DatasetId id);
  cl::Buffer make_buffer(cl_mem_flags flags, std::size_t bytes, const char* what);
  KernelHandle kernel(const std::string& program, const char* name, std::size_t local = 0);
  // Logits without bias of rows [first, first + count) (count <= max_batch) into logits_.
  void logits_rows(Dataset& d, const cl::Buffer& order, std::size_t first, std::size_t count);

  Context ctx_;
  BackendOptions options_;
  GemmPath path_;
  BackendInfo info_;
  std::size_t features_ = 0, stride_ = 0, classes_ = 0, max_batch_ = 0;
  FusedTuning tune_;
  float scale_ = 1.0f;
  std::size_t device_bytes_ = 0;
  std::vector<Dataset> datasets_;
  cl::Buffer wt_, b_, logits_, dlogits_, probs_, xf_;
  struct Kernels {
    KernelHandle forward_backward, weight_update, evaluate, logits, block_masks;  // fused.cl
    KernelHandle softmax, xent_grad, count_errors, nll;                           // softmax.cl
    KernelHandle u8_to_f32;                                                       // prepare.cl
    KernelHandle bias_update;                                                     // sgd.cl
  } k_;
};

}  // namespace clmnist::runtime
