// DenseLayers: the per-layer kernels of cl/dense.cl over a network's dense tail. Per SGD step:
// one forward launch per layer (the top one with the head where a row of logits fits one tile),
// then from the top down one update launch per layer, which also computes the gradient below
// where one work-item owns a whole row of weights (else a launch of its own); no host
// synchronisation. For a 784-500-10 network that is 4 launches a step.
#include "dense_layers.hpp"

#include <stdexcept>

#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

// VEC: float vector width; TILE: column blocks a forward or update work-item keeps in registers;
// BLOCKS: column blocks an update work-item owns; CHUNK: rows it lists at a time (cl/dense.cl);
// local: the work-group size (0: KernelHandle's default).
struct DenseTuning {
  unsigned vec = 4, tile = 4, blocks = 64, chunk = 32;
  std::size_t local = 0;
};

DenseTuning dense_tuning(const DeviceDesc& device, std::size_t layers, const Tunables& tunables) {
  check_tunables(tunables, "dense", dense_tunable_names(), layers);
  DenseTuning t;
  if (device.type == DeviceType::kCpu) {
    // The device's vector width, and one work-item per work-group: the kernels are vectorised by
    // hand and PoCL's work-group vectoriser only adds to them (as for fused.cl's update). With
    // TILE 4, a 784-500-10 step executes 2.4x fewer instructions than with TILE 1 (callgrind, PoCL
    // pthread-haswell; docs/PERFORMANCE.md).
    t.vec = device.preferred_float_vector >= 16 ? 16 : 8;
    t.local = 1;
  }
  // One program serves every layer: these tunables have no per-layer form.
  for (const auto& [name, value] : tunables) {
    if (name.find('.') != std::string::npos) {
      throw std::invalid_argument("dense tunables apply to every layer; '" + name +
                                  "' names one (leave out the L<k>. prefix)");
    }
  }
  t.vec = tunable(tunables, "vec", 0, t.vec);
  t.tile = tunable(tunables, "tile", 0, t.tile);
  t.blocks = tunable(tunables, "blocks", 0, t.blocks);
  t.chunk = tunable(tunables, "chunk", 0, t.chunk);
  t.local = tunable(tunables, "local", 0, static_cast<unsigned>(t.local));
  if (t.vec != 4 && t.vec != 8 && t.vec != 16) {
    throw std::invalid_argument("dense vec must be 4, 8 or 16, not " + std::to_string(t.vec));
  }
  if (t.tile < 1 || t.tile > 8 || t.blocks < 1 || t.blocks > 1024 || t.chunk < 1 || t.chunk > 64 ||
      t.local > 1024) {
    throw std::invalid_argument("dense tile must be 1-8, blocks 1-1024, chunk 1-64, local 0-1024");
  }
  return t;
}

std::string defines_of(const DenseTuning& t) {
  return "-DVEC=" + std::to_string(t.vec) + " -DTILE=" + std::to_string(t.tile) +
         " -DBLOCKS=" + std::to_string(t.blocks) + " -DCHUNK=" + std::to_string(t.chunk);
}


}  // namespace

DenseLayers::DenseLayers(OpenClBackend& be, const NetworkSpec& net, std::size_t first,
                         const CompileOptions& options, std::size_t rows_cap)
    : be_(be), ctx_(be.context()), net_(net), first_(first), max_batch_(options.max_batch) {
  const DenseTuning t = dense_tuning(ctx_.desc(), net.layers.size(), options.tunables);
  vec_ = t.vec;
  blocks_ = t.blocks;
  tile_ = t.tile;
  local_ = t.local;
  defines_ = defines_of(t);
  for (std::size_t l = first; l < net_.layers.size(); ++l) {
    const runtime::Layer& spec = net_.layers[l];
    Layer L;
    L.ostride = round_up(spec.outputs, vec_);
    L.w = be.make_buffer(CL_MEM_READ_WRITE, spec.inputs * L.ostride * 4, "weights");
    L.b = be.make_buffer(CL_MEM_READ_WRITE, L.ostride * 4, "biases");
    L.act = be.make_buffer(CL_MEM_READ_WRITE, rows_cap * L.ostride * 4, "activations");
    L.grad = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * L.ostride * 4, "gradients");
    L.decay_scale = net_.param(spec.weight).decay ? 1.0f : 0.0f;
    zero_buffers(ctx_, {&L.w, &L.b, &L.act, &L.grad});  // padding stays zero
    layers_.push_back(std::move(L));
  }
  scratch_ =
      be.make_buffer(CL_MEM_READ_WRITE, rows_cap * layers_.back().ostride * 4, "probabilities");
  forward_u8_ = kernel("dense_forward_u8");
  forward_f32_ = kernel("dense_forward_f32");
  head_gradient_ = kernel("head_gradient");
  forward_head_ = kernel("dense_forward_head");
  head_evaluate_ = kernel("head_evaluate");
  head_probabilities_ = kernel("head_probabilities");
  backward_data_ = kernel("dense_backward_data");
  update_ = kernel("dense_update");
}

