// The built-in host backend: plain single-threaded C++ over host_ops.hpp. It runs when no OpenCL
// device exists or --device host is given.
#pragma once

#include <vector>

#include "backend.hpp"

namespace clmnist::runtime {

class HostBackend final : public Backend {
 public:
  HostBackend();
  const BackendInfo& info() const override { return info_; }
  void configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                 float pixel_scale) override;
  DatasetId upload(const DatasetView& data) override;
  void set_order(DatasetId id, const std::vector<std::uint32_t>& order) override;
  void set_params(const std::vector<float>& wt, const std::vector<float>& b) override;
  void get_params(std::vector<float>& wt, std::vector<float>& b) override;
  void sgd_step(DatasetId id, std::size_t first, std::size_t count, float lr) override;
  double train_loss(DatasetId id, std::size_t first, std::size_t count) override;
  EvalCounts evaluate(DatasetId id, std::size_t counted) override;
  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override;
  void finish() override {}
  Ceilings measure_ceilings() override;

 private:
  struct Dataset {
    std::vector<std::uint8_t> images;
    std::vector<std::uint8_t> labels;
    std::vector<std::uint32_t> order;
    std::vector<float> loss;  // per order position, written by sgd_step
    std::size_t rows = 0;
  };
  Dataset& dataset(DatasetId id);

  BackendInfo info_;
  std::size_t features_ = 0;
  std::size_t classes_ = 0;
  std::size_t max_batch_ = 0;
  float scale_ = 1.0f;
  std::vector<Dataset> datasets_;
  std::vector<float> wt_, b_;
  std::vector<float> logits_, dlogits_, grad_;
};

}  // namespace clmnist::runtime
