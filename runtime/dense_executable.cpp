// dense: a network of dense layers on the per-layer kernels of cl/dense.cl (DenseLayers), read
// straight from the uint8 pixels.
#include <stdexcept>

#include "dense_layers.hpp"
#include "fault_injection.hpp"

namespace clmnist::runtime {
namespace {

// Rows an evaluation or prediction runs at once (at least the training batch).
constexpr std::size_t kEvalRows = 1024;

class DenseExecutable final : public Executable {
 public:
  DenseExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options)
      : be_(be),
        net_(net),
        max_batch_(options.max_batch),
        rows_cap_(std::max(max_batch_, kEvalRows)),
        layers_(be, net_, 0, options, rows_cap_) {}

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  std::vector<PlanStep> plan() const override {
    std::vector<PlanStep> p;
    for (std::size_t l = 0; l < net_.layers.size(); ++l) {
      p.push_back({l, l, "dense", layers_.defines()});
    }
    return p;
  }

  void write_param(const std::string& name, const std::vector<float>& values) override {
    guarded("writing parameters", [&] { layers_.write_param(name, values); });
  }

  std::vector<float> read_param(const std::string& name) override {
    return guarded("reading parameters", [&] { return layers_.read_param(name); });
  }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = checked(id);
      check_minibatch(first, count, d.rows, max_batch_);
      fault_point("clEnqueueNDRangeKernel");
      layers_.sgd_step(d, first, count, step, {});
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
        layers_.evaluate(d, first, std::min(rows_cap_, d.rows - first), {});
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
        layers_.probabilities(d, first + done, n, {}, probs.data() + done * k);
      }
      return probs;
    });
  }

 private:
  ClDataset& checked(DatasetId id) { return network_dataset(be_, net_, id, true); }

  OpenClBackend& be_;
  NetworkSpec net_;
  std::size_t max_batch_, rows_cap_;
  DenseLayers layers_;  // refers to net_
};

}  // namespace

std::unique_ptr<Executable> make_dense_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options) {
  return std::make_unique<DenseExecutable>(be, net, options);
}

}  // namespace clmnist::runtime
