// The Backend interface: a device that holds datasets and compiles networks (network.hpp) into
// executables (executable.hpp). model/ talks only to these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "device_info.hpp"
#include "executable.hpp"
#include "measurements.hpp"

namespace clmnist::runtime {

// What a run reports about the device it used (summary JSON, model metadata).
struct BackendInfo {
  std::string backend;  // "opencl" or "host"
  std::string name;
  std::string vendor;
  std::string platform;
  std::string type;
  std::string driver;
};

// Labelled uint8 images: images [rows x features] row-major, labels [rows].
struct DatasetView {
  const std::uint8_t* images = nullptr;
  const std::uint8_t* labels = nullptr;
  std::size_t rows = 0;
  std::size_t features = 0;
};

// A device's own ceilings, measured by small kernels of the project's.
struct Ceilings {
  double bandwidth_gb_s = 0.0;  // streaming copy, bytes read + written per second
  double fma_gflop_s = 0.0;     // FP32 multiply-add rate, 2 FLOP per FMA
  double launch_us = 0.0;       // an empty kernel, 1000 queued back to back: per launch
  double round_trip_us = 0.0;   // one empty kernel, enqueue to clFinish returning (median)
};

// Which implementation family runs the layers: the planner's choice (auto) or a forced one.
// cpu: the CPU-shaped kernels (fused where it fits, else dense); fused: cl/fused.cl (one dense
// layer + softmax head, no weight decay); dense: per-layer kernels of cl/dense.cl (any network);
// gpu: the GPU-shaped per-layer kernels of cl/gpu.cl (any network); clblast: CLBlast GEMMs with
// cl/softmax.cl (one dense layer + softmax head, no weight decay); conv: cl/conv.cl for a front
// end of conv2d, max-pool, activation and flatten layers, with the dense tail on dense's kernels.
enum class Impl { kAuto, kCpu, kFused, kDense, kGpu, kClblast, kConv };
const char* to_string(Impl impl);
Impl parse_impl(const std::string& name);  // throws std::invalid_argument

// Tunable settings of an implementation family by name: "fwd_wg" = 128 sets it for every layer,
// "L2.fwd_wg" for layer 2 only (1-based). Unset ones take the built-in defaults of the device
// class; a family refuses names it does not have.
using Tunables = std::map<std::string, unsigned>;

struct CompileOptions {
  std::size_t max_batch = 0;  // rows of the largest sgd_step
  Impl impl = Impl::kAuto;
  bool weight_decay = false;  // sgd_step may be given l1 or l2 != 0
  Tunables tunables;          // for the family that runs (the planner's or the forced one)
};

// A backend is a device: it holds datasets, programs, caches and profiling, and compiles
// networks into executables. Executables refer to it and must not outlive it.
class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  virtual const BackendInfo& info() const = 0;

  // Compiles `net` for minibatches of up to options.max_batch rows; parameters start at zero.
  // Throws std::invalid_argument when a forced implementation cannot run the network (the
  // message says why and what can).
  virtual std::unique_ptr<Executable> compile(const NetworkSpec& net,
                                              const CompileOptions& options) = 0;

  // Makes a dataset resident (uint8, as given). Its row order starts as the identity.
  virtual DatasetId upload(const DatasetView& data) = 0;

  // The order in which sgd_step visits the rows of a dataset (a permutation of 0..rows-1).
  virtual void set_order(DatasetId id, const std::vector<std::uint32_t>& order) = 0;

  // Waits until all queued work is done.
  virtual void finish() = 0;

  // Per-kernel device times since the last call; empty unless profiling is on (OpenCL only).
  virtual std::vector<KernelTime> take_kernel_times() { return {}; }
  // Program builds so far (OpenCL only).
  virtual std::vector<BuildRecord> builds() const { return {}; }
  // Bytes of device memory allocated by this backend and its executables.
  virtual std::size_t device_bytes() const { return 0; }

  // Memory bandwidth and FMA rate of the device (takes a second or so).
  virtual Ceilings measure_ceilings() = 0;
};

// Argument checks every backend makes (std::invalid_argument: a caller's mistake, not bad data).
void check_dataset_shape(const DatasetView& data, std::size_t features);
// The rows [first, first + count) of a minibatch fit the dataset and the compiled batch.
void check_minibatch(std::size_t first, std::size_t count, std::size_t rows, std::size_t max_batch);

// Overrides of the fused kernels' tunables (0 or -1: the device's default); see fused_tuning.
struct FusedOverrides {
  unsigned vec = 0;    // 2, 4, 8 or 16
  unsigned rows = 0;   // 1 to 4
  int skip_zero = -1;  // 0 or 1
};

struct BackendOptions {
  FusedOverrides fused;
  bool profiling = false;    // OpenCL profiling events (the benchmark's per-kernel times)
  bool kernel_cache = true;  // persistent program-binary cache
  std::string cache_dir;     // where the binaries go; empty: no persistent cache
  // Keep each source build's driver log in builds(), and ask NVIDIA's compiler for its register
  // and spill report (-cl-nv-verbose); the benchmark's records carry them.
  bool build_logs = false;
  // Hears what the backend recovered from, one message each (a damaged kernel cache entry,
  // rebuilt and replaced); nullptr: nobody.
  std::function<void(const std::string&)> warn;
};

// A hash of every kernel source an implementation family builds (hex, 16 digits; "" without
// OpenCL): tuned settings are only valid for the sources they were measured with.
std::string kernel_sources_hash();

// The kernel programs family `impl` builds for `net` on `device` with `options`, one line each:
// "cl/<file>.cl <defines>" (the compile matrix of ci/lint-kernels.sh builds each). Only kGpu, kConv,
// kDense and kFused have programs of their own; throws std::invalid_argument as compile does.
std::vector<std::string> program_variants(Impl impl, const DeviceDesc& device,
                                          const NetworkSpec& net, const CompileOptions& options);

// A kernel family of the OpenCL build as the commands show it (tune --list, bench).
struct FamilyInfo {
  Impl impl = Impl::kAuto;
  std::string name;           // "fused", as --impl takes it
  std::string runs;           // the networks it runs, one line
  std::string programs;       // "cl/fused.cl, cl/fused_sparse.cl, cl/softmax.cl"
  std::string tunables;       // "vec, rows, ..." ("" none)
  std::string tunable_scope;  // how they apply ("every layer", ...)
  // Why it cannot run a network with these options ("": it can).
  std::string (*unfit)(const NetworkSpec& net, const CompileOptions& options) = nullptr;
  // The tuner's grid for a network: the tunable sets worth measuring, the likeliest first
  // (nullptr: the family as it is, one candidate).
  std::vector<Tunables> (*grid)(const NetworkSpec& net) = nullptr;
};
// Every registered family (runtime/kernel_families.cpp), in the planner's order; empty without
// OpenCL.
std::vector<FamilyInfo> kernel_families();

// The backend for a listed device: the host backend or an OpenCL one.
std::unique_ptr<Backend> make_backend(const DeviceDesc& device, const BackendOptions& options);

}  // namespace clmnist::runtime
