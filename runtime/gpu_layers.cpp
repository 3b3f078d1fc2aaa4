// gpu: any NetworkSpec with the GPU-shaped kernels of cl/gpu.cl, one program per layer with that
// layer's tunables. Per SGD step: one forward launch per layer (the top one with the head), then
// from the top down one update launch per layer, which also computes the gradient below where a
// work-group owns a whole row of weights (else a launch of its own). Softmax regression is 2
// launches a step, a network of two dense layers 4; no host synchronisation.
#include <algorithm>
#include <stdexcept>

#include "fault_injection.hpp"
#include "opencl_executables.hpp"
#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

// Rows an evaluation or prediction runs at once (at least the training batch).
constexpr std::size_t kEvalRows = 4096;

unsigned pow2_at_least(std::size_t n, unsigned lo, unsigned hi) {
  unsigned v = lo;
  while (v < n && v < hi) v *= 2;
  return v;
}

int mode_of(Activation a) { return a == Activation::kTanh ? 1 : a == Activation::kRelu ? 2 : 0; }
constexpr cl_uint kModeTrain = 3, kModeEval = 4, kModeProbs = 5;  // cl/gpu.cl

class GpuExecutable final : public Executable {
 public:
  GpuExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options)
      : be_(be), ctx_(be.context()), net_(net), max_batch_(options.max_batch) {
    rows_cap_ = std::max(max_batch_, kEvalRows);
    for (std::size_t l = 0; l < net_.layers.size(); ++l) {
      const runtime::Layer& spec = net_.layers[l];
      Layer L;
      L.tuning = gpu_layer_tuning(ctx_.desc(), net_, l, options.tunables);
      build(L, l + 1 == net_.layers.size());
      L.w = be.make_buffer(CL_MEM_READ_WRITE, spec.inputs * spec.outputs * 4, "weights");
      L.b = be.make_buffer(CL_MEM_READ_WRITE, spec.outputs * 4, "biases");
      L.act = be.make_buffer(CL_MEM_READ_WRITE, rows_cap_ * spec.outputs * 4, "activations");
      L.grad = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * spec.outputs * 4, "gradients");
      zero_buffers(ctx_, {&L.w, &L.b, &L.act, &L.grad});
      layers_.push_back(std::move(L));
    }
    probs_ = be.make_buffer(CL_MEM_READ_WRITE, rows_cap_ * net_.classes() * 4, "probabilities");
  }

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    std::vector<PlanStep> p;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      p.push_back({l, l, "gpu", gpu_defines(layers_[l].tuning)});
    }
    return p;
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    guarded("writing parameters", [&] {
      const ParamSlot s = param_slot(net_, name, values.size());
      const Layer& L = layers_[s.layer];
      ctx_.queue().enqueueWriteBuffer(s.is_bias ? L.b : L.w, CL_TRUE, 0, values.size() * 4,
                                      values.data());
    });
  }

  std::vector<float> read_param(const std::string& name) override {
    return guarded("reading parameters", [&] {
      const ParamSlot s = param_slot(net_, name, 0);
      std::vector<float> out(net_.param(name).size());
      const Layer& L = layers_[s.layer];
      ctx_.queue().enqueueReadBuffer(s.is_bias ? L.b : L.w, CL_TRUE, 0, out.size() * 4,
                                     out.data());
      return out;
    });
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = network_dataset(be_, net_, id, false);
      check_minibatch(first, count, d.rows, max_batch_);
      fault_point("clEnqueueNDRangeKernel");
      forward(d, d.order, first, count, kModeTrain, layers_.back().grad,
              1.0f / static_cast<float>(count));
      const float decay = static_cast<float>(2.0 * static_cast<double>(step.l2));
      for (std::size_t l = layers_.size(); l-- > 0;) update(d, first, count, l, step, decay);
    });
  }

  double train_loss(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("reading training losses",
                   [&] { return mean_loss(ctx_, be_.dataset(id), first, count); });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = network_dataset(be_, net_, id, false);
      for (std::size_t first = 0; first < d.rows; first += rows_cap_) {
        forward(d, d.identity, first, std::min(rows_cap_, d.rows - first), kModeEval, probs_,
                0.0f);
      }
      return count_errors(ctx_, d, counted);
    });
  }

  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("predicting", [&] {
      ClDataset& d = network_dataset(be_, net_, id, false);
      if (first > d.rows || count > d.rows - first) {
        throw std::out_of_range("predict rows outside the dataset");
      }
      const std::size_t k = net_.classes();
      std::vector<float> probs(count * k);
      for (std::size_t done = 0; done < count; done += rows_cap_) {
        const std::size_t n = std::min(rows_cap_, count - done);
        forward(d, d.identity, first + done, n, kModeProbs, probs_, 0.0f);
        ctx_.queue().enqueueReadBuffer(probs_, CL_TRUE, 0, n * k * 4, probs.data() + done * k);
      }
      return probs;
    });
  }

 private:
  struct Layer {
    GpuTuning tuning;
    KernelHandle forward, update, backward;
    cl::Buffer w, b, act, grad;  // [inputs x outputs], [outputs], [rows x outputs] x 2
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }

  // The layer's kernels, with work-groups halved until the driver accepts them for these kernels
  // (CL_KERNEL_WORK_GROUP_SIZE; a kernel's limit is known only once it is built).
  void build(Layer& L, bool top) {
    for (;;) {
      const std::string defines = gpu_defines(L.tuning);
      L.forward = KernelHandle(ctx_, "gpu", defines, "gpu_forward", L.tuning.fwd_wg);
      L.update = KernelHandle(ctx_, "gpu", defines, "gpu_update", L.tuning.upd_wg);
      L.backward = KernelHandle(ctx_, "gpu", defines, "gpu_backward_data");
      const bool fwd_ok = L.forward.local() == L.tuning.fwd_wg;
      const bool upd_ok = L.update.local() == L.tuning.upd_wg;
      if (fwd_ok && upd_ok) return;
      if (L.tuning.fwd_wg <= 1 || L.tuning.upd_wg <= 1) {
        throw std::runtime_error("the device runs no work-group of the gpu kernels");
      }
      if (!fwd_ok) L.tuning.fwd_wg = static_cast<unsigned>(L.forward.local());
      if (!upd_ok) L.tuning.upd_wg = static_cast<unsigned>(L.update.local());
      L.tuning = fit_gpu_tuning(L.tuning);
      if (top && L.tuning.fwd_cols < net_.classes()) {
        throw std::runtime_error("the device's work-groups of " +
                                 std::to_string(L.tuning.fwd_wg) + " cannot hold the " +
                                 std::to_string(net_.classes()) + " classes of the head");
      }
    }
  }

  // Layers forward for `count` rows at positions [first, ..) of `order`; the top layer's head in
  // `mode` writes `out` (gradient or probabilities), the losses and the error flags.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count,
               cl_uint mode, const cl::Buffer& out, float inv_count) {
    const std::size_t top = layers_.size() - 1;
    for (std::size_t l = 0; l <= top; ++l) {
      const runtime::Layer& spec = net_.layers[l];
      Layer& L = layers_[l];
      const cl::Buffer& a = l > 0 ? layers_[l - 1].act : L.act;  // unused for l == 0
      set_args(L.forward, u(l == 0 ? 1 : 0), d.x, u(d.stride), order, u(first), a,
               u(spec.inputs), u(spec.inputs), u(count), l == 0 ? net_.pixel_scale() : 1.0f,
               L.w, u(spec.outputs), L.b, l == top ? mode : u(mode_of(spec.activation)),
               l == top ? out : L.act, d.labels, inv_count, d.loss, d.wrong);
      const std::size_t row_groups = (count + L.tuning.fwd_rows - 1) / L.tuning.fwd_rows;
      const std::size_t col_groups = (spec.outputs + L.tuning.fwd_cols - 1) / L.tuning.fwd_cols;
      enqueue_1d(ctx_, L.forward, row_groups * col_groups * L.tuning.fwd_wg);
    }
  }

  void update(ClDataset& d, std::size_t first, std::size_t count, std::size_t l,
              const SgdStep& step, float decay) {
    const runtime::Layer& spec = net_.layers[l];
    Layer& L = layers_[l];
    const std::size_t col_groups = (spec.outputs + L.tuning.upd_cols - 1) / L.tuning.upd_cols;
    // The gradient below comes from this layer's weights before their update: inside the update
    // where a work-group owns a whole row of W, else by a launch of its own first.
    int act_low = -1;
    if (l > 0) {
      Layer& B = layers_[l - 1];
      const int act = mode_of(net_.layers[l - 1].activation);
      if (col_groups == 1) {
        act_low = act;
      } else {
        set_args(L.backward, L.grad, u(spec.outputs), L.w, u(spec.inputs), u(count), B.act, act,
                 B.grad);
        enqueue_1d(ctx_, L.backward, count * spec.inputs);
      }
    }
    const cl::Buffer& a = l > 0 ? layers_[l - 1].act : L.act;      // unused for l == 0
    const cl::Buffer& low = l > 0 ? layers_[l - 1].grad : L.grad;  // unused for l == 0
    set_args(L.update, u(l == 0 ? 1 : 0), d.x, u(d.stride), d.order, u(first), a, u(spec.inputs),
             u(spec.inputs), u(count), l == 0 ? net_.pixel_scale() : 1.0f, L.grad,
             u(spec.outputs), step.lr, decay, step.l1, L.w, L.b, act_low, low);
    enqueue_1d(ctx_, L.update, (spec.inputs + 1) * col_groups * L.tuning.upd_wg);
  }

  OpenClBackend& be_;
  Context& ctx_;
  NetworkSpec net_;
  std::size_t max_batch_, rows_cap_ = 0;
  std::vector<Layer> layers_;
  cl::Buffer probs_;
};

}  // namespace