KernelHandle DenseLayers::kernel(const char* name) {
  return KernelHandle(ctx_, "dense", defines_, name, local_);
}

std::vector<PlanStep> DenseLayers::plan() const {
  std::vector<PlanStep> p;
  for (std::size_t l = first_; l < net_.layers.size(); ++l) p.push_back({l, l, "dense", defines_});
  return p;
}

bool DenseLayers::owns(const std::string& param) const {
  for (std::size_t l = first_; l < net_.layers.size(); ++l) {
    if (net_.layers[l].weight == param || net_.layers[l].bias == param) return true;
  }
  return false;
}

void DenseLayers::write_param(const std::string& name, const std::vector<float>& values) {
  const auto [l, is_bias] = param_slot(net_, name, values.size());
  const runtime::Layer& d = net_.layers[l];
  if (is_bias) {
    ctx_.queue().enqueueWriteBuffer(at(l).b, CL_TRUE, 0, d.outputs * 4, values.data());
    return;
  }
  const std::size_t os = at(l).ostride;
  std::vector<float> padded(d.inputs * os, 0.0f);
  for (std::size_t i = 0; i < d.inputs; ++i) {
    std::copy_n(values.data() + i * d.outputs, d.outputs, padded.data() + i * os);
  }
  ctx_.queue().enqueueWriteBuffer(at(l).w, CL_TRUE, 0, padded.size() * 4, padded.data());
}

std::vector<float> DenseLayers::read_param(const std::string& name) {
  const auto [l, is_bias] = param_slot(net_, name, 0);
  const runtime::Layer& d = net_.layers[l];
  if (is_bias) {
    std::vector<float> out(d.outputs);
    ctx_.queue().enqueueReadBuffer(at(l).b, CL_TRUE, 0, d.outputs * 4, out.data());
    return out;
  }
  const std::size_t os = at(l).ostride;
  std::vector<float> padded(d.inputs * os), out(d.inputs * d.outputs);
  ctx_.queue().enqueueReadBuffer(at(l).w, CL_TRUE, 0, padded.size() * 4, padded.data());
  for (std::size_t i = 0; i < d.inputs; ++i) {
    std::copy_n(padded.data() + i * os, d.outputs, out.data() + i * d.outputs);
  }
  return out;
}

void DenseLayers::sgd_step(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                           const FloatInput& in) {
  const std::size_t top = net_.layers.size() - 1;
  Layer& T = at(top);
  const float inv_count = 1.0f / static_cast<float>(count);
  if (top > first_ && tiles(T) == 1) {  // the top layer and the head in one launch
    forward(d, d.order, first, count, top, in);
    const Layer& B = at(top - 1);
    set_args(forward_head_, B.act, u(B.ostride), u(net_.layers[top].inputs), u(count), T.w,
             u(T.ostride), T.b, T.act, u(net_.classes()), d.labels, d.order, u(first), inv_count,
             T.grad, d.loss);
    enqueue_1d(ctx_, forward_head_, count);
  } else {
    forward(d, d.order, first, count, top + 1, in);
    set_args(head_gradient_, T.act, u(T.ostride), u(net_.classes()), T.b, d.labels, d.order,
             u(first), u(count), inv_count, T.grad, d.loss);
    enqueue_1d(ctx_, head_gradient_, count);
  }
  for (std::size_t l = top + 1; l-- > first_;) update(d, first, count, step, in, l);
}

