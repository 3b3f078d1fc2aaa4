// Context: device lookup, queue creation, program builds through the binary cache, launches.
#include "cl_context.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>

#include "errors.hpp"
#include "fault_injection.hpp"
#include "kernel_sources.hpp"

namespace clmnist::runtime {
namespace {

cl::Device find_device(const DeviceDesc& desc) {
  std::vector<cl::Platform> platforms;
  cl::Platform::get(&platforms);
  if (desc.platform_index < 0 ||
      static_cast<std::size_t>(desc.platform_index) >= platforms.size()) {
    throw DeviceNotFound("OpenCL platform " + std::to_string(desc.platform_index) +
                         " has gone away; run `clmnist devices` again");
  }
  std::vector<cl::Device> devices;
  platforms[static_cast<std::size_t>(desc.platform_index)].getDevices(CL_DEVICE_TYPE_ALL, &devices);
  if (desc.device_index < 0 || static_cast<std::size_t>(desc.device_index) >= devices.size()) {
    throw DeviceNotFound("OpenCL device " + desc.address() +
                         " has gone away; run `clmnist devices` again");
  }
  return devices[static_cast<std::size_t>(desc.device_index)];
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Context::Context(const DeviceDesc& desc, bool profiling, KernelCache cache)
    : desc_(desc), profiling_(profiling), cache_(std::move(cache)) {
  try {
    device_ = find_device(desc);
    fault_point("clCreateContext");
    context_ = cl::Context(device_);
    queue_ = cl::CommandQueue(context_, device_, profiling ? CL_QUEUE_PROFILING_ENABLE : 0);
  } catch (const cl::Error& e) {
    rethrow_cl_error(e, "opening OpenCL device " + desc.address() + " (" + desc.name + ")");
  }
}

std::string Context::build_options(const std::string& defines) const {
  static const std::regex kVersion(R"(OpenCL C (\d+)\.(\d+))");
  std::smatch m;
  std::string options;
  if (std::regex_search(desc_.opencl_c_version, m, kVersion)) {
    const int major = std::stoi(m[1]);
    const int minor = std::stoi(m[2]);
    if (major > 1 || (major == 1 && minor >= 2)) options = "-cl-std=CL1.2";
  }
  if (!defines.empty()) options += (options.empty() ? "" : " ") + defines;
  // NVIDIA's compiler then reports registers, spills and shared memory per kernel in the log.
  if (build_logs_ && desc_.platform.find("NVIDIA") != std::string::npos) {
    options += " -cl-nv-verbose";
  }
  return options;
}

cl::Program Context::build_from_source(const std::string& source, const std::string& options,
                                       const std::string& name) {
  // CLMNIST_FAULT=clBuildProgram[:n] fails the n-th build, clBuildProgram/<name>[:n] the n-th
  // build of cl/<name>.cl (one family's program).
  const bool fail = fault_active("clBuildProgram") ||
                    fault_active(("clBuildProgram/" + name).c_str());
  cl::Program program(
      context_, fail ? source + "\n#error injected build failure (CLMNIST_FAULT)\n" : source);
  try {
    program.build(std::vector<cl::Device>{device_}, options.c_str());
  } catch (const cl::Error& e) {
    std::string log;
    try {
      log = program.getBuildInfo<CL_PROGRAM_BUILD_LOG>(device_);
    } catch (const cl::Error&) {
      log = "(no build log available)";
    }
    throw BuildError("building kernel program cl/" + name + ".cl failed on device " +
                     desc_.address() + " (" + desc_.name + ", driver " + desc_.driver_version +
                     ") with options '" + options + "': " + cl_error_name(e.err()) +
                     "\nBuild log:\n" + log +
                     "\nIf the driver is at fault, try another device with --device.");
  }
  return program;
}

cl::Program Context::program(const std::string& name, const std::string& defines) {
  const std::string options = build_options(defines);
  const std::string mem_key = name + "\n" + options;
  if (auto it = programs_.find(mem_key); it != programs_.end()) return it->second;

  const auto t0 = std::chrono::steady_clock::now();
  const std::string source = kernels::find_source(name.c_str());
  const std::string key = "source:" + source + "\noptions:" + options + "\ndevice:" + desc_.name +
                          "\ndriver:" + desc_.driver_version + "\nplatform:" + desc_.platform;
  cl::Program program;
  bool from_cache = false;
  std::string problem;  // what is wrong with the cached entry: warned about once, then healed
  if (auto binary = cache_.load(key, &problem)) {
    try {
      program =
          cl::Program(context_, std::vector<cl::Device>{device_}, cl::Program::Binaries{*binary});
      program.build(std::vector<cl::Device>{device_}, options.c_str());
      from_cache = true;
    } catch (const cl::Error& e) {
      problem = "kernel cache entry '" + cache_.path_for(key) + "' was refused by the driver (" +
                cl_error_name(e.err()) + ")";
    }
  }
  if (!from_cache) {
    program = build_from_source(source, options, name);
    bool stored = false;
    try {
      auto binaries = program.getInfo<CL_PROGRAM_BINARIES>();
      if (!binaries.empty()) stored = cache_.store(key, binaries.front());
    } catch (const cl::Error&) {
      // A driver that cannot return binaries simply runs without the cache.
    }
    if (!problem.empty()) {
      cache_.warn(problem + "; built cl/" + name + ".cl from source" +
                  (stored ? " and replaced the entry" : " (the entry could not be replaced)"));
    }
  }
  std::string log;
  if (build_logs_ && !from_cache) {
    try {
      log = program.getBuildInfo<CL_PROGRAM_BUILD_LOG>(device_);
    } catch (const cl::Error&) {
      log = "(the driver returned no build log)";
    }
  }
  builds_.push_back({name, seconds_since(t0), from_cache, options, log});
  programs_.emplace(mem_key, program);
  return program;
}

cl::Event* Context::next_event(const std::string& kernel) {
  if (!profiling_) return nullptr;
  events_.push_back({kernel, cl::Event()});
  return &events_.back().event;
}

std::vector<KernelTime> Context::take_kernel_times() {
  queue_.finish();
  std::map<std::string, KernelTime> by_name;
  for (KernelEvent& k : events_) {
    const auto start = k.event.getProfilingInfo<CL_PROFILING_COMMAND_START>();
    const auto end = k.event.getProfilingInfo<CL_PROFILING_COMMAND_END>();
    KernelTime& t = by_name[k.kernel];
    t.kernel = k.kernel;
    t.calls += 1;
    t.total_seconds += static_cast<double>(end - start) * 1e-9;
  }
  events_.clear();
  std::vector<KernelTime> out;
  for (auto& kv : by_name) out.push_back(kv.second);
  return out;
}

KernelHandle::KernelHandle(Context& ctx, const std::string& program, const std::string& defines,
                           const char* name, std::size_t local)
    : kernel_(ctx.program(program, defines), name),
      name_(name),
      num_args_(kernel_.getInfo<CL_KERNEL_NUM_ARGS>()) {
  const std::size_t kernel_max = kernel_.getWorkGroupInfo<CL_KERNEL_WORK_GROUP_SIZE>(ctx.device());
  // GPUs: 64 work-items (two warps, one wavefront). CPUs: 4. PoCL runs each work-group as one
  // task on a worker thread; the kernels vectorise inside each work-item, so larger groups buy no
  // SIMD and leave too few tasks to balance (600 rows at 64 made 10 tasks for the threads and ran
  // 1.3-1.5x slower than at 4; docs/PERFORMANCE.md).
  const std::size_t preferred = local != 0 ? local : ctx.desc().type == DeviceType::kCpu ? 4 : 64;
  // Rounded down to a power of two: the kernels' tree reductions need one, and a driver may cap a
  // kernel at any size (192, say), which would otherwise drop partial sums silently.
  const std::size_t device_max = ctx.desc().max_work_group;  // 0: not reported
  const std::size_t limit =
      std::min<std::size_t>({preferred, kernel_max, device_max != 0 ? device_max : preferred});
  local_ = 1;
  while (local_ * 2 <= limit) local_ *= 2;
}

void enqueue_1d(Context& ctx, KernelHandle& k, std::size_t n) {
  fault_point("clEnqueueNDRangeKernel");  // every launch of every command comes through here
  const std::size_t global = (std::max<std::size_t>(n, 1) + k.local() - 1) / k.local() * k.local();
  ctx.queue().enqueueNDRangeKernel(k.kernel(), cl::NullRange, cl::NDRange(global),
                                   cl::NDRange(k.local()), nullptr, ctx.next_event(k.name()));
}

}  // namespace clmnist::runtime