GpuTuning fit_gpu_tuning(GpuTuning t) {
  t.fwd_cols = std::min(t.fwd_cols, t.fwd_wg);
  t.upd_cols = std::min(t.upd_cols, t.upd_wg);
  return t;
}

GpuTuning gpu_layer_tuning(const DeviceDesc& device, const NetworkSpec& net, std::size_t layer,
                           const Tunables& tunables) {
  check_tunables(tunables, "gpu", gpu_tunable_names(), net.layers.size());
  const std::size_t outputs = net.layers[layer].outputs;
  const bool top = layer + 1 == net.layers.size();
  // Built-in defaults, the same for every GPU vendor until measurements say otherwise: groups of
  // 256 (8 NVIDIA warps, 4 AMD wavefronts), 16 to 64 columns a group (coalesced loads of W), so
  // 4 to 16 work-items split each sum. The head needs the whole row of logits in one group.
  GpuTuning t;
  unsigned wg = 256;
  while (wg > 1 && device.max_work_group != 0 && wg > device.max_work_group) wg /= 2;
  t.fwd_wg = t.upd_wg = wg;
  t.fwd_cols = t.upd_cols = pow2_at_least(outputs, 16, 64);
  t.fwd_wg = tunable(tunables, "fwd_wg", layer, t.fwd_wg);
  t.fwd_cols = tunable(tunables, "fwd_cols", layer, t.fwd_cols);
  t.fwd_rows = tunable(tunables, "fwd_rows", layer, t.fwd_rows);
  t.upd_wg = tunable(tunables, "upd_wg", layer, t.upd_wg);
  t.upd_cols = tunable(tunables, "upd_cols", layer, t.upd_cols);
  const std::string where = "gpu tunables of layer " + std::to_string(layer + 1) + ": ";
  if (!pow2_in(t.fwd_wg, 1, 1024) || !pow2_in(t.upd_wg, 1, 1024)) {
    throw std::invalid_argument(where + "fwd_wg and upd_wg must be powers of two up to 1024");
  }
  if (!pow2_in(t.fwd_cols, 1, t.fwd_wg) || !pow2_in(t.upd_cols, 1, t.upd_wg)) {
    throw std::invalid_argument(where +
                                "fwd_cols and upd_cols must be powers of two up to their wg");
  }
  if (t.fwd_rows < 1 || t.fwd_rows > 8) {
    throw std::invalid_argument(where + "fwd_rows must be 1 to 8");
  }
  if (t.fwd_rows * t.fwd_wg > 2048) {  // part[FWD_ROWS][FWD_WG] in 8 KB of local memory
    throw std::invalid_argument(where + "fwd_rows x fwd_wg must be at most 2048");
  }
  if (top && t.fwd_cols < outputs) {
    const bool given =
        tunables.count("fwd_cols") || tunables.count("L" + std::to_string(layer + 1) + ".fwd_cols");
    t.fwd_cols = pow2_at_least(outputs, t.fwd_cols, t.fwd_wg);
    if (given || t.fwd_cols < outputs) {
      throw std::invalid_argument(where + "the head needs its " + std::to_string(outputs) +
                                  " classes in one work-group: fwd_cols and fwd_wg at least " +
                                  std::to_string(pow2_at_least(outputs, 1, 1u << 30)));
    }
  }
  return t;
}

std::vector<std::string> gpu_tunable_names() {
  return {"fwd_wg", "fwd_cols", "fwd_rows", "upd_wg", "upd_cols"};
}

std::string gpu_defines(const GpuTuning& t) {
  return "-DFWD_WG=" + std::to_string(t.fwd_wg) + " -DFWD_COLS=" + std::to_string(t.fwd_cols) +
         " -DFWD_ROWS=" + std::to_string(t.fwd_rows) + " -DUPD_WG=" + std::to_string(t.upd_wg) +
         " -DUPD_COLS=" + std::to_string(t.upd_cols);
}

std::string gpu_unfit(const NetworkSpec& net, const CompileOptions&) {
  if (!dense_family_unfit(net).empty()) return dense_family_unfit(net);
  if (net.classes() > 1024) {
    return std::to_string(net.classes()) + " classes are over the 1024 one work-group can hold";
  }
  return "";
}

std::unique_ptr<Executable> make_gpu_executable(OpenClBackend& be, const NetworkSpec& net,
                                                const CompileOptions& options) {
  return std::make_unique<GpuExecutable>(be, net, options);
}

}  // namespace clmnist::runtime
