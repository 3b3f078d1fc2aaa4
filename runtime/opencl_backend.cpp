// OpenCL backend ops. Every public op converts cl::Error into DeviceError at this boundary.
#include "opencl_backend.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "clblast_gemm.hpp"
#include "errors.hpp"
#include "fault_injection.hpp"

namespace clmnist::runtime {
namespace {

template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const cl::Error& e) {
    rethrow_cl_error(e, what);
  }
}

std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

GemmPath resolve_path(GemmPath requested, const DeviceDesc& d) {
  if (requested != GemmPath::kAuto) return requested;
  // Skinny 10-column GEMMs: CLBlast reaches 5-13 GFLOP/s on a CPU device, the fused kernels far
  // more (docs/PERFORMANCE.md); on GPUs CLBlast's tuned kernels are the default.
  return d.type == DeviceType::kCpu ? GemmPath::kFused : GemmPath::kClblast;
}

}  // namespace

unsigned fused_vector_width(const DeviceDesc& device) {
  if (const char* v = std::getenv("CLMNIST_VEC"); v != nullptr && *v != '\0') {
    const unsigned n = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    if (n == 2 || n == 4 || n == 8 || n == 16) return n;
    throw Error(std::string("CLMNIST_VEC must be 2, 4, 8 or 16, not '") + v + "'");
  }
  if (device.type == DeviceType::kCpu) {
    return device.preferred_float_vector >= 16 ? 16u : device.preferred_float_vector >= 8 ? 8u : 4u;
  }
  return 4u;
}

OpenClBackend::OpenClBackend(const DeviceDesc& device, const BackendOptions& options)
    : ctx_(device, options.profiling,
           KernelCache(options.kernel_cache
                           ? (options.cache_dir.empty() ? KernelCache::default_dir()
                                                        : options.cache_dir)
                           : std::string())),
      options_(options),
      path_(resolve_path(options.gemm, device)),
      vec_(fused_vector_width(device)) {
  info_.backend = "opencl";
  info_.name = device.name;
  info_.vendor = device.vendor;
  info_.platform = device.platform;
  info_.type = to_string(device.type);
  info_.driver = device.driver_version;
  info_.gemm_path = path_ == GemmPath::kFused ? "fused" : "clblast";
}

cl::Buffer OpenClBackend::make_buffer(cl_mem_flags flags, std::size_t bytes, const char* what) {
  fault_point("clCreateBuffer");
  if (bytes > ctx_.desc().max_allocation && ctx_.desc().max_allocation != 0) {
    throw DeviceError(std::string("buffer for ") + what + " needs " + std::to_string(bytes) +
                          " bytes, over the device's maximum allocation of " +
                          std::to_string(ctx_.desc().max_allocation),
                      CL_INVALID_BUFFER_SIZE);
  }
  device_bytes_ += bytes;
  return cl::Buffer(ctx_.context(), flags, std::max<std::size_t>(bytes, 1));
}

cl::Kernel OpenClBackend::kernel(const std::string& program, const char* name) {
  const std::string defines = "-DNUM_CLASSES=" + std::to_string(classes_) +
                              " -DVEC=" + std::to_string(vec_);
  return cl::Kernel(ctx_.program(program, defines), name);
}

