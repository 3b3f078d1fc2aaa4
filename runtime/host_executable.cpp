// The host backend's executable: a generic per-layer lowering of any NetworkSpec onto the ops of
// host_layers.hpp. Weights are held transposed ([outputs x inputs]); parameters are read and
// written in the canonical layout.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "host_backend.hpp"
#include "host_layers.hpp"

namespace clmnist::runtime {
namespace {

class HostExecutable final : public Executable {
 public:
  HostExecutable(HostBackend& backend, const NetworkSpec& net, std::size_t max_batch)
      : be_(backend), net_(net), max_batch_(max_batch) {
    const std::size_t layers = net.layers.size();
    wt_.resize(layers);
    b_.resize(layers);
    act_.resize(layers);
    grad_.resize(layers);
    for (std::size_t l = 0; l < layers; ++l) {
      wt_[l].assign(net.layers[l].inputs * net.layers[l].outputs, 0.0f);
      b_[l].assign(net.layers[l].outputs, 0.0f);
      act_[l].resize(max_batch * net.layers[l].outputs);
      grad_[l].resize(max_batch * net.layers[l].outputs);
    }
  }

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    return {{0, net_.layers.size() - 1, "host", "C++, 1 thread"}};
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    const auto [l, is_bias] = locate(name);
    const DenseLayer& L = net_.layers[l];
    if (values.size() != (is_bias ? L.outputs : L.inputs * L.outputs)) {
      throw std::invalid_argument("parameter '" + name + "' needs " +
                                  std::to_string(is_bias ? L.outputs : L.inputs * L.outputs) +
                                  " values, not " + std::to_string(values.size()));
    }
    if (is_bias) {
      b_[l] = values;
      return;
    }
    for (std::size_t i = 0; i < L.inputs; ++i) {
      for (std::size_t o = 0; o < L.outputs; ++o)
        wt_[l][o * L.inputs + i] = values[i * L.outputs + o];
    }
  }

  std::vector<float> read_param(const std::string& name) override {
    const auto [l, is_bias] = locate(name);
    if (is_bias) return b_[l];
    const DenseLayer& L = net_.layers[l];
    std::vector<float> out(L.inputs * L.outputs);
    for (std::size_t i = 0; i < L.inputs; ++i) {
      for (std::size_t o = 0; o < L.outputs; ++o) out[i * L.outputs + o] = wt_[l][o * L.inputs + i];
    }
    return out;
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    HostBackend::Dataset& d = checked(id);
    check_minibatch(first, count, d.rows, max_batch_);
    forward(d, d.order.data() + first, count);
    const DenseLayer& top = net_.layers.back();
    const std::size_t k = top.outputs, last = net_.layers.size() - 1;
    const float inv = 1.0f / static_cast<float>(count);
    for (std::size_t i = 0; i < count; ++i) {
      d.loss[first + i] =
          host::head_gradient(act_[last].data() + i * k, b_[last].data(), k,
                              d.labels[d.order[first + i]], inv, grad_[last].data() + i * k);
    }
    for (std::size_t l = last + 1; l-- > 0;) {
      const DenseLayer& L = net_.layers[l];
      if (l > 0) {  // the gradient below, from this layer's weights before their update
        host::backward_data(grad_[l].data(), count, L.outputs, L.inputs, wt_[l].data(),
                            act_[l - 1].data(), net_.layers[l - 1].activation, grad_[l - 1].data());
        const float* a = act_[l - 1].data();
        host::dense_update([a, &L](std::size_t i) { return a + i * L.inputs; }, count, L.inputs,
                           L.outputs, 1.0f, grad_[l].data(), step, wt_[l].data(), b_[l].data(),
                           scratch_);
      } else {
        const std::uint8_t* x = d.images.data();
        const std::uint32_t* rows = d.order.data() + first;
        const std::size_t n = L.inputs;
        host::dense_update([x, rows, n](std::size_t i) { return x + std::size_t{rows[i]} * n; },
                           count, n, L.outputs, net_.pixel_scale(), grad_[0].data(), step,
                           wt_[0].data(), b_[0].data(), scratch_);
      }
    }
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
    std::vector<float> p(k);
    for (std::size_t first = 0; first < d.rows; first += max_batch_) {
      const std::size_t n = std::min(max_batch_, d.rows - first);
      forward(d, identity(first, n), n);
      for (std::size_t i = 0; i < n; ++i) {
        bool wrong = false;
        out.nll_sum_all += host::head_evaluate(act_[last].data() + i * k, b_[last].data(), k,
                                               d.labels[first + i], p.data(), &wrong);
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
    std::vector<float> probs(count * k);
    for (std::size_t done = 0; done < count; done += max_batch_) {
      const std::size_t n = std::min(max_batch_, count - done);
      forward(d, identity(first + done, n), n);
      for (std::size_t i = 0; i < n; ++i) {
        host::softmax_row(act_[last].data() + i * k, b_[last].data(), k,
                          probs.data() + (done + i) * k);
      }
    }
    return probs;
  }

 private:
  HostBackend::Dataset& checked(DatasetId id) {
    HostBackend::Dataset& d = be_.dataset(id);
    if (d.features != net_.features()) {
      throw std::invalid_argument("dataset has " + std::to_string(d.features) +
                                  " features, the network takes " +
                                  std::to_string(net_.features()));
    }
    return d;
  }

  std::pair<std::size_t, bool> locate(const std::string& name) const {
    for (std::size_t l = 0; l < net_.layers.size(); ++l) {
      if (net_.layers[l].weight == name) return {l, false};
      if (net_.layers[l].bias == name) return {l, true};
    }
    net_.param(name);  // throws, naming the parameters there are
    return {0, false};
  }

  const std::uint32_t* identity(std::size_t first, std::size_t n) {
    rows_.resize(n);
    std::iota(rows_.begin(), rows_.end(), static_cast<std::uint32_t>(first));
    return rows_.data();
  }

  // act_[l] for every layer of rows[0 .. count): hidden layers after bias and activation, the
  // last one the logits before the bias (the head adds it).
  void forward(const HostBackend::Dataset& d, const std::uint32_t* rows, std::size_t count) {
    const std::size_t last = net_.layers.size() - 1;
    for (std::size_t l = 0; l <= last; ++l) {
      const DenseLayer& L = net_.layers[l];
      if (l == 0) {
        host::linear_dots(d.images.data(), rows, 0, count, L.inputs, L.outputs, net_.pixel_scale(),
                          wt_[0].data(), act_[0].data());
      } else {
        host::dense_dots(act_[l - 1].data(), count, L.inputs, L.outputs, wt_[l].data(),
                         act_[l].data());
      }
      if (l < last)
        host::bias_activation(count, L.outputs, b_[l].data(), L.activation, act_[l].data());
    }
  }

  HostBackend& be_;
  NetworkSpec net_;
  std::size_t max_batch_;
  std::vector<std::vector<float>> wt_, b_;  // per layer: [outputs x inputs], [outputs]
  std::vector<std::vector<float>> act_;     // per layer: [max_batch x outputs]
  std::vector<std::vector<float>> grad_;    // per layer: d cost / d pre-activation
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
