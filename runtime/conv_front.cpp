// conv: a network whose front end is conv2d, max-pool, bias + activation and flatten layers
// (cl/conv.cl) and whose tail is dense layers with the softmax head, run by the dense family's
// kernels (DenseLayers) on the front end's float output: one network, two families. The front end
// keeps every layer's output for the backward pass; an activation and a flatten work in place on
// the buffers of the layer below.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "dense_layers.hpp"
#include "fault_injection.hpp"

namespace clmnist::runtime {
namespace {

// The first dense layer: every layer before it is of the front end's kinds.
std::size_t front_end(const NetworkSpec& net) {
  std::size_t l = 0;
  while (l < net.layers.size() && net.layers[l].kind != LayerKind::kDense) ++l;
  return l;
}

std::string geometry(const MapShape& in) {
  return "-DMAPS=" + std::to_string(in.maps) + " -DROWS=" + std::to_string(in.rows) +
         " -DCOLS=" + std::to_string(in.cols);
}

// The largest divisor of n that is at most cap (at least 1).
std::size_t divisor_up_to(std::size_t n, std::size_t cap) {
  for (std::size_t d = std::max<std::size_t>(cap, 1); d > 1; --d) {
    if (n % d == 0) return d;
  }
  return 1;
}

int act_code(Activation a) { return a == Activation::kTanh ? 1 : a == Activation::kRelu ? 2 : 0; }

class ConvExecutable final : public Executable {
 public:
  ConvExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options)
      : be_(be),
        ctx_(be.context()),
        net_(net),
        shapes_(net.shapes()),
        front_(front_end(net)),
        max_batch_(options.max_batch),
        tail_(be, net_, front_, options, max_batch_) {
    const std::size_t rows = max_batch_;
    const MapShape& img = shapes_[0];
    input_ = buffer(rows * img.size(), "scaled pixels");
    pixels_ =
        kernel(geometry(img), "pixels_to_float", ctx_.desc().type == DeviceType::kCpu ? 64 : 0);
    front_layers_.resize(front_);
    for (std::size_t l = 0; l < front_; ++l) build(l, rows);
    for (const ParamSpec& p : net.params()) {
      if (tail_.owns(p.name)) continue;
      params_[p.name] = buffer(p.size(), "parameters");
      decays_[p.name] = p.decay;
    }
  }

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    return {{0, front_ - 1, "conv", "cl/conv.cl"},
            {front_, net_.layers.size() - 1, "dense", tail_.defines()}};
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    guarded("writing parameters", [&] {
      if (tail_.owns(name)) return tail_.write_param(name, values);
      check_size(name, values.size());
      ctx_.queue().enqueueWriteBuffer(params_.at(name), CL_TRUE, 0, values.size() * 4,
                                      values.data());
    });
  }