// Layer l's update, and the gradient below it (from its weights before the update): inside the
// update where one work-item owns a whole row of W, else by a launch of its own first. Below the
// stage's first layer: the float input's gradient (none for pixels, nor for an input without
// one); a layer of another kind below has no activation to apply.
void DenseLayers::update(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                         const FloatInput& in, std::size_t l) {
  const runtime::Layer& spec = net_.layers[l];
  Layer& L = at(l);
  const std::size_t groups = (L.ostride / vec_ + blocks_ - 1) / blocks_;
  const bool inner = l > first_, pixels = !inner && in.act == nullptr;
  const cl::Buffer& a = inner ? at(l - 1).act : pixels ? L.act : *in.act;  // unused for pixels
  const std::size_t astride = inner ? at(l - 1).ostride : pixels ? 0 : in.stride;
  const cl::Buffer* low = inner ? &at(l - 1).grad : in.grad;
  int act_low = -1;
  if (low != nullptr) {
    const int act = activation_below(net_, l);
    if (groups == 1) {
      act_low = act;
    } else {
      set_args(backward_data_, L.grad, u(L.ostride), L.w, u(spec.inputs), u(count), a, u(astride),
               act, *low);
      enqueue_1d(ctx_, backward_data_, spec.inputs);
    }
  }
  const float decay = L.decay_scale * static_cast<float>(2.0 * static_cast<double>(step.l2));
  set_args(update_, u(pixels ? 1 : 0), d.x, u(d.stride), d.order, u(first), a, u(astride),
           u(spec.inputs), u(count), pixels ? net_.pixel_scale() : 1.0f, L.grad, u(L.ostride),
           step.lr, decay, L.decay_scale * step.l1, L.w, L.b, act_low,
           low != nullptr ? *low : L.grad);
  enqueue_1d(ctx_, update_, (spec.inputs + 1) * groups);
}

void DenseLayers::evaluate(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in) {
  const Layer& T = layers_.back();
  forward(d, d.identity, first, n, net_.layers.size(), in);
  set_args(head_evaluate_, T.act, u(T.ostride), u(net_.classes()), T.b, d.labels, u(first), u(n),
           scratch_, d.wrong, d.loss);
  enqueue_1d(ctx_, head_evaluate_, n);
}

void DenseLayers::probabilities(ClDataset& d, std::size_t first, std::size_t n,
                                const FloatInput& in, float* out) {
  const std::size_t k = net_.classes();
  const Layer& T = layers_.back();
  forward(d, d.identity, first, n, net_.layers.size(), in);
  set_args(head_probabilities_, T.act, u(T.ostride), u(k), T.b, u(n), scratch_);
  enqueue_1d(ctx_, head_probabilities_, n);
  ctx_.queue().enqueueReadBuffer(scratch_, CL_TRUE, 0, n * k * 4, out);
}

void DenseLayers::forward(ClDataset& d, const cl::Buffer& order, std::size_t first,
                          std::size_t count, std::size_t end, const FloatInput& in) {
  const std::size_t top = net_.layers.size() - 1;
  for (std::size_t l = first_; l < end; ++l) {
    const runtime::Layer& spec = net_.layers[l];
    Layer& L = at(l);
    const int act = l == top ? -1 : activation_code(spec.activation);
    const bool pixels = l == first_ && in.act == nullptr;
    if (pixels) {
      set_args(forward_u8_, d.x, u(d.stride), d.nz_start, d.nz_index, order, u(first), u(count),
               net_.pixel_scale(), L.w, u(L.ostride), L.b, act, L.act);
    } else {
      const cl::Buffer& a = l > first_ ? at(l - 1).act : *in.act;
      const std::size_t astride = l > first_ ? at(l - 1).ostride : in.stride;
      set_args(forward_f32_, a, u(astride), u(spec.inputs), u(count), L.w, u(L.ostride), L.b, act,
               L.act);
    }
    enqueue_1d(ctx_, pixels ? forward_u8_ : forward_f32_, count * tiles(L));
  }
}

std::unique_ptr<LayerStage> make_dense_layers(OpenClBackend& be, const NetworkSpec& net,
                                              std::size_t first, const CompileOptions& options,
                                              std::size_t rows_cap) {
  return std::make_unique<DenseLayers>(be, net, first, options, rows_cap);
}

std::string dense_defines(const DeviceDesc& device, const NetworkSpec& net,
                          const Tunables& tunables) {
  return defines_of(dense_tuning(device, net.layers.size(), tunables));
}

std::vector<std::string> dense_tunable_names() {
  return {"vec", "tile", "blocks", "chunk", "local"};
}

}  // namespace clmnist::runtime
