// gpu: the GPU family's stage (layer_stage.hpp), dense layers on the GPU-shaped kernels of
// cl/gpu.cl, one program per layer with that layer's tunables. Per SGD step: one forward launch
// per layer (the top one with the head), then from the top down one update launch per layer,
// which also computes the gradient below where a work-group owns a whole row of weights (else a
// launch of its own). Softmax regression is 2 launches a step, a network of two dense layers 4;
// no host synchronisation.
#include <algorithm>
#include <stdexcept>

#include "layer_stage.hpp"
#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

unsigned pow2_at_least(std::size_t n, unsigned lo, unsigned hi) {
  unsigned v = lo;
  while (v < n && v < hi) v *= 2;
  return v;
}

constexpr cl_uint kModeTrain = 3, kModeEval = 4, kModeProbs = 5;  // cl/gpu.cl

class GpuLayers final : public LayerStage {
 public:
  GpuLayers(OpenClBackend& be, const NetworkSpec& net, std::size_t first,
            const CompileOptions& options, std::size_t rows_cap)
      : ctx_(be.context()), net_(net), first_(first), max_batch_(options.max_batch) {
    for (std::size_t l = first; l < net_.layers.size(); ++l) {
      const runtime::Layer& spec = net_.layers[l];
      Layer L;
      L.tuning = gpu_layer_tuning(ctx_.desc(), net_, l, options.tunables);
      build(L, l + 1 == net_.layers.size());
      L.w = be.make_buffer(CL_MEM_READ_WRITE, spec.inputs * spec.outputs * 4, "weights");
      L.b = be.make_buffer(CL_MEM_READ_WRITE, spec.outputs * 4, "biases");
      L.act = be.make_buffer(CL_MEM_READ_WRITE, rows_cap * spec.outputs * 4, "activations");
      L.grad = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * spec.outputs * 4, "gradients");
      L.decay_scale = net_.param(spec.weight).decay ? 1.0f : 0.0f;
      zero_buffers(ctx_, {&L.w, &L.b, &L.act, &L.grad});
      layers_.push_back(std::move(L));
    }
    probs_ = be.make_buffer(CL_MEM_READ_WRITE, rows_cap * net_.classes() * 4, "probabilities");
  }

  std::vector<PlanStep> plan() const override {
    std::vector<PlanStep> p;
    for (std::size_t l = first_; l < net_.layers.size(); ++l) {
      p.push_back({l, l, "gpu", gpu_defines(at(l).tuning)});
    }
    return p;
  }

  bool owns(const std::string& param) const override {
    for (std::size_t l = first_; l < net_.layers.size(); ++l) {
      if (net_.layers[l].weight == param || net_.layers[l].bias == param) return true;
    }
    return false;
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    const ParamSlot s = param_slot(net_, name, values.size());
    const Layer& L = at(s.layer);
    ctx_.queue().enqueueWriteBuffer(s.is_bias ? L.b : L.w, CL_TRUE, 0, values.size() * 4,
                                    values.data());
  }

  std::vector<float> read_param(const std::string& name) override {
    const ParamSlot s = param_slot(net_, name, 0);
    std::vector<float> out(net_.param(name).size());
    const Layer& L = at(s.layer);
    ctx_.queue().enqueueReadBuffer(s.is_bias ? L.b : L.w, CL_TRUE, 0, out.size() * 4, out.data());
    return out;
  }

  void sgd_step(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                const FloatInput& in) override {
    forward(d, d.order, first, count, kModeTrain, layers_.back().grad,
            1.0f / static_cast<float>(count), in);
    for (std::size_t l = net_.layers.size(); l-- > first_;) update(d, first, count, l, step, in);
  }

  void evaluate(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in) override {
    forward(d, d.identity, first, n, kModeEval, probs_, 0.0f, in);
  }

  void probabilities(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in,
                     float* out) override {
    forward(d, d.identity, first, n, kModeProbs, probs_, 0.0f, in);
    ctx_.queue().enqueueReadBuffer(probs_, CL_TRUE, 0, n * net_.classes() * 4, out);
  }

 private:
  struct Layer {
    GpuTuning tuning;
    KernelHandle forward, update, backward;
    cl::Buffer w, b, act, grad;  // [inputs x outputs], [outputs], [rows x outputs] x 2
    float decay_scale = 0.0f;    // 1 where the weights' declaration says they decay, else 0
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }
  Layer& at(std::size_t l) { return layers_[l - first_]; }
  const Layer& at(std::size_t l) const { return layers_[l - first_]; }

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

  // The input of layer l: the layer below's activations, the stage's float input, or (u8) the
  // dataset's pixels.
  struct Input {
    bool u8;
    const cl::Buffer* a;
    std::size_t stride;
  };
  Input input_of(std::size_t l, const FloatInput& in) {
    if (l > first_) return {false, &at(l - 1).act, net_.layers[l].inputs};
    if (in.act != nullptr) {
      // gpu_backward_data and the update's fused gradient write dlow[r * inputs + i]
      if (in.stride != net_.layers[l].inputs) {
        throw std::logic_error("the gpu stage's float input must be packed (stride = inputs)");
      }
      return {false, in.act, in.stride};
    }
    return {true, &at(l).act, net_.layers[l].inputs};  // a is unused
  }

  // Layers forward for `count` rows at positions [first, ..) of `order`; the top layer's head in
  // `mode` writes `out` (gradient or probabilities), the losses and the error flags.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count,
               cl_uint mode, const cl::Buffer& out, float inv_count, const FloatInput& in) {
    const std::size_t top = net_.layers.size() - 1;
    for (std::size_t l = first_; l <= top; ++l) {
      const runtime::Layer& spec = net_.layers[l];
      Layer& L = at(l);
      const Input x = input_of(l, in);
      set_args(L.forward, u(x.u8 ? 1 : 0), d.x, u(d.stride), order, u(first), *x.a,
               u(spec.inputs), u(x.stride), u(count), x.u8 ? net_.pixel_scale() : 1.0f, L.w,
               u(spec.outputs), L.b, l == top ? mode : u(activation_code(spec.activation)),
               l == top ? out : L.act, d.labels, inv_count, d.loss, d.wrong);
      const std::size_t row_groups = (count + L.tuning.fwd_rows - 1) / L.tuning.fwd_rows;
      const std::size_t col_groups = (spec.outputs + L.tuning.fwd_cols - 1) / L.tuning.fwd_cols;
      enqueue_1d(ctx_, L.forward, row_groups * col_groups * L.tuning.fwd_wg);
    }
  }

  // Layer l's update, and the gradient below it (from its weights before the update): inside the
  // update where a work-group owns a whole row of W, else by a launch of its own first. Below the
  // stage's first layer: the float input's gradient (none for pixels); a layer of another kind
  // below has no activation to apply.
  void update(ClDataset& d, std::size_t first, std::size_t count, std::size_t l,
              const SgdStep& step, const FloatInput& in) {
    const runtime::Layer& spec = net_.layers[l];
    Layer& L = at(l);
    const Input x = input_of(l, in);
    const std::size_t col_groups = (spec.outputs + L.tuning.upd_cols - 1) / L.tuning.upd_cols;
    const cl::Buffer* low = l > first_ ? &at(l - 1).grad : in.grad;
    int act_low = -1;
    if (low != nullptr) {
      const int act = activation_below(net_, l);
      if (col_groups == 1) {
        act_low = act;
      } else {
        set_args(L.backward, L.grad, u(spec.outputs), L.w, u(spec.inputs), u(count), *x.a, act,
                 *low);
        enqueue_1d(ctx_, L.backward, count * spec.inputs);
      }
    }
    const float decay = L.decay_scale * static_cast<float>(2.0 * static_cast<double>(step.l2));
    set_args(L.update, u(x.u8 ? 1 : 0), d.x, u(d.stride), d.order, u(first), *x.a,
             u(spec.inputs), u(x.stride), u(count), x.u8 ? net_.pixel_scale() : 1.0f, L.grad,
             u(spec.outputs), step.lr, decay, L.decay_scale * step.l1, L.w, L.b, act_low,
             low != nullptr ? *low : L.grad);
    enqueue_1d(ctx_, L.update, (spec.inputs + 1) * col_groups * L.tuning.upd_wg);
  }

  Context& ctx_;
  const NetworkSpec& net_;
  std::size_t first_, max_batch_;
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
  if (!dense_layers_unfit(net).empty()) return dense_layers_unfit(net);
  if (net.classes() > 1024) {
    return std::to_string(net.classes()) + " classes are over the 1024 one work-group can hold";
  }
  return "";
}

std::unique_ptr<LayerStage> make_gpu_layers(OpenClBackend& be, const NetworkSpec& net,
                                            std::size_t first, const CompileOptions& options,
                                            std::size_t rows_cap) {
  return std::make_unique<GpuLayers>(be, net, first, options, rows_cap);
}

}  // namespace clmnist::runtime
