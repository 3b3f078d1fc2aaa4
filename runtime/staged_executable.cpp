// The executable the planner composes from stages: a network's conv front end, where it has one
// (ConvFront, the conv family), then its dense layers and head on one dense-layer family's stage
// (DenseLayers or the gpu family's; layer_stage.hpp). One network may so run on two families; the
// dense and gpu families are the same executable without a front end. No host round trip between
// the stages: both queue on the same device.
#include <algorithm>
#include <memory>
#include <stdexcept>

#include "conv_front.hpp"
#include "fault_injection.hpp"
#include "layer_stage.hpp"

namespace clmnist::runtime {
namespace {

using StageMaker = std::unique_ptr<LayerStage> (*)(OpenClBackend&, const NetworkSpec&,
                                                   std::size_t, const CompileOptions&,
                                                   std::size_t);

// A dense-layer family's stage: how it is made, the rows an evaluation runs at once without a
// front end (at least the training batch; a front end evaluates a batch at a time), and whether
// it reads the pixels through the dataset's sparse index.
struct StageKind {
  StageMaker make;
  std::size_t eval_rows;
  bool sparse_pixels;
};
constexpr StageKind kDenseStage{make_dense_layers, 1024, true};
constexpr StageKind kGpuStage{make_gpu_layers, 4096, false};

class StagedExecutable final : public Executable {
 public:
  StagedExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options,
                   const StageKind& tail)
      : be_(be),
        net_(net),
        max_batch_(options.max_batch),
        tunables_(split_conv_tunables(options.tunables)),
        front_(conv_front_layers(net_) > 0
                   ? std::make_unique<ConvFront>(be, net_, max_batch_, tunables_.first)
                   : nullptr),
        rows_cap_(front_ ? max_batch_ : std::max(max_batch_, tail.eval_rows)),
        sparse_(!front_ && tail.sparse_pixels),
        tail_(tail.make(be, net_, front_ ? front_->layers() : 0, tail_options(options),
                        rows_cap_)) {}

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    std::vector<PlanStep> p;
    if (front_) p.push_back(front_->plan());
    for (const PlanStep& s : tail_->plan()) p.push_back(s);
    return p;
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    guarded("writing parameters", [&] {
      if (front_ && front_->owns(name)) return front_->write_param(name, values);
      tail_->write_param(name, values);
    });
  }

  std::vector<float> read_param(const std::string& name) override {
    return guarded("reading parameters", [&] {
      if (front_ && front_->owns(name)) return front_->read_param(name);
      return tail_->read_param(name);
    });
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = checked(id);
      check_minibatch(first, count, d.rows, max_batch_);
          if (front_) front_->forward(d, d.order, first, count);
      tail_->sgd_step(d, first, count, step, tail_input());
      if (front_) front_->backward(count, step);
    });
  }

  double train_loss(DatasetId id, std::size_t first, std::size_t count) override {
    return guarded("reading training losses",
                   [&] { return mean_loss(be_.context(), be_.dataset(id), first, count); });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = checked(id);
      for (std::size_t first = 0; first < d.rows; first += rows_cap_) {
        const std::size_t n = std::min(rows_cap_, d.rows - first);
        if (front_) front_->forward(d, d.identity, first, n);
        tail_->evaluate(d, first, n, tail_input());
      }
      return count_errors(be_.context(), d, counted);
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
      for (std::size_t done = 0; done < count; done += rows_cap_) {
        const std::size_t n = std::min(rows_cap_, count - done);
        if (front_) front_->forward(d, d.identity, first + done, n);
        tail_->probabilities(d, first + done, n, tail_input(), probs.data() + done * k);
      }
      return probs;
    });
  }

 private:
  ClDataset& checked(DatasetId id) { return network_dataset(be_, net_, id, sparse_); }
  FloatInput tail_input() const { return front_ ? front_->output() : FloatInput{}; }
  // The options of the dense layers' stage: the tunables without the front end's.
  CompileOptions tail_options(const CompileOptions& options) const {
    CompileOptions o = options;
    o.tunables = tunables_.second;
    return o;
  }

  OpenClBackend& be_;
  NetworkSpec net_;  // the stages refer to it
  std::size_t max_batch_;
  std::pair<Tunables, Tunables> tunables_;  // the front end's (conv_*) and the dense stage's
  std::unique_ptr<ConvFront> front_;
  std::size_t rows_cap_;
  bool sparse_;
  std::unique_ptr<LayerStage> tail_;
};

}  // namespace

std::string conv_unfit(const NetworkSpec& net, const CompileOptions&) {
  const std::size_t front = conv_front_layers(net);
  if (front == 0) return "the network has no conv2d or pooling layer in front (use dense)";
  for (std::size_t l = front; l < net.layers.size(); ++l) {
    if (net.layers[l].kind != LayerKind::kDense) {
      return std::string("its front end is followed by dense layers only, and layer ") +
             std::to_string(l + 1) + " is " + to_string(net.layers[l].kind);
    }
  }
  return "";
}

std::string dense_layers_unfit(const NetworkSpec& net) {
  return net.all_dense() ? "" : conv_unfit(net, {});
}

std::unique_ptr<Executable> make_dense_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options) {
  return std::make_unique<StagedExecutable>(be, net, options, kDenseStage);
}

std::unique_ptr<Executable> make_gpu_executable(OpenClBackend& be, const NetworkSpec& net,
                                                const CompileOptions& options) {
  return std::make_unique<StagedExecutable>(be, net, options, kGpuStage);
}

std::unique_ptr<Executable> make_conv_executable(OpenClBackend& be, const NetworkSpec& net,
                                                 const CompileOptions& options) {
  return std::make_unique<StagedExecutable>(be, net, options, kDenseStage);
}

}  // namespace clmnist::runtime
