// The host backend's executable: a generic per-layer lowering of any NetworkSpec onto the ops of
// host_layers.hpp (dense, head, update) and host_conv.hpp (conv2d, max-pool, bias + activation).
// Dense weights are held transposed ([outputs x inputs]); parameters are read and written in
// the canonical layout.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "host_backend.hpp"
#include "host_conv.hpp"
#include "host_layers.hpp"

namespace clmnist::runtime {
namespace {

class HostExecutable final : public Executable {
 public:
  HostExecutable(HostBackend& backend, const NetworkSpec& net, std::size_t max_batch)
      : be_(backend), net_(net), max_batch_(max_batch), shapes_(net.shapes()) {
    const std::size_t layers = net.layers.size();
    out_.resize(layers);
    grad_.resize(layers);
    arg_.resize(layers);
    for (std::size_t l = 0; l < layers; ++l) {
      out_[l].resize(max_batch * shapes_[l + 1].size());
      grad_[l].resize(max_batch * shapes_[l + 1].size());
      if (net.layers[l].kind == LayerKind::kMaxPool) arg_[l].resize(out_[l].size());
    }
    for (const ParamSpec& p : net.params()) {
      params_[p.name].assign(p.size(), 0.0f);
      decays_[p.name] = p.decay;
    }
    if (net.layers.front().kind != LayerKind::kDense) input_.resize(max_batch * net.features());
  }

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    return {{0, net_.layers.size() - 1, "host", "C++, 1 thread"}};
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    const ParamSpec p = net_.param(name);  // throws for an unknown name
    if (values.size() != p.size()) {
      throw std::invalid_argument("parameter '" + name + "' needs " + std::to_string(p.size()) +
                                  " values, not " + std::to_string(values.size()));
    }
    if (!dense_weight(p)) {
      params_[name] = values;
      return;
    }
    const std::size_t in = p.shape[0], outs = p.shape[1];
    std::vector<float>& wt = params_[name];
    for (std::size_t i = 0; i < in; ++i) {
      for (std::size_t o = 0; o < outs; ++o) wt[o * in + i] = values[i * outs + o];
    }
  }

  std::vector<float> read_param(const std::string& name) override {
    const ParamSpec p = net_.param(name);
    if (!dense_weight(p)) return params_[name];
    const std::size_t in = p.shape[0], outs = p.shape[1];
    const std::vector<float>& wt = params_[name];
    std::vector<float> out(in * outs);
    for (std::size_t i = 0; i < in; ++i) {
      for (std::size_t o = 0; o < outs; ++o) out[i * outs + o] = wt[o * in + i];
    }
    return out;
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    HostBackend::Dataset& d = checked(id);
    check_minibatch(first, count, d.rows, max_batch_);
    const std::uint32_t* rows = d.order.data() + first;
    forward(d, rows, count);
    const std::size_t last = net_.layers.size() - 1, k = net_.classes();
    const float inv = 1.0f / static_cast<float>(count);
    const float* b = params_[net_.layers[last].bias].data();
    for (std::size_t i = 0; i < count; ++i) {
      d.loss[first + i] = host::head_gradient(out_[last].data() + i * k, b, k, d.labels[rows[i]],
                                              inv, grad_[last].data() + i * k);
    }
    for (std::size_t l = last + 1; l-- > 0;) backward(d, rows, count, l, step);
  }

