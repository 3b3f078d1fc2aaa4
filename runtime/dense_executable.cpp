// dense: any NetworkSpec with the per-layer kernels of cl/dense.cl. Per SGD step: one forward
// launch per layer (the top one with the head where a row of logits fits one tile), then from the
// top down one update launch per layer, which also computes the gradient below where one
// work-item owns a whole row of weights (else a launch of its own); no host synchronisation. For
// the MLP that is 4 launches a step.
#include <stdexcept>

#include "fault_injection.hpp"
#include "opencl_executables.hpp"
#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

// Rows an evaluation or prediction runs at once (at least the training batch).
constexpr std::size_t kEvalRows = 1024;

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
    // TILE 4, an MLP step executes 2.4x fewer instructions than with TILE 1 (callgrind, PoCL
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
  if (t.tile < 1 || t.tile > 8 || t.blocks < 1 || t.blocks > 1024 || t.chunk < 1 ||
      t.chunk > 64 || t.local > 1024) {
    throw std::invalid_argument("dense tile must be 1-8, blocks 1-1024, chunk 1-64, local 0-1024");
  }
  return t;
}

std::string defines_of(const DenseTuning& t) {
  return "-DVEC=" + std::to_string(t.vec) + " -DTILE=" + std::to_string(t.tile) +
         " -DBLOCKS=" + std::to_string(t.blocks) + " -DCHUNK=" + std::to_string(t.chunk);
}

int act_code(Activation a) { return a == Activation::kTanh ? 1 : a == Activation::kRelu ? 2 : 0; }

