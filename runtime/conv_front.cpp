// ConvFront: the conv family's stage, a network's front end of conv2d, max-pool, bias +
// activation and flatten layers on cl/conv.cl. It keeps every layer's output for the backward
// pass; an activation and a flatten work in place on the buffers of the layer below.
#include "conv_front.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

std::string geometry(const MapShape& in) {
  return "-DMAPS=" + std::to_string(in.maps) + " -DROWS=" + std::to_string(in.rows) +
         " -DCOLS=" + std::to_string(in.cols);
}

// A conv layer's filter count rounded up to whole vectors: the row length of its dyt.
std::size_t padded_filters(const Layer& conv, const ConvProgram& p) {
  return (conv.filters + p.vec - 1) / p.vec * p.vec;
}

// The largest divisor of n that is at most cap (at least 1).
std::size_t divisor_up_to(std::size_t n, std::size_t cap) {
  for (std::size_t d = std::max<std::size_t>(cap, 1); d > 1; --d) {
    if (n % d == 0) return d;
  }
  return 1;
}


}  // namespace

std::size_t conv_front_layers(const NetworkSpec& net) {
  std::size_t l = 0;
  while (l < net.layers.size() && net.layers[l].kind != LayerKind::kDense) ++l;
  return l;
}

ConvFront::ConvFront(OpenClBackend& be, const NetworkSpec& net, std::size_t rows,
                     const Tunables& conv)
    : be_(be),
      ctx_(be.context()),
      net_(net),
      shapes_(net.shapes()),
      front_(conv_front_layers(net)),
      conv_(conv) {
  check_tunables(conv_, "conv front end", conv_tunable_names(), front_);
  const MapShape& img = shapes_[0];
  input_ = buffer(rows * img.size(), "scaled pixels");
  pixels_ = kernel(geometry(img), "pixels_to_float", ctx_.desc().type == DeviceType::kCpu ? 64 : 0);
  front_layers_.resize(front_);
  for (std::size_t l = 0; l + 1 < front_; ++l) {
    const LayerKind kind = net.layers[l].kind, above = net.layers[l + 1].kind;
    if (kind == LayerKind::kMaxPool && above == LayerKind::kActivation) {
      front_layers_[l + 1].computed_below = true;
    }
    if (kind == LayerKind::kConv2d && above == LayerKind::kMaxPool) {
      front_layers_[l].spread_above = true;
    }
  }
  for (std::size_t l = 0; l < front_; ++l) {
    build(l, rows);
    for (const std::string& name : {net.layers[l].weight, net.layers[l].bias}) {
      if (name.empty()) continue;
      params_[name] = buffer(net.param(name).size(), "parameters");
      decays_[name] = net.param(name).decay;
    }
  }
}

void ConvFront::write_param(const std::string& name, const std::vector<float>& values) {
  check_size(name, values.size());
  ctx_.queue().enqueueWriteBuffer(params_.at(name), CL_TRUE, 0, values.size() * 4, values.data());
}

std::vector<float> ConvFront::read_param(const std::string& name) {
  std::vector<float> out(check_size(name, 0));
  ctx_.queue().enqueueReadBuffer(params_.at(name), CL_TRUE, 0, out.size() * 4, out.data());
  return out;
}

// Vector loads of the conv kernels may run this many floats past a row.
constexpr std::size_t kSlack = 64;

cl::Buffer ConvFront::buffer(std::size_t floats, const char* what) {
  cl::Buffer b = be_.make_buffer(CL_MEM_READ_WRITE, (floats + kSlack) * 4, what);
  zero_buffers(ctx_, {&b});
  return b;
}

// local 0: KernelHandle's default.
KernelHandle ConvFront::kernel(const std::string& defines, const char* name, std::size_t local) {
  return KernelHandle(ctx_, "conv", defines, name, local);
}

std::size_t ConvFront::check_size(const std::string& name, std::size_t values) const {
  const ParamSpec p = net_.param(name);  // throws for an unknown name
  if (values != 0 && values != p.size()) {
    throw std::invalid_argument("parameter '" + name + "' needs " + std::to_string(p.size()) +
                                " values, not " + std::to_string(values));
  }
  return p.size();
}

FloatInput ConvFront::output() const {
  const FrontLayer& F = front_layers_[front_ - 1];
  return {&F.out, &F.grad, shapes_[front_].size()};
}

PlanStep ConvFront::plan() const {
  std::string options = "cl/conv.cl";
  for (std::size_t l = 0; l < front_; ++l) {
    if (net_.layers[l].kind != LayerKind::kConv2d) continue;
    const ConvProgram& p = front_layers_[l].program;
    options += (options.size() == 10 ? ": L" : ", L") + std::to_string(l + 1) +
               " -DFB=" + std::to_string(p.fb) + " -DCB=" + std::to_string(p.cb) +
               " -DIB=" + std::to_string(p.ib) + " -DVEC=" + std::to_string(p.vec);
  }
  return {0, front_ - 1, "conv", options};
}

