// The built-in host backend: plain single-threaded C++ (host_layers.hpp) on host-resident copies
// of the datasets. It runs when no OpenCL device exists or --device host is given, and it is the
// oracle the device tests compare against.
#pragma once

#include <vector>

#include "backend.hpp"

namespace clmnist::runtime {

class HostBackend final : public Backend {
 public:
  struct Dataset {
    std::vector<std::uint8_t> images;  // [rows x features]
    std::vector<std::uint8_t> labels;
    std::vector<std::uint32_t> order;
    std::vector<float> loss;  // per order position, written by sgd_step
    std::size_t rows = 0, features = 0;
  };

  HostBackend();
  const BackendInfo& info() const override { return info_; }
  std::unique_ptr<Executable> compile(const NetworkSpec& net,
                                      const CompileOptions& options) override;
  DatasetId upload(const DatasetView& data) override;
  void set_order(DatasetId id, const std::vector<std::uint32_t>& order) override;
  void finish() override {}
  Ceilings measure_ceilings() override;

  Dataset& dataset(DatasetId id);

 private:
  BackendInfo info_;
  std::vector<Dataset> datasets_;
};

}  // namespace clmnist::runtime