  double train_loss(DatasetId id, std::size_t first, std::size_t count) override {
    HostBackend::Dataset& d = checked(id);
    if (count == 0) return 0.0;
    if (first > d.rows || count > d.rows - first) {
      throw std::out_of_range("loss rows outside the dataset");
    }
    double s = 0.0;
    for (std::size_t i = first; i < first + count; ++i) s += d.loss[i];
    return s / static_cast<double>(count);
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    HostBackend::Dataset& d = checked(id);
    EvalCounts out;
    const std::size_t k = net_.classes(), last = net_.layers.size() - 1;
    const float* b = params_[net_.layers[last].bias].data();
    std::vector<float> p(k);
    for (std::size_t first = 0; first < d.rows; first += max_batch_) {
      const std::size_t n = std::min(max_batch_, d.rows - first);
      forward(d, identity(first, n), n);
      for (std::size_t i = 0; i < n; ++i) {
        bool wrong = false;
        out.nll_sum_all += host::head_evaluate(out_[last].data() + i * k, b, k, d.labels[first + i],
                                               p.data(), &wrong);
        out.errors_all += wrong ? 1 : 0;
        if (first + i < counted) out.errors_counted += wrong ? 1 : 0;
      }
    }
    return out;
  }

  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override {
    HostBackend::Dataset& d = checked(id);
    if (first > d.rows || count > d.rows - first) {
      throw std::out_of_range("predict rows outside the dataset");
    }
    const std::size_t k = net_.classes(), last = net_.layers.size() - 1;
    const float* b = params_[net_.layers[last].bias].data();
    std::vector<float> probs(count * k);
    for (std::size_t done = 0; done < count; done += max_batch_) {
      const std::size_t n = std::min(max_batch_, count - done);
      forward(d, identity(first + done, n), n);
      for (std::size_t i = 0; i < n; ++i) {
        host::softmax_row(out_[last].data() + i * k, b, k, probs.data() + (done + i) * k);
      }
    }
    return probs;
  }

 private:
  static bool dense_weight(const ParamSpec& p) { return p.shape.size() == 2; }

  HostBackend::Dataset& checked(DatasetId id) {
    HostBackend::Dataset& d = be_.dataset(id);
    if (d.features != net_.features()) {
      throw std::invalid_argument("dataset has " + std::to_string(d.features) +
                                  " features, the network takes " +
                                  std::to_string(net_.features()));
    }
    return d;
  }

  const std::uint32_t* identity(std::size_t first, std::size_t n) {
    rows_.resize(n);
    std::iota(rows_.begin(), rows_.end(), static_cast<std::uint32_t>(first));
    return rows_.data();
  }

  // The float input of layer l > 0, or of a first layer that is not dense (scaled pixels).
  const float* input_of(std::size_t l) const { return l == 0 ? input_.data() : out_[l - 1].data(); }
  float* param(const std::string& name) { return params_[name].data(); }

  // out_[l] for every layer of rows[0 .. count): dense hidden layers after bias and activation,
  // the last one the logits before the bias (the head adds it).
  void forward(const HostBackend::Dataset& d, const std::uint32_t* rows, std::size_t count) {
    const std::size_t last = net_.layers.size() - 1;
    if (!input_.empty()) {
      host::u8_to_float(d.images.data(), rows, 0, count, net_.features(), net_.pixel_scale(),
                        input_.data());
    }
    for (std::size_t l = 0; l <= last; ++l) {
      const Layer& L = net_.layers[l];
      const MapShape& in = shapes_[l];
      float* y = out_[l].data();
      switch (L.kind) {
        case LayerKind::kDense:
          if (l == 0) {  // straight from the uint8 pixels, the scale after the dot (the kernels')
            host::linear_dots(d.images.data(), rows, 0, count, L.inputs, L.outputs,
                              net_.pixel_scale(), param(L.weight), y);
          } else {
            host::dense_dots(input_of(l), count, L.inputs, L.outputs, param(L.weight), y);
          }
          if (l < last) host::bias_activation(count, L.outputs, param(L.bias), L.activation, y);
          break;
        case LayerKind::kConv2d:
          host::conv2d_forward(input_of(l), count, in, L.filters, L.kernel, param(L.weight), y);
          break;
        case LayerKind::kMaxPool:
          host::max_pool_forward(input_of(l), count, in, L.window, y, arg_[l].data());
          break;
        case LayerKind::kActivation:
          std::copy_n(input_of(l), count * in.size(), y);
          host::map_bias_activation(count, in, L.bias.empty() ? nullptr : param(L.bias),
                                    L.activation, y);
          break;
        case LayerKind::kFlatten:
          std::copy_n(input_of(l), count * in.size(), y);
          break;
      }
    }
  }

