// The OpenCL backend: a device with its context and program cache, datasets resident as uint8
// (with a sparse index of their non-zero pixels), and a planner that compiles a network into an
// executable of one implementation family (opencl_executables.hpp).
#pragma once

#include <memory>
#include <vector>

#include "backend.hpp"
#include "cl_context.hpp"
#include "host_memory.hpp"

namespace clmnist::runtime {

// Rows of every dataset are padded with zeros to a multiple of this many bytes, so any vector
// width up to 16 divides the stride.
constexpr std::size_t kRowAlign = 16;

// A dataset resident on the device. The sparse index is built only when an implementation asks.
struct ClDataset {
  // On a CPU device, x's storage: the device uses it in place (CL_MEM_USE_HOST_PTR), so the 47 MB
  // of training images are written once, on huge pages. Declared before x, so it outlives it.
  std::unique_ptr<HostBlock> host_x;
  cl::Buffer x;         // [rows x stride] uint8, padding bytes zero
  cl::Buffer labels;    // [rows] uint8
  cl::Buffer order;     // [rows] uint32, sgd_step's row order
  cl::Buffer identity;  // [rows] uint32, storage order (evaluation, predict)
  cl::Buffer loss;      // [rows] float, per-row NLL
  cl::Buffer wrong;     // [rows] uint8, evaluation
  // On a CPU device, the sparse index's storage (sparse_rows.hpp), used in place as host_x is.
  std::unique_ptr<HostBlock> host_nz;
  cl::Buffer nz_start;  // [rows + 1] uint32: row r's non-zero pixels are nz_index[start[r] ..
  cl::Buffer nz_index;  // start[r + 1]), as ushort column indices in increasing order,
  cl::Buffer nz_value;  // and their values, uint8
  std::size_t rows = 0, features = 0, stride = 0;
};

class OpenClBackend final : public Backend {
 public:
  OpenClBackend(const DeviceDesc& device, const BackendOptions& options);
  // Waits for the queue: a kernel still running may read a dataset's host block.
  ~OpenClBackend() override;
  OpenClBackend(const OpenClBackend&) = delete;
  OpenClBackend& operator=(const OpenClBackend&) = delete;

  const BackendInfo& info() const override { return info_; }
  std::unique_ptr<Executable> compile(const NetworkSpec& net,
                                      const CompileOptions& options) override;
  DatasetId upload(const DatasetView& data) override;
  void set_order(DatasetId id, const std::vector<std::uint32_t>& order) override;
  void finish() override;
  std::vector<KernelTime> take_kernel_times() override { return ctx_.take_kernel_times(); }
  std::vector<BuildRecord> builds() const override { return ctx_.builds(); }
  std::size_t device_bytes() const override { return device_bytes_; }
  Ceilings measure_ceilings() override;

  // For the implementations.
  Context& context() { return ctx_; }
  const BackendOptions& options() const { return options_; }
  ClDataset& dataset(DatasetId id);
  // The dataset with its sparse index (nz_start, nz_index, nz_value), built on first request
  // from the host block of a CPU device, else from the device copy (one read back per dataset).
  ClDataset& sparse_dataset(DatasetId id);
  // The same for a dataset of this backend's.
  ClDataset& with_sparse_index(ClDataset& d);
  // A device buffer of `bytes`, checked against the device's maximum allocation and counted;
  // `host` is the storage of a CL_MEM_USE_HOST_PTR buffer.
  cl::Buffer make_buffer(cl_mem_flags flags, std::size_t bytes, const char* what,
                         void* host = nullptr);

 private:
  Context ctx_;
  BackendOptions options_;
  BackendInfo info_;
  std::size_t device_bytes_ = 0;
  std::uint64_t memory_limit_ = 0;  // what the buffers may take in all (0: unknown)
  std::string memory_limit_source_;
  std::vector<ClDataset> datasets_;
};

// Mean of the per-row losses sgd_step left at order positions [first, first + count).
double mean_loss(Context& ctx, const ClDataset& d, std::size_t first, std::size_t count);
// Reads back the flags and losses an evaluation left in the dataset and counts them.
EvalCounts count_errors(Context& ctx, const ClDataset& d, std::size_t counted);

// Runs f, turning cl::Error into DeviceError with `what` (the public boundary of every op).
template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const cl::Error& e) {
    rethrow_cl_error(e, what);
  }
}

inline std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

// kernel_sources_hash() of the OpenCL build: FNV-1a over the sources of the families' programs.
std::string opencl_kernel_sources_hash();

// kernel_families() of the OpenCL build: the registry's families.
std::vector<FamilyInfo> opencl_kernel_families();

// program_variants() of the OpenCL build.
std::vector<std::string> opencl_program_variants(Impl impl, const DeviceDesc& device,
                                                 const NetworkSpec& net,
                                                 const CompileOptions& options);

}  // namespace clmnist::runtime