  std::vector<float> read_param(const std::string& name) override {
    return guarded("reading parameters", [&] {
      if (tail_.owns(name)) return tail_.read_param(name);
      std::vector<float> out(check_size(name, 0));
      ctx_.queue().enqueueReadBuffer(params_.at(name), CL_TRUE, 0, out.size() * 4, out.data());
      return out;
    });
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = checked(id);
      check_minibatch(first, count, d.rows, max_batch_);
      fault_point("clEnqueueNDRangeKernel");
      forward(d, d.order, first, count);
      tail_.sgd_step(d, first, count, step, tail_input());
      for (std::size_t l = front_; l-- > 0;) backward(l, count, step);
    });
  }

  double train_loss(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("reading training losses",
                   [&] { return mean_loss(ctx_, be_.dataset(id), first, count); });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = checked(id);
      for (std::size_t first = 0; first < d.rows; first += max_batch_) {
        const std::size_t n = std::min(max_batch_, d.rows - first);
        forward(d, d.identity, first, n);
        tail_.evaluate(d, first, n, tail_input());
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
      std::vector<float> probs(count * k);
      for (std::size_t done = 0; done < count; done += max_batch_) {
        const std::size_t n = std::min(max_batch_, count - done);
        forward(d, d.identity, first + done, n);
        tail_.probabilities(d, first + done, n, tail_input(), probs.data() + done * k);
      }
      return probs;
    });
  }

 private:
  // One front-end layer: its output and the gradient there ([max_batch x output size], shared
  // with the layer below for an activation or a flatten, which work in place), a max-pool's
  // maxima, a conv's output gradient in the layouts its backward kernels read, and the kernels
  // of its program.
  struct FrontLayer {
    cl::Buffer out, grad, arg, dyp, dyt;
    ConvProgram program;
    std::map<std::string, KernelHandle> k;
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }

  // Vector loads of the conv kernels may run this many floats past a row.
  static constexpr std::size_t kSlack = 64;
  cl::Buffer buffer(std::size_t floats, const char* what) {
    cl::Buffer b = be_.make_buffer(CL_MEM_READ_WRITE, (floats + kSlack) * 4, what);
    zero_buffers(ctx_, {&b});
    return b;
  }

  // local 0: KernelHandle's default; the conv kernels are vectorised by hand, one work-item a
  // work-group on CPUs (as dense.cl's).
  KernelHandle kernel(const std::string& defines, const char* name, std::size_t local) {
    return KernelHandle(ctx_, "conv", defines, name, local);
  }

  void build(std::size_t l, std::size_t rows) {
    const Layer& L = net_.layers[l];
    const MapShape& out = shapes_[l + 1];
    FrontLayer& F = front_layers_[l];
    if (l > 0 && (L.kind == LayerKind::kActivation || L.kind == LayerKind::kFlatten)) {
      F.out = front_layers_[l - 1].out;  // in place
      F.grad = front_layers_[l - 1].grad;
    } else {
      F.out = buffer(rows * out.size(), "activations");
      F.grad = buffer(rows * out.size(), "gradients");
    }
    F.program = conv_program(net_, l);
    // On CPUs: one work-item a work-group for the kernels vectorised by hand (as dense.cl's),
    // 64 for the elementwise ones, which PoCL vectorises across work-items (7x faster than 4
    // for activation_backward, 2.8x for spread_gradient). Elsewhere KernelHandle's default.
    const bool cpu = ctx_.desc().type == DeviceType::kCpu;
    const std::size_t hand = cpu ? 1 : 0, elementwise = cpu ? 64 : 0;
    const std::vector<const char*>* names = nullptr;
    static const std::vector<const char*> conv = {"conv_forward", "spread_gradient",
                                                  "conv_backward_data", "conv_filter_update"};
    static const std::vector<const char*> pool = {"max_pool_forward", "max_pool_backward"};
    static const std::vector<const char*> act = {"bias_activation_forward", "activation_backward",
                                                 "map_bias_update"};
    if (L.kind == LayerKind::kConv2d) {
      const std::size_t vec = F.program.vec, pad = L.kernel - 1;
      const std::size_t fp = (L.filters + vec - 1) / vec * vec;
      if (l > 0) {
        F.dyp = buffer(rows * L.filters * (out.rows + 2 * pad) * (out.cols + 2 * pad),
                       "padded gradients");
      }
      F.dyt = buffer(rows * out.rows * out.cols * fp, "transposed gradients");
      names = &conv;
    } else if (L.kind == LayerKind::kMaxPool) {
      F.arg = buffer(rows * out.size(), "pooling maxima");
      names = &pool;
    } else if (L.kind == LayerKind::kActivation) {
      names = &act;
    }
    if (names == nullptr) return;
    for (const char* name : *names) {
      const bool by_hand = L.kind == LayerKind::kConv2d && std::string(name) != "spread_gradient";
      F.k[name] = kernel(F.program.defines, name, by_hand ? hand : elementwise);
    }
  }

  ClDataset& checked(DatasetId id) { return network_dataset(be_, net_, id, false); }

  std::size_t check_size(const std::string& name, std::size_t values) const {
    const ParamSpec p = net_.param(name);  // throws for an unknown name
    if (values != 0 && values != p.size()) {
      throw std::invalid_argument("parameter '" + name + "' needs " + std::to_string(p.size()) +
                                  " values, not " + std::to_string(values));
    }
    return p.size();
  }

  FloatInput tail_input() const {
    const FrontLayer& F = front_layers_[front_ - 1];
    return {&F.out, &F.grad, shapes_[front_].size()};
  }
  const cl::Buffer& input_of(std::size_t l) const {
    return l == 0 ? input_ : front_layers_[l - 1].out;
  }

  // The front end's outputs for `count` rows at positions [first, ...) of `order`.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count) {
    set_args(pixels_, d.x, u(d.stride), order, u(first), u(count), net_.pixel_scale(), input_);
    enqueue_1d(ctx_, pixels_, count * net_.features());
    for (std::size_t l = 0; l < front_; ++l) {
      const Layer& L = net_.layers[l];
      const MapShape &in = shapes_[l], &out = shapes_[l + 1];
      FrontLayer& F = front_layers_[l];
      if (L.kind == LayerKind::kConv2d) {
        KernelHandle& k = F.k.at("conv_forward");
        set_args(k, input_of(l), u(count), params_.at(L.weight), F.out);
        enqueue_1d(ctx_, k, count * out.rows * (L.filters / F.program.fb));
      } else if (L.kind == LayerKind::kMaxPool) {
        KernelHandle& k = F.k.at("max_pool_forward");
        set_args(k, input_of(l), u(count), F.out, F.arg);
        enqueue_1d(ctx_, k, count * out.size());
      } else if (L.kind == LayerKind::kActivation) {
        KernelHandle& k = F.k.at("bias_activation_forward");
        const bool biased = !L.bias.empty();
        set_args(k, input_of(l), u(count), u(biased ? 1 : 0), biased ? params_.at(L.bias) : input_,
                 act_code(L.activation), F.out);
        enqueue_1d(ctx_, k, count * in.size());
      }
    }
  }

  // Layer l's update from its output gradient and the gradient at its input into the layer
  // below's, from the weights before their update.
  void backward(std::size_t l, std::size_t count, const SgdStep& step) {
    const Layer& L = net_.layers[l];
    const MapShape &in = shapes_[l], &out = shapes_[l + 1];
    FrontLayer& F = front_layers_[l];
    if (L.kind == LayerKind::kConv2d) {
      KernelHandle& spread = F.k.at("spread_gradient");
      set_args(spread, F.grad, u(count), u(l > 0 ? 1 : 0), l > 0 ? F.dyp : F.dyt, F.dyt);
      enqueue_1d(ctx_, spread, count * out.size());
      if (l > 0) {
        KernelHandle& k = F.k.at("conv_backward_data");
        set_args(k, F.dyp, u(count), params_.at(L.weight), front_layers_[l - 1].grad);
        enqueue_1d(ctx_, k, count * in.rows * (in.maps / F.program.cb));
      }
      KernelHandle& k = F.k.at("conv_filter_update");
      const float decays = decays_.at(L.weight) ? 1.0f : 0.0f;
      set_args(k, input_of(l), F.dyt, u(count), step.lr,
               decays * static_cast<float>(2.0 * static_cast<double>(step.l2)), decays * step.l1,
               params_.at(L.weight));
      enqueue_1d(ctx_, k, in.maps * L.kernel * ((L.filters + F.program.vec - 1) / F.program.vec));
    } else if (L.kind == LayerKind::kMaxPool && l > 0) {
      KernelHandle& k = F.k.at("max_pool_backward");
      set_args(k, F.grad, F.arg, u(count), front_layers_[l - 1].grad);
      enqueue_1d(ctx_, k, count * out.size());
    } else if (L.kind == LayerKind::kActivation) {  // in place: F.grad is the layer below's
      KernelHandle& k = F.k.at("activation_backward");
      set_args(k, F.out, u(count), act_code(L.activation), F.grad);
      enqueue_1d(ctx_, k, count * in.size());
      if (!L.bias.empty()) {
        KernelHandle& b = F.k.at("map_bias_update");
        set_args(b, F.grad, u(count), step.lr, params_.at(L.bias));
        enqueue_1d(ctx_, b, in.maps);
      }
    }
  }

  OpenClBackend& be_;
  Context& ctx_;
  NetworkSpec net_;
  std::vector<MapShape> shapes_;
  std::size_t front_, max_batch_;
  DenseLayers tail_;  // refers to net_
  cl::Buffer input_;  // [max_batch x features] scaled pixels
  KernelHandle pixels_;
  std::vector<FrontLayer> front_layers_;
  std::map<std::string, cl::Buffer> params_;  // the front end's, canonical layout
  std::map<std::string, bool> decays_;
};

}  // namespace

