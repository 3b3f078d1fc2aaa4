// An OpenCL device with its context, in-order queue and programs. Programs are built once per
// (source, defines) with options derived from the device, through the persistent binary cache.
// Internal to runtime/.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "device_info.hpp"
#include "kernel_cache.hpp"
#include "measurements.hpp"
#include "opencl_api.hpp"

namespace clmnist::runtime {

// One kernel launch timed by a profiling event.
struct KernelEvent {
  std::string kernel;
  cl::Event event;
};

class Context {
 public:
  Context(const DeviceDesc& desc, bool profiling, KernelCache cache);

  // Keep the driver's build logs (and on NVIDIA, -cl-nv-verbose) from now on.
  void keep_build_logs(bool on) { build_logs_ = on; }

  const DeviceDesc& desc() const { return desc_; }
  const cl::Device& device() const { return device_; }
  const cl::Context& context() const { return context_; }
  cl::CommandQueue& queue() { return queue_; }

  // "-cl-std=CL1.2" when the device's OpenCL C is 1.2 or newer, plus `defines`.
  std::string build_options(const std::string& defines) const;

  // cl/<name>.cl built with `defines`; cached in memory and on disk. Throws BuildError with the
  // device, the options and the full build log.
  cl::Program program(const std::string& name, const std::string& defines);

  const std::vector<BuildRecord>& builds() const { return builds_; }

  // Profiling: enqueue helpers record an event per launch when profiling is on.
  cl::Event* next_event(const std::string& kernel);
  // Sums of each kernel's profiled times since the last call (finishes the queue first).
  std::vector<KernelTime> take_kernel_times();

 private:
  cl::Program build_from_source(const std::string& source, const std::string& options,
                                const std::string& name);

  DeviceDesc desc_;
  cl::Device device_;
  cl::Context context_;
  cl::CommandQueue queue_;
  bool profiling_;
  KernelCache cache_;
  bool build_logs_ = false;
  std::map<std::string, cl::Program> programs_;
  std::vector<BuildRecord> builds_;
  std::vector<KernelEvent> events_;
};

// A kernel ready to launch: its name, argument count and local size are asked of the driver once,
// here, not on every launch.
class KernelHandle {
 public:
  KernelHandle() = default;
  // cl/<program>.cl's kernel `name`, built with `defines`. The local size is explicit and within
  // the kernel's and device's limits (PoCL runs simple kernels ~2x slower when left to choose):
  // `local` where it is not 0, else 4 on CPUs and 64 on GPUs, rounded down to a power of two.
  KernelHandle(Context& ctx, const std::string& program, const std::string& defines,
               const char* name, std::size_t local = 0);

  cl::Kernel& kernel() { return kernel_; }
  const std::string& name() const { return name_; }
  cl_uint num_args() const { return num_args_; }
  std::size_t local() const { return local_; }

 private:
  cl::Kernel kernel_;
  std::string name_;
  cl_uint num_args_ = 0;
  std::size_t local_ = 1;
};

// Sets every argument of a kernel, checking the count against the kernel's own.
template <class... Args>
void set_args(KernelHandle& k, const Args&... args) {
  if (k.num_args() != sizeof...(Args)) {
    throw std::logic_error("kernel " + k.name() + " takes " + std::to_string(k.num_args()) +
                           " arguments, given " + std::to_string(sizeof...(Args)));
  }
  cl_uint index = 0;
  (k.kernel().setArg(index++, args), ...);
}

// Enqueues a 1-D launch over n work-items, rounded up to the local size (kernels guard n).
void enqueue_1d(Context& ctx, KernelHandle& k, std::size_t n);

}  // namespace clmnist::runtime