void OpenClBackend::configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                              float pixel_scale) {
  guarded("preparing the OpenCL device", [&] {
    features_ = features;
    classes_ = classes;
    max_batch_ = max_batch;
    scale_ = pixel_scale;
    stride_ = round_up(features, vec_);
    if (path_ == GemmPath::kFused) {
      k_.forward_backward = kernel("fused", "fused_forward_backward");
      k_.weight_update = kernel("fused", "fused_weight_update");
      k_.evaluate = kernel("fused", "fused_evaluate");
      k_.logits = kernel("fused", "fused_logits");
    } else {
      k_.u8_to_f32 = kernel("prepare", "u8_to_f32");
      k_.xent_grad = kernel("softmax", "softmax_xent_grad");
      k_.count_errors = kernel("softmax", "count_errors");
      k_.nll = kernel("softmax", "nll_rows");
      k_.bias_update = kernel("sgd", "bias_grad_update");
      xf_ = make_buffer(CL_MEM_READ_WRITE, max_batch * stride_ * sizeof(float), "float minibatch");
    }
    k_.softmax = kernel("softmax", "softmax_rows");
    wt_ = make_buffer(CL_MEM_READ_WRITE, classes * stride_ * sizeof(float), "weights");
    b_ = make_buffer(CL_MEM_READ_WRITE, classes * sizeof(float), "bias");
    logits_ = make_buffer(CL_MEM_READ_WRITE, max_batch * classes * sizeof(float), "logits");
    dlogits_ = make_buffer(CL_MEM_READ_WRITE, max_batch * classes * sizeof(float), "dlogits");
    probs_ = make_buffer(CL_MEM_READ_WRITE, max_batch * classes * sizeof(float), "probabilities");
    set_params(std::vector<float>(classes * features, 0.0f), std::vector<float>(classes, 0.0f));
  });
}

DatasetId OpenClBackend::upload(const DatasetView& data) {
  return guarded("uploading a dataset", [&] {
    if (data.features != features_) {
      throw std::invalid_argument("dataset has " + std::to_string(data.features) +
                                  " features, the backend was configured for " +
                                  std::to_string(features_));
    }
    Dataset d;
    d.rows = data.rows;
    d.x = make_buffer(CL_MEM_READ_ONLY, data.rows * stride_, "images");
    d.labels = make_buffer(CL_MEM_READ_ONLY, data.rows, "labels");
    d.order = make_buffer(CL_MEM_READ_ONLY, data.rows * sizeof(std::uint32_t), "row order");
    d.identity = make_buffer(CL_MEM_READ_ONLY, data.rows * sizeof(std::uint32_t), "row order");
    d.loss = make_buffer(CL_MEM_READ_WRITE, data.rows * sizeof(float), "losses");
    d.wrong = make_buffer(CL_MEM_READ_WRITE, data.rows, "error flags");
    cl::CommandQueue& q = ctx_.queue();
    if (stride_ == features_) {
      q.enqueueWriteBuffer(d.x, CL_TRUE, 0, data.rows * stride_, data.images);
    } else {  // pad each row with zeros to the vector width, a block of rows at a time
      const std::size_t block = 4096;
      std::vector<std::uint8_t> padded(block * stride_, 0);
      for (std::size_t r0 = 0; r0 < data.rows; r0 += block) {
        const std::size_t n = std::min(block, data.rows - r0);
        for (std::size_t r = 0; r < n; ++r) {
          std::copy_n(data.images + (r0 + r) * features_, features_, padded.data() + r * stride_);
        }
        q.enqueueWriteBuffer(d.x, CL_TRUE, r0 * stride_, n * stride_, padded.data());
      }
    }
    q.enqueueWriteBuffer(d.labels, CL_TRUE, 0, data.rows, data.labels);
    std::vector<std::uint32_t> identity(data.rows);
    std::iota(identity.begin(), identity.end(), 0u);
    q.enqueueWriteBuffer(d.order, CL_TRUE, 0, data.rows * 4, identity.data());
    q.enqueueWriteBuffer(d.identity, CL_TRUE, 0, data.rows * 4, identity.data());
    datasets_.push_back(std::move(d));
    return datasets_.size() - 1;
  });
}

OpenClBackend::Dataset& OpenClBackend::dataset(DatasetId id) {
  if (id >= datasets_.size()) throw std::out_of_range("unknown dataset id");
  return datasets_[id];
}

void OpenClBackend::set_order(DatasetId id, const std::vector<std::uint32_t>& order) {
  guarded("setting the row order", [&] {
    Dataset& d = dataset(id);
    if (order.size() != d.rows) throw std::invalid_argument("order size differs from the rows");
    ctx_.queue().enqueueWriteBuffer(d.order, CL_TRUE, 0, d.rows * 4, order.data());
  });
}

