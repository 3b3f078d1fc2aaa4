// OpenCL backend ops. Every public op converts cl::Error into DeviceError at this boundary.
#include "opencl_backend.hpp"

#include <algorithm>
#include <chrono>
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

namespace {

unsigned env_choice(const char* name, unsigned fallback, std::initializer_list<unsigned> allowed) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const unsigned n = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
  for (unsigned a : allowed) {
    if (a == n) return n;
  }
  std::string list;
  for (unsigned a : allowed) list += (list.empty() ? "" : ", ") + std::to_string(a);
  throw Error(std::string(name) + " must be one of " + list + ", not '" + v + "'");
}

}  // namespace

FusedTuning fused_tuning(const DeviceDesc& device) {
  FusedTuning t;
  if (device.type == DeviceType::kCpu) {
    // Measured on PoCL/AVX-512 (docs/PERFORMANCE.md): 16 lanes, zero blocks skipped (each row
    // then visits only its own blocks, which beats sharing weight loads between 2 rows), and one
    // work-item per update group (the skipping makes their work uneven).
    t.vec = device.preferred_float_vector >= 16  ? 16u
            : device.preferred_float_vector >= 8 ? 8u
                                                 : 4u;
    t.rows = 1;
    t.skip_zero = true;
    t.update_local = 1;
  }
  t.vec = env_choice("CLMNIST_VEC", t.vec, {2, 4, 8, 16});
  t.rows = env_choice("CLMNIST_ROWS", t.rows, {1, 2, 3, 4});
  t.skip_zero = env_choice("CLMNIST_SKIP_ZERO", t.skip_zero ? 1u : 0u, {0, 1}) == 1;
  return t;
}

std::string fused_defines(std::size_t classes, const FusedTuning& t) {
  return "-DNUM_CLASSES=" + std::to_string(classes) + " -DVEC=" + std::to_string(t.vec) +
         " -DROWS=" + std::to_string(t.rows) + " -DSKIP_ZERO=" + (t.skip_zero ? "1" : "0");
}

std::size_t fused_mask_words(std::size_t stride, unsigned vec) { return (stride / vec + 63) / 64; }

OpenClBackend::OpenClBackend(const DeviceDesc& device, const BackendOptions& options)
    : ctx_(
          device, options.profiling,
          KernelCache(options.kernel_cache ? (options.cache_dir.empty() ? KernelCache::default_dir()
                                                                        : options.cache_dir)
                                           : std::string())),
      options_(options),
      path_(resolve_path(options.gemm, device)),
      tune_(fused_tuning(device)) {
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

KernelHandle OpenClBackend::kernel(const std::string& program, const char* name,
                                   std::size_t local) {
  return KernelHandle(ctx_, program, fused_defines(classes_, tune_), name, local);
}

void OpenClBackend::configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                              float pixel_scale) {
  guarded("preparing the OpenCL device", [&] {
    features_ = features;
    classes_ = classes;
    max_batch_ = max_batch;
    scale_ = pixel_scale;
    stride_ = round_up(features, tune_.vec);
    if (path_ == GemmPath::kFused) {
      k_.forward_backward = kernel("fused", "fused_forward_backward");
      k_.weight_update = kernel("fused", "fused_weight_update", tune_.update_local);
      k_.evaluate = kernel("fused", "fused_evaluate");
      k_.logits = kernel("fused", "fused_logits");
      if (tune_.skip_zero) k_.block_masks = kernel("fused", "fused_block_masks");
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
    check_dataset_shape(data, features_);
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
    // Losses and error flags start at zero, as on the host: nothing reads uninitialised memory.
    q.enqueueFillBuffer(d.loss, 0.0f, 0, data.rows * sizeof(float));
    q.enqueueFillBuffer(d.wrong, cl_uchar{0}, 0, data.rows);
    std::vector<std::uint32_t> identity(data.rows);
    std::iota(identity.begin(), identity.end(), 0u);
    q.enqueueWriteBuffer(d.order, CL_TRUE, 0, data.rows * 4, identity.data());
    q.enqueueWriteBuffer(d.identity, CL_TRUE, 0, data.rows * 4, identity.data());
    if (path_ == GemmPath::kFused && tune_.skip_zero) {
      // One bit per VEC-pixel block, computed once: the fused kernels skip the zero blocks.
      const std::size_t bytes = data.rows * fused_mask_words(stride_, tune_.vec) * 8;
      d.masks = make_buffer(CL_MEM_READ_WRITE, bytes, "zero-block masks");
      set_args(k_.block_masks, d.x, static_cast<cl_uint>(data.rows), static_cast<cl_uint>(stride_),
               d.masks);
      enqueue_1d(ctx_, k_.block_masks, data.rows);
    } else {
      d.masks = make_buffer(CL_MEM_READ_ONLY, 8, "zero-block masks (unused)");
    }
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
    check_param_shape(wt, b, features_, classes_);
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
      set_args(k_.forward_backward, d.x, d.masks, d.labels, d.order, first_u, count_u, stride_u,
               scale_, inv_count, wt_, b_, dlogits_, d.loss);
      enqueue_1d(ctx_, k_.forward_backward, (count + tune_.rows - 1) / tune_.rows);
      set_args(k_.weight_update, d.x, d.masks, d.order, first_u, count_u, stride_u, scale_, lr,
               dlogits_, wt_, b_);
      enqueue_1d(ctx_, k_.weight_update, stride_ / tune_.vec + 1);
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
    set_args(k_.logits, d.x, d.masks, first_u, count_u, stride_u, scale_, wt_, logits_);
    enqueue_1d(ctx_, k_.logits, (count + tune_.rows - 1) / tune_.rows);
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
      set_args(k_.evaluate, d.x, d.masks, d.labels, static_cast<cl_uint>(d.rows), stride_u, scale_,
               wt_, b_, d.wrong, d.loss);
      enqueue_1d(ctx_, k_.evaluate, (d.rows + tune_.rows - 1) / tune_.rows);
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
    KernelHandle fma(ctx_, "ceilings",
                     "-DFMA_ITERS=" + std::to_string(iters) + " -DVEC=" + std::to_string(tune_.vec),
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
    c.fma_gflop_s = static_cast<double>(items) * iters * 8 * tune_.vec * 2 / best * 1e-9;
    return c;
  });
}

}  // namespace clmnist::runtime