void ConvFront::backward(std::size_t count, const SgdStep& step) {
  for (std::size_t l = front_; l-- > 0;) backward_layer(l, count, step);
}

void ConvFront::build(std::size_t l, std::size_t rows) {
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
  F.program = conv_program(net_, l, conv_);
  // On CPUs: one work-item a work-group for the kernels that loop by hand (as dense.cl's), 64
  // for the elementwise ones, which PoCL vectorises across work-items (7x faster than 4 for
  // activation_backward, 2.8x for spread_gradient). Elsewhere KernelHandle's default.
  const bool cpu = ctx_.desc().type == DeviceType::kCpu;
  const std::size_t hand = cpu ? 1 : 0, elementwise = cpu ? 64 : 0;
  const std::vector<const char*>* names = nullptr;
  static const std::vector<const char*> conv = {"conv_forward", "spread_gradient",
                                                "conv_backward_data", "conv_filter_update"};
  static const std::vector<const char*> pool = {"max_pool_forward", "max_pool_backward",
                                                "max_pool_backward_spread"};
  static const std::vector<const char*> act = {"bias_activation_forward", "activation_backward",
                                               "map_bias_update"};
  if (L.kind == LayerKind::kConv2d) {
    const std::size_t pad = L.kernel - 1, fp = padded_filters(L, F.program);
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
  static const std::set<std::string> elementwise_kernels = {
      "spread_gradient", "max_pool_backward", "bias_activation_forward", "activation_backward",
      "map_bias_update"};
  for (const char* name : *names) {
    F.k[name] = kernel(F.program.defines, name, elementwise_kernels.count(name) ? elementwise : hand);
  }
}

// The front end's outputs for `count` rows at positions [first, ...) of `order`.
void ConvFront::forward(ClDataset& d, const cl::Buffer& order, std::size_t first,
                        std::size_t count) {
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
    } else if (L.kind == LayerKind::kMaxPool) {  // and the activation above, if any
      KernelHandle& k = F.k.at("max_pool_forward");
      const bool act = l + 1 < front_ && front_layers_[l + 1].computed_below;
      const Layer& A = act ? net_.layers[l + 1] : L;
      set_args(k, input_of(l), u(count), u(A.bias.empty() ? 0 : 1), bias_or_any(A),
               act ? activation_code(A.activation) : -1, F.out, F.arg);
      enqueue_1d(ctx_, k, count * in.maps);
    } else if (L.kind == LayerKind::kActivation && !F.computed_below) {
      KernelHandle& k = F.k.at("bias_activation_forward");
      set_args(k, input_of(l), u(count), u(L.bias.empty() ? 0 : 1), bias_or_any(L),
               activation_code(L.activation), F.out);
      enqueue_1d(ctx_, k, count * in.size());
    }
  }
}

// Layer l's update from its output gradient and the gradient at its input into the layer
// below's, from the weights before their update.
void ConvFront::backward_layer(std::size_t l, std::size_t count, const SgdStep& step) {
  const Layer& L = net_.layers[l];
  const MapShape &in = shapes_[l], &out = shapes_[l + 1];
  FrontLayer& F = front_layers_[l];
  if (L.kind == LayerKind::kConv2d) {
    if (!F.spread_above) {
      KernelHandle& spread = F.k.at("spread_gradient");
      set_args(spread, F.grad, u(count), u(l > 0 ? 1 : 0), l > 0 ? F.dyp : F.dyt, F.dyt);
      enqueue_1d(ctx_, spread, count * out.size());
    }
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
    enqueue_1d(ctx_, k, in.maps * (L.kernel / F.program.ib) *
                            (padded_filters(L, F.program) / F.program.vec));
  } else if (L.kind == LayerKind::kMaxPool && l > 0 && front_layers_[l - 1].spread_above) {
    // Straight into the conv layer's layouts: its dyp only where it passes a gradient down.
    FrontLayer& C = front_layers_[l - 1];
    const std::size_t pad = net_.layers[l - 1].kernel - 1;
    KernelHandle& k = F.k.at("max_pool_backward_spread");
    set_args(k, F.grad, F.arg, u(count), u(padded_filters(net_.layers[l - 1], C.program)),
             u(l > 1 ? 1 : 0), u(pad), l > 1 ? C.dyp : C.dyt, C.dyt);
    enqueue_1d(ctx_, k, count * out.rows);
  } else if (L.kind == LayerKind::kMaxPool && l > 0) {
    KernelHandle& k = F.k.at("max_pool_backward");
    set_args(k, F.grad, F.arg, u(count), front_layers_[l - 1].grad);
    enqueue_1d(ctx_, k, count * out.size());
  } else if (L.kind == LayerKind::kActivation) {  // in place: F.grad is the layer below's
    KernelHandle& k = F.k.at("activation_backward");
    set_args(k, F.out, u(count), activation_code(L.activation), F.grad);
    enqueue_1d(ctx_, k, count * in.size());
    if (!L.bias.empty()) {
      KernelHandle& b = F.k.at("map_bias_update");
      set_args(b, F.grad, u(count), step.lr, params_.at(L.bias));
      enqueue_1d(ctx_, b, in.maps);
    }
  }
}