void OpenClBackend::set_params(const std::vector<float>& wt, const std::vector<float>& b) {
  guarded("writing parameters", [&] {
    if (wt.size() != classes_ * features_ || b.size() != classes_) {
      throw std::invalid_argument("parameter sizes differ from the configured shape");
    }
    std::vector<float> padded(classes_ * stride_, 0.0f);
    for (std::size_t c = 0; c < classes_; ++c) {
      std::copy_n(wt.data() + c * features_, features_, padded.data() + c * stride_);
    }
    ctx_.queue().enqueueWriteBuffer(wt_, CL_TRUE, 0, padded.size() * 4, padded.data());
    ctx_.queue().enqueueWriteBuffer(b_, CL_TRUE, 0, classes_ * 4, b.data());
  });
}

void OpenClBackend::get_params(std::vector<float>& wt, std::vector<float>& b) {
  guarded("reading parameters", [&] {
    std::vector<float> padded(classes_ * stride_);
    ctx_.queue().enqueueReadBuffer(wt_, CL_TRUE, 0, padded.size() * 4, padded.data());
    wt.resize(classes_ * features_);
    for (std::size_t c = 0; c < classes_; ++c) {
      std::copy_n(padded.data() + c * stride_, features_, wt.data() + c * features_);
    }
    b.resize(classes_);
    ctx_.queue().enqueueReadBuffer(b_, CL_TRUE, 0, classes_ * 4, b.data());
  });
}

void OpenClBackend::sgd_step(DatasetId id, std::size_t first, std::size_t count, float lr) {
  guarded("running an SGD step", [&] {
    Dataset& d = dataset(id);
    if (count == 0 || count > max_batch_ || first + count > d.rows) {
      throw std::out_of_range("minibatch outside the dataset or larger than configured");
    }
    const auto first_u = static_cast<cl_uint>(first);
    const auto count_u = static_cast<cl_uint>(count);
    const auto stride_u = static_cast<cl_uint>(stride_);
    const float inv_count = 1.0f / static_cast<float>(count);
    fault_point("clEnqueueNDRangeKernel");
    if (path_ == GemmPath::kFused) {
      set_args(k_.forward_backward, d.x, d.labels, d.order, first_u, count_u, stride_u, scale_,
               inv_count, wt_, b_, dlogits_, d.loss);
      enqueue_1d(ctx_, k_.forward_backward, count);
      set_args(k_.weight_update, d.x, d.order, first_u, count_u, stride_u, scale_, lr, dlogits_,
               wt_, b_);
      enqueue_1d(ctx_, k_.weight_update, stride_ / vec_ + 1);
      return;
    }
    logits_rows(d, d.order, first, count);
    set_args(k_.xent_grad, logits_, b_, d.labels, d.order, first_u, count_u, inv_count, dlogits_,
             d.loss);
    enqueue_1d(ctx_, k_.xent_grad, count);
    // wt [K x stride] += -lr * dlogits^T [K x count] . xf [count x stride]
    GemmArgs g;
    g.trans_a = true;
    g.m = classes_;
    g.n = stride_;
    g.k = count;
    g.alpha = -lr;
    g.a = &dlogits_;
    g.lda = classes_;
    g.b = &xf_;
    g.ldb = stride_;
    g.beta = 1.0f;
    g.c = &wt_;
    g.ldc = stride_;
    clblast_sgemm(ctx_, g, "clblast_sgemm_weight_update");
    set_args(k_.bias_update, dlogits_, count_u, lr, b_);
    enqueue_1d(ctx_, k_.bias_update, classes_);
  });
}

