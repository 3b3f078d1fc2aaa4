// OpenCL backend: datasets on the device, the planner, and the device's ceilings. The
// implementations are in fused_executable.cpp, clblast_executable.cpp and staged_executable.cpp.
#include "opencl_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "errors.hpp"
#include "fault_injection.hpp"
#include "host_memory.hpp"
#include "kernel_sources.hpp"
#include "kernel_families.hpp"
#include "opencl_executables.hpp"
#include "sparse_rows.hpp"

namespace clmnist::runtime {

OpenClBackend::OpenClBackend(const DeviceDesc& device, const BackendOptions& options)
    : ctx_(device, options.profiling,
           KernelCache(options.kernel_cache ? options.cache_dir : std::string(), options.warn)),
      options_(options) {
  ctx_.keep_build_logs(options.build_logs);
  info_.backend = "opencl";
  info_.name = device.name;
  info_.vendor = device.vendor;
  info_.platform = device.platform;
  info_.type = to_string(device.type);
  info_.driver = device.driver_version;
  memory_limit_ = device.global_memory;
  memory_limit_source_ = "CL_DEVICE_GLOBAL_MEM_SIZE";
  if (device.type == DeviceType::kCpu) {  // its buffers are this host's memory
    const std::uint64_t host = host_memory_available();
    if (host != 0 && (memory_limit_ == 0 || host < memory_limit_)) {
      memory_limit_ = host;
      memory_limit_source_ = "the host memory this process may still use";
    }
  }
}

OpenClBackend::~OpenClBackend() {
  try {
    ctx_.queue().finish();
  } catch (...) {  // a lost device: nothing runs on it any more, and a destructor must not throw
  }
}

namespace {

// "812.3 MB", "8.6 GB".
std::string megabytes_text(std::uint64_t bytes) {
  char text[32];
  const double mb = static_cast<double>(bytes) / 1e6;
  if (mb >= 1000) {
    std::snprintf(text, sizeof text, "%.1f GB", mb / 1000);
  } else {
    std::snprintf(text, sizeof text, "%.1f MB", mb);
  }
  return text;
}

}  // namespace

cl::Buffer OpenClBackend::make_buffer(cl_mem_flags flags, std::size_t bytes, const char* what,
                                      void* host) {
  fault_point("clCreateBuffer");
  // Checked here, not left to the driver: PoCL allocates at first use and then ends the process
  // with an assertion, and other drivers fail a later launch with no word on which buffer.
  const DeviceDesc& d = ctx_.desc();
  const auto mb = [](std::uint64_t b) { return megabytes_text(b); };
  const std::string advice = "; make the minibatch or the network smaller (--batch-size, "
                             "--hidden) or choose another --device";
  if (bytes > d.max_allocation && d.max_allocation != 0) {
    throw DeviceError(std::string("the buffer for ") + what + " needs " + mb(bytes) + ", over " +
                          d.name + "'s largest allocation of " + mb(d.max_allocation) +
                          " (CL_DEVICE_MAX_MEM_ALLOC_SIZE)" + advice,
                      CL_INVALID_BUFFER_SIZE);
  }
  if (memory_limit_ != 0 && device_bytes_ + bytes > memory_limit_) {
    throw DeviceError("the run needs more memory than " + d.name + " has: " +
                          mb(device_bytes_ + bytes) + " in buffers so far (" + mb(bytes) +
                          " of them for " + what + ") against " + mb(memory_limit_) + " (" +
                          memory_limit_source_ + ")" + advice,
                      CL_MEM_OBJECT_ALLOCATION_FAILURE);
  }
  device_bytes_ += bytes;
  return cl::Buffer(ctx_.context(), flags, std::max<std::size_t>(bytes, 1), host);
}

std::unique_ptr<Executable> OpenClBackend::compile(const NetworkSpec& net,
                                                   const CompileOptions& options) {
  net.validate();
  if (options.max_batch == 0) throw std::invalid_argument("max_batch must be at least 1");
  return guarded("compiling the network for the OpenCL device",
                 [&]() -> std::unique_ptr<Executable> {
                   const auto refuse = [&](const char* family, const std::string& why) {
                     if (!why.empty()) {
                       throw UnfitError(std::string("--impl ") + family + " cannot run " +
                                        net.describe() + ": " + why +
                                        (net.all_dense() ? " (use dense or gpu)" : " (use conv, dense or gpu)"));
                     }
                   };
                   const bool fused_fits = fused_unfit(net, options).empty();
                   if (options.impl == Impl::kCpu && net.all_dense()) {
                     return fused_fits ? make_fused_executable(*this, net, options)
                                       : make_dense_executable(*this, net, options);
                   }
                   if (options.impl != Impl::kAuto && options.impl != Impl::kCpu) {
                     const KernelFamily& f = registered_family(options.impl);
                     refuse(f.name, f.unfit(net, options));
                     return f.make(*this, net, options);
                   }
                   // The built-in defaults of the device class (a tuned plan comes in as a forced
                   // family with its tunables), per stage. A convolutional front end: the conv
                   // family on every device. The dense layers: on CPUs the CPU families, so
                   // softmax regression keeps the fused kernels measured for it
                   // (docs/PERFORMANCE.md); on other devices the GPU family where it fits.
                   const bool cpu = ctx_.desc().type == DeviceType::kCpu;
                   if (!net.all_dense()) {
                     if (!conv_unfit(net, options).empty()) {
                       throw UnfitError("no kernel family runs " + net.describe() + ": " +
                                        conv_unfit(net, options));
                     }
                     return cpu || !gpu_unfit(net, options).empty()
                                ? make_conv_executable(*this, net, options)
                                : make_gpu_executable(*this, net, options);
                   }
                   if (cpu || !gpu_unfit(net, options).empty()) {
                     return fused_fits ? make_fused_executable(*this, net, options)
                                       : make_dense_executable(*this, net, options);
                   }
                   return make_gpu_executable(*this, net, options);
                 });
}

DatasetId OpenClBackend::upload(const DatasetView& data) {
  return guarded("uploading a dataset", [&] {
    if (data.rows != 0 && (data.images == nullptr || data.labels == nullptr)) {
      throw std::invalid_argument("dataset without images or labels");
    }
    if (data.features == 0) throw std::invalid_argument("dataset rows have no pixels");
    ClDataset d;
    d.rows = data.rows;
    d.features = data.features;
    d.stride = round_up(data.features, kRowAlign);
    const std::size_t stride = d.stride;
    d.labels = make_buffer(CL_MEM_READ_ONLY, data.rows, "labels");
    d.order = make_buffer(CL_MEM_READ_ONLY, data.rows * sizeof(std::uint32_t), "row order");
    d.identity = make_buffer(CL_MEM_READ_ONLY, data.rows * sizeof(std::uint32_t), "row order");
    d.loss = make_buffer(CL_MEM_READ_WRITE, data.rows * sizeof(float), "losses");
    d.wrong = make_buffer(CL_MEM_READ_WRITE, data.rows, "error flags");
    cl::CommandQueue& q = ctx_.queue();
    const auto copy_rows = [&](std::size_t r0, std::size_t n, std::uint8_t* to) {
      for (std::size_t r = 0; r < n; ++r) {
        std::uint8_t* row = to + r * stride;
        std::copy_n(data.images + (r0 + r) * data.features, data.features, row);
        std::fill(row + data.features, row + stride, std::uint8_t{0});
      }
    };
    if (ctx_.desc().type == DeviceType::kCpu && ctx_.desc().unified_memory) {
      d.host_x = std::make_unique<HostBlock>(data.rows * stride);
      copy_rows(0, data.rows, d.host_x->data());
      d.x = make_buffer(CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, data.rows * stride, "images",
                        d.host_x->data());
    } else if (stride == data.features) {
      d.x = make_buffer(CL_MEM_READ_ONLY, data.rows * stride, "images");
      q.enqueueWriteBuffer(d.x, CL_TRUE, 0, data.rows * stride, data.images);
    } else {  // pad each row with zeros to the stride, a block of rows at a time
      d.x = make_buffer(CL_MEM_READ_ONLY, data.rows * stride, "images");
      const std::size_t block = 4096;
      std::vector<std::uint8_t> padded(block * stride);
      for (std::size_t r0 = 0; r0 < data.rows; r0 += block) {
        const std::size_t n = std::min(block, data.rows - r0);
        copy_rows(r0, n, padded.data());
        q.enqueueWriteBuffer(d.x, CL_TRUE, r0 * stride, n * stride, padded.data());
      }
    }
    q.enqueueWriteBuffer(d.labels, CL_TRUE, 0, data.rows, data.labels);
    // Losses and error flags start at zero, as on the host: nothing reads uninitialised memory.
    q.enqueueFillBuffer(d.loss, 0.0f, 0, data.rows * sizeof(float));
    q.enqueueFillBuffer(d.wrong, cl_uchar{0}, 0, data.rows);
    std::vector<std::uint32_t> identity(data.rows);
    std::iota(identity.begin(), identity.end(), 0u);
    q.enqueueWriteBuffer(d.order, CL_TRUE, 0, data.rows * 4, identity.data());
    q.enqueueWriteBuffer(d.identity, CL_TRUE, 0, data.rows * 4, identity.data());
    datasets_.push_back(std::move(d));
    return datasets_.size() - 1;
  });
}

ClDataset& OpenClBackend::dataset(DatasetId id) {
  if (id >= datasets_.size()) throw std::out_of_range("unknown dataset id");
  return datasets_[id];
}

ClDataset& OpenClBackend::sparse_dataset(DatasetId id) { return with_sparse_index(dataset(id)); }

ClDataset& OpenClBackend::with_sparse_index(ClDataset& d) {
  if (d.nz_start() != nullptr) return d;  // built before
  cl::CommandQueue& q = ctx_.queue();
  std::vector<std::uint8_t> copy;  // the rows, where the device holds the only copy
  if (d.host_x == nullptr && d.rows != 0) {
    copy.resize(d.rows * d.stride);
    q.enqueueReadBuffer(d.x, CL_TRUE, 0, copy.size(), copy.data());
  }
  SparseRows s = sparse_rows(d.host_x != nullptr ? d.host_x->data() : copy.data(), d.rows,
                             d.stride, d.features);
  const std::size_t start_bytes = (d.rows + 1) * 4, index_bytes = s.nonzeros * 2;
  if (d.host_x != nullptr) {  // a CPU device with unified memory: the index used in place
    std::uint8_t* base = s.block->data();
    d.nz_start = make_buffer(CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, start_bytes, "sparse index",
                             base);
    d.nz_index = make_buffer(CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, index_bytes,
                             "sparse index", base + s.index_offset);
    d.nz_value = make_buffer(CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, s.nonzeros, "sparse index",
                             base + s.value_offset);
    d.host_nz = std::move(s.block);
    return d;
  }
  d.nz_start = make_buffer(CL_MEM_READ_ONLY, start_bytes, "sparse index");
  d.nz_index = make_buffer(CL_MEM_READ_ONLY, index_bytes, "sparse index");
  d.nz_value = make_buffer(CL_MEM_READ_ONLY, s.nonzeros, "sparse index");
  q.enqueueWriteBuffer(d.nz_start, CL_TRUE, 0, start_bytes, s.start());
  if (s.nonzeros != 0) {
    q.enqueueWriteBuffer(d.nz_index, CL_TRUE, 0, index_bytes, s.index());
    q.enqueueWriteBuffer(d.nz_value, CL_TRUE, 0, s.nonzeros, s.value());
  }
  return d;
}

void OpenClBackend::set_order(DatasetId id, const std::vector<std::uint32_t>& order) {
  guarded("setting the row order", [&] {
    ClDataset& d = dataset(id);
    if (order.size() != d.rows) throw std::invalid_argument("order size differs from the rows");
    if (d.rows != 0) ctx_.queue().enqueueWriteBuffer(d.order, CL_TRUE, 0, d.rows * 4, order.data());
  });
}

void zero_buffers(Context& ctx, std::initializer_list<const cl::Buffer*> buffers) {
  for (const cl::Buffer* buf : buffers) {
    std::size_t bytes = 0;
    buf->getInfo(CL_MEM_SIZE, &bytes);
    ctx.queue().enqueueFillBuffer(*buf, 0.0f, 0, bytes);
  }
}

std::string dense_family_unfit(const NetworkSpec& net) {
  for (const Layer& l : net.layers) {
    if (l.kind != LayerKind::kDense) {
      return std::string("its kernels run dense layers only, and the network has a ") +
             to_string(l.kind) + " layer";
    }
  }
  return "";
}

ParamSlot param_slot(const NetworkSpec& net, const std::string& name, std::size_t values) {
  const ParamSpec p = net.param(name);  // throws for an unknown name
  if (values != 0 && values != p.size()) {
    throw std::invalid_argument("parameter '" + name + "' needs " + std::to_string(p.size()) +
                                " values, not " + std::to_string(values));
  }
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    if (net.layers[l].weight == name) return {l, false};
    if (net.layers[l].bias == name) return {l, true};
  }
  return {};
}