class DenseExecutable final : public Executable {
 public:
  DenseExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options)
      : be_(be), ctx_(be.context()), net_(net), max_batch_(options.max_batch) {
    const DenseTuning t = dense_tuning(ctx_.desc(), net.layers.size(), options.tunables);
    vec_ = t.vec;
    blocks_ = t.blocks;
    tile_ = t.tile;
    local_ = t.local;
    defines_ = defines_of(t);
    rows_cap_ = std::max(max_batch_, kEvalRows);
    for (const DenseLayer& l : net_.layers) {
      Layer L;
      L.ostride = round_up(l.outputs, vec_);
      L.w = be.make_buffer(CL_MEM_READ_WRITE, l.inputs * L.ostride * 4, "weights");
      L.b = be.make_buffer(CL_MEM_READ_WRITE, L.ostride * 4, "biases");
      L.act = be.make_buffer(CL_MEM_READ_WRITE, rows_cap_ * L.ostride * 4, "activations");
      L.grad = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * L.ostride * 4, "gradients");
      zero_buffers(ctx_, {&L.w, &L.b, &L.act, &L.grad});  // padding stays zero
      layers_.push_back(std::move(L));
    }
    const std::size_t top = layers_.back().ostride;
    scratch_ = be.make_buffer(CL_MEM_READ_WRITE, rows_cap_ * top * 4, "probabilities");
    forward_u8_ = kernel("dense_forward_u8");
    forward_f32_ = kernel("dense_forward_f32");
    head_gradient_ = kernel("head_gradient");
    forward_head_ = kernel("dense_forward_head");
    head_evaluate_ = kernel("head_evaluate");
    head_probabilities_ = kernel("head_probabilities");
    backward_data_ = kernel("dense_backward_data");
    update_ = kernel("dense_update");
  }

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    std::vector<PlanStep> p;
    for (std::size_t l = 0; l < net_.layers.size(); ++l) p.push_back({l, l, "dense", defines_});
    return p;
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    guarded("writing parameters", [&] {
      const auto [l, is_bias] = param_slot(net_, name, values.size());
      const DenseLayer& d = net_.layers[l];
      if (is_bias) {
        ctx_.queue().enqueueWriteBuffer(layers_[l].b, CL_TRUE, 0, d.outputs * 4, values.data());
        return;
      }
      const std::size_t os = layers_[l].ostride;
      std::vector<float> padded(d.inputs * os, 0.0f);
      for (std::size_t i = 0; i < d.inputs; ++i) {
        std::copy_n(values.data() + i * d.outputs, d.outputs, padded.data() + i * os);
      }
      ctx_.queue().enqueueWriteBuffer(layers_[l].w, CL_TRUE, 0, padded.size() * 4, padded.data());
    });
  }

  std::vector<float> read_param(const std::string& name) override {
    return guarded("reading parameters", [&] {
      const auto [l, is_bias] = param_slot(net_, name, 0);
      const DenseLayer& d = net_.layers[l];
      if (is_bias) {
        std::vector<float> out(d.outputs);
        ctx_.queue().enqueueReadBuffer(layers_[l].b, CL_TRUE, 0, d.outputs * 4, out.data());
        return out;
      }
      const std::size_t os = layers_[l].ostride;
      std::vector<float> padded(d.inputs * os), out(d.inputs * d.outputs);
      ctx_.queue().enqueueReadBuffer(layers_[l].w, CL_TRUE, 0, padded.size() * 4, padded.data());
      for (std::size_t i = 0; i < d.inputs; ++i) {
        std::copy_n(padded.data() + i * os, d.outputs, out.data() + i * d.outputs);
      }
      return out;
    });
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = checked(id);
      check_minibatch(first, count, d.rows, max_batch_);
      fault_point("clEnqueueNDRangeKernel");
      const std::size_t top = net_.layers.size() - 1;
      Layer& T = layers_[top];
      const float inv_count = 1.0f / static_cast<float>(count);
      if (top > 0 && tiles(T) == 1) {  // the top layer and the head in one launch
        forward(d, d.order, first, count, top);
        const Layer& B = layers_[top - 1];
        set_args(forward_head_, B.act, u(B.ostride), u(net_.layers[top].inputs), u(count), T.w,
                 u(T.ostride), T.b, T.act, u(net_.classes()), d.labels, d.order, u(first),
                 inv_count, T.grad, d.loss);
        enqueue_1d(ctx_, forward_head_, count);
      } else {
        forward(d, d.order, first, count, top + 1);
        set_args(head_gradient_, T.act, u(T.ostride), u(net_.classes()), T.b, d.labels, d.order,
                 u(first), u(count), inv_count, T.grad, d.loss);
        enqueue_1d(ctx_, head_gradient_, count);
      }
      const float decay = static_cast<float>(2.0 * static_cast<double>(step.l2));
      for (std::size_t l = top + 1; l-- > 0;) {
        const DenseLayer& spec = net_.layers[l];
        Layer& L = layers_[l];
        const std::size_t groups = (L.ostride / vec_ + blocks_ - 1) / blocks_;
        // The gradient below comes from this layer's weights before their update: inside the
        // update where one work-item owns a whole row of W, else by a launch of its own first.
        int act_low = -1;
        if (l > 0) {
          Layer& B = layers_[l - 1];
          const int act = act_code(net_.layers[l - 1].activation);
          if (groups == 1) {
            act_low = act;
          } else {
            set_args(backward_data_, L.grad, u(L.ostride), L.w, u(spec.inputs), u(count), B.act,
                     u(B.ostride), act, B.grad);
            enqueue_1d(ctx_, backward_data_, spec.inputs);
          }
        }
        const cl::Buffer& a = l > 0 ? layers_[l - 1].act : L.act;      // unused for l == 0
        const cl::Buffer& low = l > 0 ? layers_[l - 1].grad : L.grad;  // unused for l == 0
        set_args(update_, u(l == 0 ? 1 : 0), d.x, u(d.stride), d.order, u(first), a,
                 u(l > 0 ? layers_[l - 1].ostride : 0), u(spec.inputs), u(count),
                 l == 0 ? net_.pixel_scale() : 1.0f, L.grad, u(L.ostride), step.lr, decay, step.l1,
                 L.w, L.b, act_low, low);
        enqueue_1d(ctx_, update_, (spec.inputs + 1) * groups);
      }
    });
  }

  double train_loss(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("reading training losses",
                   [&] { return mean_loss(ctx_, be_.dataset(id), first, count); });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = checked(id);
      const Layer& T = layers_.back();
      for (std::size_t first = 0; first < d.rows; first += rows_cap_) {
        const std::size_t n = std::min(rows_cap_, d.rows - first);
        forward(d, d.identity, first, n, net_.layers.size());
        set_args(head_evaluate_, T.act, u(T.ostride), u(net_.classes()), T.b, d.labels, u(first),
                 u(n), scratch_, d.wrong, d.loss);
        enqueue_1d(ctx_, head_evaluate_, n);
      }
      return count_errors(ctx_, d, counted);
    });
  }

  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("predicting", [&] {
      ClDataset& d = checked(id);
      if (first > d.rows || count > d.rows - first) {
        throw std::out_of_range("predict rows outside the dataset");
      }
      const std::size_t k = net_.classes();
      const Layer& T = layers_.back();
      std::vector<float> probs(count * k);
      for (std::size_t done = 0; done < count; done += rows_cap_) {
        const std::size_t n = std::min(rows_cap_, count - done);
        forward(d, d.identity, first + done, n, net_.layers.size());
        set_args(head_probabilities_, T.act, u(T.ostride), u(k), T.b, u(n), scratch_);
        enqueue_1d(ctx_, head_probabilities_, n);
        ctx_.queue().enqueueReadBuffer(scratch_, CL_TRUE, 0, n * k * 4, probs.data() + done * k);
      }
      return probs;
    });
  }

 private:
  struct Layer {
    std::size_t ostride = 0;     // outputs padded to a multiple of VEC
    cl::Buffer w, b, act, grad;  // [inputs x ostride], [ostride], [rows x ostride] x 2
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }

  KernelHandle kernel(const char* name) {
    return KernelHandle(ctx_, "dense", defines_, name, local_);
  }

  ClDataset& checked(DatasetId id) { return network_dataset(be_, net_, id, true); }

  std::size_t tiles(const Layer& L) const { return (L.ostride / vec_ + tile_ - 1) / tile_; }

  // The activations of layers [0, layers) for `count` rows at positions [first, ...) of `order`;
  // the top layer's are the logits before the bias.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count,
               std::size_t layers) {
    const std::size_t top = net_.layers.size() - 1;
    for (std::size_t l = 0; l < layers; ++l) {
      const DenseLayer& spec = net_.layers[l];
      Layer& L = layers_[l];
      const int act = l == top ? -1 : act_code(spec.activation);
      if (l == 0) {
        set_args(forward_u8_, d.x, u(d.stride), d.nz_start, d.nz_index, order, u(first), u(count),
                 net_.pixel_scale(), L.w, u(L.ostride), L.b, act, L.act);
      } else {
        const Layer& B = layers_[l - 1];
        set_args(forward_f32_, B.act, u(B.ostride), u(spec.inputs), u(count), L.w, u(L.ostride),
                 L.b, act, L.act);
      }
      enqueue_1d(ctx_, l == 0 ? forward_u8_ : forward_f32_, count * tiles(L));
    }
  }

  OpenClBackend& be_;
  Context& ctx_;
  NetworkSpec net_;
  std::size_t max_batch_, rows_cap_ = 0;
  unsigned vec_ = 4, tile_ = 4, blocks_ = 64;
  std::size_t local_ = 0;
  std::string defines_;
  std::vector<Layer> layers_;
  cl::Buffer scratch_;
  KernelHandle forward_u8_, forward_f32_, forward_head_, head_gradient_, head_evaluate_,
      head_probabilities_, backward_data_, update_;
};

}  // namespace

std::string dense_defines(const DeviceDesc& device, const NetworkSpec& net,
                          const Tunables& tunables) {
  return defines_of(dense_tuning(device, net.layers.size(), tunables));
}

std::vector<std::string> dense_tunable_names() {
  return {"vec", "tile", "blocks", "chunk", "local"};
}

std::unique_ptr<Executable> make_dense_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options) {
  return std::make_unique<DenseExecutable>(be, net, options);
}

}  // namespace clmnist::runtime