void OpenClBackend::logits_rows(Dataset& d, const cl::Buffer& order, std::size_t first,
                                std::size_t count) {
  const auto first_u = static_cast<cl_uint>(first);
  const auto count_u = static_cast<cl_uint>(count);
  const auto stride_u = static_cast<cl_uint>(stride_);
  if (path_ == GemmPath::kFused) {
    // fused_logits reads storage order; callers pass the identity order on this path.
    set_args(k_.logits, d.x, first_u, count_u, stride_u, scale_, wt_, logits_);
    enqueue_1d(ctx_, k_.logits, count);
    return;
  }
  set_args(k_.u8_to_f32, d.x, order, first_u, count_u, stride_u, scale_, xf_);
  enqueue_1d(ctx_, k_.u8_to_f32, count * stride_);
  // logits [count x K] = xf [count x stride] . wt^T [stride x K]
  GemmArgs g;
  g.trans_b = true;
  g.m = count;
  g.n = classes_;
  g.k = stride_;
  g.a = &xf_;
  g.lda = stride_;
  g.b = &wt_;
  g.ldb = stride_;
  g.c = &logits_;
  g.ldc = classes_;
  clblast_sgemm(ctx_, g, "clblast_sgemm_logits");
}

double OpenClBackend::train_loss(DatasetId id, std::size_t first, std::size_t count) {
  return guarded("reading training losses", [&] {
    Dataset& d = dataset(id);
    if (count == 0) return 0.0;
    if (first + count > d.rows) throw std::out_of_range("loss rows outside the dataset");
    std::vector<float> loss(count);
    ctx_.queue().enqueueReadBuffer(d.loss, CL_TRUE, first * 4, count * 4, loss.data());
    double s = 0.0;
    for (float v : loss) s += v;
    return s / static_cast<double>(count);
  });
}

EvalCounts OpenClBackend::evaluate(DatasetId id, std::size_t counted) {
  return guarded("evaluating", [&] {
    Dataset& d = dataset(id);
    const auto stride_u = static_cast<cl_uint>(stride_);
    if (path_ == GemmPath::kFused) {
      set_args(k_.evaluate, d.x, d.labels, static_cast<cl_uint>(d.rows), stride_u, scale_, wt_, b_,
               d.wrong, d.loss);
      enqueue_1d(ctx_, k_.evaluate, d.rows);
    } else {
      for (std::size_t first = 0; first < d.rows; first += max_batch_) {
        const std::size_t n = std::min(max_batch_, d.rows - first);
        logits_rows(d, d.identity, first, n);
        set_args(k_.count_errors, logits_, b_, d.labels, static_cast<cl_uint>(first),
                 static_cast<cl_uint>(n), d.wrong);
        enqueue_1d(ctx_, k_.count_errors, n);
        set_args(k_.nll, logits_, b_, d.labels, static_cast<cl_uint>(first),
                 static_cast<cl_uint>(n), d.loss);
        enqueue_1d(ctx_, k_.nll, n);
      }
    }
    std::vector<std::uint8_t> wrong(d.rows);
    std::vector<float> loss(d.rows);
    ctx_.queue().enqueueReadBuffer(d.wrong, CL_FALSE, 0, d.rows, wrong.data());
    ctx_.queue().enqueueReadBuffer(d.loss, CL_TRUE, 0, d.rows * 4, loss.data());
    EvalCounts out;
    for (std::size_t i = 0; i < d.rows; ++i) {
      out.errors_all += wrong[i];
      if (i < counted) out.errors_counted += wrong[i];
      out.nll_sum_all += loss[i];
    }
    return out;
  });
}

std::vector<float> OpenClBackend::predict(DatasetId id, std::size_t first, std::size_t count) {
  return guarded("predicting", [&] {
    Dataset& d = dataset(id);
    if (first + count > d.rows) throw std::out_of_range("predict rows outside the dataset");
    std::vector<float> probs(count * classes_);
    for (std::size_t done = 0; done < count; done += max_batch_) {
      const std::size_t n = std::min(max_batch_, count - done);
      logits_rows(d, d.identity, first + done, n);
      set_args(k_.softmax, logits_, b_, static_cast<cl_uint>(n), probs_);
      enqueue_1d(ctx_, k_.softmax, n);
      ctx_.queue().enqueueReadBuffer(probs_, CL_TRUE, 0, n * classes_ * 4,
                                     probs.data() + done * classes_);
    }
    return probs;
  });
}

void OpenClBackend::finish() {
  guarded("waiting for the device", [&] { ctx_.queue().finish(); });
}

}  // namespace clmnist::runtime