ConvProgram conv_program(const NetworkSpec& net, std::size_t l) {
  const std::vector<MapShape> shapes = net.shapes();
  const Layer& L = net.layers[l];
  const MapShape &in = shapes[l], &out = shapes[l + 1];
  ConvProgram p;
  p.defines = geometry(in);
  if (L.kind == LayerKind::kConv2d) {
    // As many outputs in registers as 12 vectors hold (of 16 on AVX2, 32 on AVX-512).
    constexpr std::size_t kAccumulators = 12;
    p.fb = divisor_up_to(L.filters, kAccumulators / ((out.cols + p.vec - 1) / p.vec));
    p.cb = divisor_up_to(in.maps, kAccumulators / ((in.cols + p.vec - 1) / p.vec));
    p.defines += " -DFILTERS=" + std::to_string(L.filters) + " -DK=" + std::to_string(L.kernel) +
                 " -DFB=" + std::to_string(p.fb) + " -DCB=" + std::to_string(p.cb) +
                 " -DVEC=" + std::to_string(p.vec);
  } else if (L.kind == LayerKind::kMaxPool) {
    p.defines += " -DWINDOW=" + std::to_string(L.window);
  }
  return p;
}

std::vector<std::string> conv_program_variants(const NetworkSpec& net) {
  std::vector<std::string> out;
  for (std::size_t l = 0; l < front_end(net); ++l) {
    const LayerKind k = net.layers[l].kind;
    if (k == LayerKind::kConv2d || k == LayerKind::kMaxPool || k == LayerKind::kActivation) {
      out.push_back("cl/conv.cl " + conv_program(net, l).defines);
    }
  }
  return out;
}

std::string conv_unfit(const NetworkSpec& net, const CompileOptions&) {
  const std::size_t front = front_end(net);
  if (front == 0) return "the network has no conv2d or pooling layer in front (use dense)";
  for (std::size_t l = front; l < net.layers.size(); ++l) {
    if (net.layers[l].kind != LayerKind::kDense) {
      return std::string("its front end is followed by dense layers only, and layer ") +
             std::to_string(l + 1) + " is " + to_string(net.layers[l].kind);
    }
  }
  return "";
}

std::unique_ptr<Executable> make_conv_executable(OpenClBackend& be, const NetworkSpec& net,
                                                 const CompileOptions& options) {
  return std::make_unique<ConvExecutable>(be, net, options);
}

}  // namespace clmnist::runtime
