// The Backend interface: the few operations softmax-regression training needs, with datasets and
// parameters resident in the backend. model/ talks only to this; the OpenCL backend fuses freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "device_info.hpp"

namespace clmnist::runtime {

// What a run reports about the device it used (summary JSON, model metadata).
struct BackendInfo {
  std::string backend;  // "opencl" or "host"
  std::string name;
  std::string vendor;
  std::string platform;
  std::string type;
  std::string driver;
  std::string gemm_path;  // how the GEMMs run: "fused", "clblast" or "host"
};

// Labelled uint8 images: images [rows x features] row-major, labels [rows].
struct DatasetView {
  const std::uint8_t* images = nullptr;
  const std::uint8_t* labels = nullptr;
  std::size_t rows = 0;
  std::size_t features = 0;
};

// Error counts of one evaluation pass.
struct EvalCounts {
  std::uint64_t errors_counted = 0;  // among the first `counted` rows (the reference protocol)
  std::uint64_t errors_all = 0;      // among all rows
  double nll_sum_all = 0.0;          // summed NLL over all rows
};

using DatasetId = std::size_t;

// Time spent in one kernel (or library call), summed over calls, from profiling events.
struct KernelTime {
  std::string kernel;
  std::size_t calls = 0;
  double total_seconds = 0.0;
};

// One program build: from source, or from the persistent binary cache.
struct BuildRecord {
  std::string program;
  double seconds = 0.0;
  bool from_cache = false;
};

// A device's own ceilings, measured by small kernels of the project's.
struct Ceilings {
  double bandwidth_gb_s = 0.0;  // streaming copy, bytes read + written per second
  double fma_gflop_s = 0.0;     // FP32 multiply-add rate, 2 FLOP per FMA
};

class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  virtual const BackendInfo& info() const = 0;

  // Fixes the layer shape and pixel scale for this session and prepares kernels and scratch
  // buffers for minibatches of up to max_batch rows. Call once, before anything below.
  virtual void configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                         float pixel_scale) = 0;

  // Makes a dataset resident (uint8, as given). Its row order starts as the identity.
  virtual DatasetId upload(const DatasetView& data) = 0;

  // The order in which sgd_step visits the rows of a dataset (a permutation of 0..rows-1).
  virtual void set_order(DatasetId id, const std::vector<std::uint32_t>& order) = 0;

  // Parameters: wt [classes x features] (the transpose of the tutorial's W), b [classes].
  virtual void set_params(const std::vector<float>& wt, const std::vector<float>& b) = 0;
  virtual void get_params(std::vector<float>& wt, std::vector<float>& b) = 0;

  // One SGD step of the mean NLL over rows order[first .. first + count): queued, no host sync.
  virtual void sgd_step(DatasetId id, std::size_t first, std::size_t count, float lr) = 0;

  // Mean training NLL of the rows at order positions [first, first + count), as computed by the
  // sgd_steps that visited them (before their update). Synchronises.
  virtual double train_loss(DatasetId id, std::size_t first, std::size_t count) = 0;

  // Errors of the current parameters over all rows in storage order. Synchronises.
  virtual EvalCounts evaluate(DatasetId id, std::size_t counted) = 0;

  // Class probabilities of rows [first, first + count) in storage order: [count x classes].
  virtual std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) = 0;

  // Waits until all queued work is done.
  virtual void finish() = 0;

  // Per-kernel device times since the last call; empty unless profiling is on (OpenCL only).
  virtual std::vector<KernelTime> take_kernel_times() { return {}; }
  // Program builds so far (OpenCL only).
  virtual std::vector<BuildRecord> builds() const { return {}; }
  // Bytes of device memory allocated by this backend.
  virtual std::size_t device_bytes() const { return 0; }

  // Memory bandwidth and FMA rate of the device (takes a second or so).
  virtual Ceilings measure_ceilings() = 0;
};

// Argument checks every backend makes (std::invalid_argument: a caller's mistake, not bad data).
void check_dataset_shape(const DatasetView& data, std::size_t features);
void check_param_shape(const std::vector<float>& wt, const std::vector<float>& b,
                       std::size_t features, std::size_t classes);

enum class GemmPath { kAuto, kFused, kClblast };

struct BackendOptions {
  GemmPath gemm = GemmPath::kAuto;
  bool profiling = false;    // OpenCL profiling events (the benchmark's per-kernel times)
  bool kernel_cache = true;  // persistent program-binary cache
  std::string cache_dir;     // empty: the default (see kernel_cache.hpp)
};

// The backend for a listed device: the host backend or an OpenCL one.
std::unique_ptr<Backend> make_backend(const DeviceDesc& device, const BackendOptions& options);

}  // namespace clmnist::runtime