namespace {

// A conv layer's tunable: the value given (checked by `fits`) or the derived default.
std::size_t conv_choice(const Tunables& conv, const char* name, std::size_t l,
                        std::size_t derived, const std::function<std::string(unsigned)>& fits) {
  const unsigned v = tunable(conv, name, l, 0);
  if (v == 0) return derived;
  if (const std::string why = fits(v); !why.empty()) {
    throw std::invalid_argument(std::string(name) + "=" + std::to_string(v) + " does not fit layer " +
                                std::to_string(l + 1) + ": " + why);
  }
  return v;
}

std::string divides(unsigned v, std::size_t n, const char* what) {
  return n % v == 0 ? "" : "it must divide the layer's " + std::to_string(n) + " " + what;
}

}  // namespace

ConvProgram conv_program(const NetworkSpec& net, std::size_t l, const Tunables& conv) {
  const std::vector<MapShape> shapes = net.shapes();
  const Layer& L = net.layers[l];
  const MapShape &in = shapes[l], &out = shapes[l + 1];
  ConvProgram p;
  p.defines = geometry(in);
  if (L.kind == LayerKind::kConv2d) {
    p.vec = conv_choice(conv, "conv_vec", l, p.vec, [](unsigned v) {
      return v == 4 || v == 8 || v == 16 ? "" : "it must be 4, 8 or 16";
    });
    // As many outputs in registers as 12 vectors hold (of 16 on AVX2, 32 on AVX-512).
    constexpr std::size_t kAccumulators = 12;
    p.fb = conv_choice(conv, "conv_fb", l,
                       divisor_up_to(L.filters, kAccumulators / ((out.cols + p.vec - 1) / p.vec)),
                       [&L](unsigned v) { return divides(v, L.filters, "filters"); });
    p.cb = conv_choice(conv, "conv_cb", l,
                       divisor_up_to(in.maps, kAccumulators / ((in.cols + p.vec - 1) / p.vec)),
                       [&in](unsigned v) { return divides(v, in.maps, "input maps"); });
    // All K tap rows a filter-gradient work-item where that leaves a few work-items a core.
    constexpr std::size_t kEnoughItems = 32;
    p.ib = conv_choice(conv, "conv_ib", l,
                       in.maps * padded_filters(L, p) / p.vec >= kEnoughItems ? L.kernel : 1,
                       [&L](unsigned v) {
                         return v == 1 || v == L.kernel
                                    ? ""
                                    : "it must be 1 or the kernel size " + std::to_string(L.kernel);
                       });
    p.defines += " -DFILTERS=" + std::to_string(L.filters) + " -DK=" + std::to_string(L.kernel) +
                 " -DFB=" + std::to_string(p.fb) + " -DCB=" + std::to_string(p.cb) +
                 " -DIB=" + std::to_string(p.ib) +
                 " -DVEC=" + std::to_string(p.vec);
  } else if (L.kind == LayerKind::kMaxPool) {
    p.defines += " -DWINDOW=" + std::to_string(L.window);
  }
  return p;
}

std::vector<std::string> conv_program_variants(const NetworkSpec& net, const Tunables& conv) {
  check_tunables(conv, "conv front end", conv_tunable_names(), conv_front_layers(net));
  std::vector<std::string> out;
  for (std::size_t l = 0; l < conv_front_layers(net); ++l) {
    const LayerKind k = net.layers[l].kind;
    if (k == LayerKind::kConv2d || k == LayerKind::kMaxPool || k == LayerKind::kActivation) {
      out.push_back("cl/conv.cl " + conv_program(net, l, conv).defines);
    }
  }
  return out;
}

std::vector<std::string> conv_tunable_names() {
  return {"conv_fb", "conv_cb", "conv_ib", "conv_vec"};
}

std::pair<Tunables, Tunables> split_conv_tunables(const Tunables& t) {
  std::pair<Tunables, Tunables> out;
  for (const auto& [name, value] : t) {
    const std::size_t dot = name.find('.');
    const std::string bare = dot == std::string::npos ? name : name.substr(dot + 1);
    (bare.rfind("conv_", 0) == 0 ? out.first : out.second)[name] = value;
  }
  return out;
}

}  // namespace clmnist::runtime