ClDataset& network_dataset(OpenClBackend& be, const NetworkSpec& net, DatasetId id, bool sparse) {
  ClDataset& d = sparse ? be.sparse_dataset(id) : be.dataset(id);
  if (d.features != net.features()) {
    throw std::invalid_argument("dataset has " + std::to_string(d.features) +
                                " features, the network takes " + std::to_string(net.features()));
  }
  return d;
}

std::vector<std::string> opencl_program_variants(Impl impl, const DeviceDesc& device,
                                                 const NetworkSpec& net,
                                                 const CompileOptions& options) {
  if (impl == Impl::kAuto || impl == Impl::kCpu) return {};
  const KernelFamily& f = registered_family(impl);
  return f.programs != nullptr ? f.programs(device, net, options) : std::vector<std::string>{};
}

std::string opencl_kernel_sources_hash() {
  std::uint64_t h = 1469598103934665603ull;
  std::vector<std::string> seen;  // each program once, in the registry's order
  for (const KernelFamily& f : registered_families()) {
    for (const char* name : f.sources) {
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.emplace_back(name);
      for (const char* c = kernels::find_source(name); *c != '\0'; ++c) {
        h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
      }
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::vector<FamilyInfo> opencl_kernel_families() {
  std::vector<FamilyInfo> out;
  for (const KernelFamily& f : registered_families()) {
    FamilyInfo i{f.impl, f.name, f.runs, "", "", f.tunable_scope, f.unfit, f.grid};
    for (const char* src : f.sources) i.programs += (i.programs.empty() ? "cl/" : ", cl/") + std::string(src) + ".cl";
    if (f.tunable_names != nullptr) {
      for (const std::string& n : f.tunable_names()) i.tunables += (i.tunables.empty() ? "" : ", ") + n;
    }
    out.push_back(std::move(i));
  }
  return out;
}

double mean_loss(Context& ctx, const ClDataset& d, std::size_t first, std::size_t count) {
  if (count == 0) return 0.0;
  if (first > d.rows || count > d.rows - first) {
    throw std::out_of_range("loss rows outside the dataset");
  }
  std::vector<float> loss(count);
  ctx.queue().enqueueReadBuffer(d.loss, CL_TRUE, first * 4, count * 4, loss.data());
  double s = 0.0;
  for (float v : loss) s += v;
  return s / static_cast<double>(count);
}

EvalCounts count_errors(Context& ctx, const ClDataset& d, std::size_t counted) {
  EvalCounts out;
  if (d.rows == 0) return out;
  std::vector<std::uint8_t> wrong(d.rows);
  std::vector<float> loss(d.rows);
  ctx.queue().enqueueReadBuffer(d.wrong, CL_FALSE, 0, d.rows, wrong.data());
  ctx.queue().enqueueReadBuffer(d.loss, CL_TRUE, 0, d.rows * 4, loss.data());
  for (std::size_t i = 0; i < d.rows; ++i) {
    out.errors_all += wrong[i];
    if (i < counted) out.errors_counted += wrong[i];
    out.nll_sum_all += loss[i];
  }
  return out;
}

void OpenClBackend::finish() {
  guarded("waiting for the device", [&] { ctx_.queue().finish(); });
}

Ceilings OpenClBackend::measure_ceilings() {
  return guarded("measuring device ceilings", [&] {
    using clock = std::chrono::steady_clock;
    cl::CommandQueue& q = ctx_.queue();
    Ceilings c;
    // Bandwidth: float4 copy of 64 MiB (or a quarter of the largest allocation), best of 5.
    std::size_t bytes = std::size_t{64} << 20;
    if (ctx_.desc().max_allocation != 0)
      bytes = std::min<std::size_t>(bytes, ctx_.desc().max_allocation / 4);
    const std::size_t n4 = bytes / 16;
    cl::Buffer in(ctx_.context(), CL_MEM_READ_WRITE, n4 * 16),
        out(ctx_.context(), CL_MEM_READ_WRITE, n4 * 16);
    q.enqueueFillBuffer(in, 1.0f, 0, n4 * 16);
    KernelHandle copy(ctx_, "ceilings", "", "bandwidth_copy");
    set_args(copy, in, out, static_cast<cl_uint>(n4));
    double best = 1e30;
    for (int r = 0; r < 6; ++r) {
      q.finish();
      const auto t0 = clock::now();
      enqueue_1d(ctx_, copy, n4);
      q.finish();
      if (r > 0) best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    c.bandwidth_gb_s = 2.0 * static_cast<double>(n4 * 16) / best * 1e-9;
    // FMA rate: enough work-items to fill every compute unit, each 8 chains of float4 mad.
    const int iters = 4096;
    const unsigned vec = fused_tuning(ctx_.desc(), {}).vec;  // the device's float vector width
    KernelHandle fma(ctx_, "ceilings",
                     "-DFMA_ITERS=" + std::to_string(iters) + " -DVEC=" + std::to_string(vec),
                     "fma_rate");
    const std::size_t items =
        std::max<std::size_t>(4096, std::size_t{ctx_.desc().compute_units} * 2048);
    cl::Buffer sink(ctx_.context(), CL_MEM_WRITE_ONLY, items * sizeof(float));
    set_args(fma, 0.5f, sink);
    best = 1e30;
    for (int r = 0; r < 4; ++r) {
      q.finish();
      const auto t0 = clock::now();
      enqueue_1d(ctx_, fma, items);
      q.finish();
      if (r > 0) best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    c.fma_gflop_s = static_cast<double>(items) * iters * 8 * vec * 2 / best * 1e-9;
    // Launch latency: one work-group of an empty kernel. Dependent launches in an in-order
    // queue, as a training step's are; best of 3 batches of 1000, and the median round trip.
    KernelHandle empty(ctx_, "ceilings", "", "empty_kernel");
    set_args(empty, sink);
    best = 1e30;
    for (int r = 0; r < 4; ++r) {
      q.finish();
      const auto t0 = clock::now();
      for (int k = 0; k < 1000; ++k) enqueue_1d(ctx_, empty, 1);
      q.finish();
      if (r > 0) best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    c.launch_us = best * 1e6 / 1000.0;
    std::vector<double> trips;
    for (int r = 0; r < 101; ++r) {
      const auto t0 = clock::now();
      enqueue_1d(ctx_, empty, 1);
      q.finish();
      trips.push_back(std::chrono::duration<double>(clock::now() - t0).count() * 1e6);
    }
    std::nth_element(trips.begin(), trips.begin() + 50, trips.end());
    c.round_trip_us = trips[50];
    return c;
  });
}

}  // namespace clmnist::runtime