  // Layer l's update from grad_[l] (the gradient at its output; a dense layer's before its
  // activation), and the gradient at its input into grad_[l - 1], from the weights before their
  // update. A dense layer below gets the gradient before its own activation.
  void backward(const HostBackend::Dataset& d, const std::uint32_t* rows, std::size_t count,
                std::size_t l, const SgdStep& step) {
    const Layer& L = net_.layers[l];
    const MapShape &in = shapes_[l], &out = shapes_[l + 1];
    float* g = grad_[l].data();
    float* below = l > 0 ? grad_[l - 1].data() : nullptr;
    bool below_done = false;  // whether the activation of a dense layer below is applied
    switch (L.kind) {
      case LayerKind::kDense:
        if (l > 0) {
          const Activation act = below_activation(l);
          host::backward_data(g, count, L.outputs, L.inputs, param(L.weight), input_of(l), act,
                              below);
          below_done = true;
          const float* a = input_of(l);
          host::dense_update([a, &L](std::size_t i) { return a + i * L.inputs; }, count, L.inputs,
                             L.outputs, 1.0f, g, step, decays_[L.weight], param(L.weight),
                             param(L.bias), scratch_);
        } else {
          const std::uint8_t* x = d.images.data();
          const std::size_t n = L.inputs;
          host::dense_update([x, rows, n](std::size_t i) { return x + std::size_t{rows[i]} * n; },
                             count, n, L.outputs, net_.pixel_scale(), g, step, decays_[L.weight],
                             param(L.weight), param(L.bias), scratch_);
        }
        break;
      case LayerKind::kConv2d:
        if (below != nullptr) {
          host::conv2d_backward_data(g, count, in, L.filters, L.kernel, param(L.weight), below);
        }
        scratch_.resize(L.filters * in.maps * L.kernel * L.kernel);
        host::conv2d_backward_filter(input_of(l), g, count, in, L.filters, L.kernel,
                                     scratch_.data());
        host::sgd_update(param(L.weight), scratch_.data(), scratch_.size(), 1.0f, step,
                         decays_[L.weight]);
        break;
      case LayerKind::kMaxPool:
        if (below != nullptr) host::max_pool_backward(g, arg_[l].data(), count, in, out, below);
        break;
      case LayerKind::kActivation: {
        scratch_.resize(out.maps);
        const bool biased = !L.bias.empty();
        host::map_activation_backward(count, out, out_[l].data(), L.activation, g,
                                      biased ? scratch_.data() : nullptr);
        if (biased) host::sgd_update(param(L.bias), scratch_.data(), out.maps, 1.0f, step, false);
        if (below != nullptr) std::copy_n(g, count * in.size(), below);
        break;
      }
      case LayerKind::kFlatten:
        if (below != nullptr) std::copy_n(g, count * in.size(), below);
        break;
    }
    if (below != nullptr && !below_done && below_activation(l) != Activation::kNone) {
      host::map_activation_backward(count, MapShape{in.size(), 1, 1}, input_of(l),
                                    below_activation(l), below, static_cast<float*>(nullptr));
    }
  }

  // The activation of a dense layer below layer l, which its gradient must pass through.
  Activation below_activation(std::size_t l) const {
    const Layer& b = net_.layers[l - 1];
    return b.kind == LayerKind::kDense ? b.activation : Activation::kNone;
  }

  HostBackend& be_;
  NetworkSpec net_;
  std::size_t max_batch_;
  std::vector<MapShape> shapes_;                      // entering each layer, then the output
  std::map<std::string, std::vector<float>> params_;  // dense weights [outputs x inputs]
  std::map<std::string, bool> decays_;                // from the declarations
  std::vector<float> input_;                          // [max_batch x features], scaled pixels
  std::vector<std::vector<float>> out_, grad_;        // per layer: [max_batch x output size]
  std::vector<std::vector<std::uint32_t>> arg_;       // per max-pool layer: its maxima
  std::vector<float> scratch_;
  std::vector<std::uint32_t> rows_;
};

}  // namespace

std::unique_ptr<Executable> HostBackend::compile(const NetworkSpec& net,
                                                 const CompileOptions& options) {
  net.validate();
  if (options.max_batch == 0) throw std::invalid_argument("max_batch must be at least 1");
  if (options.impl != Impl::kAuto) {
    throw std::invalid_argument(std::string("the host backend has one implementation; --impl ") +
                                to_string(options.impl) + " needs an OpenCL device");
  }
  return std::make_unique<HostExecutable>(*this, net, options.max_batch);
}

}  // namespace clmnist::runtime
