// What the two implementations of one dense layer with the softmax head (fused and clblast) share: the parameters on
// the device as wt [classes x stride] (the transpose of the canonical W, padded with zero
// columns) and b [classes], the training losses, error counting and predict. Internal.
#pragma once

#include <string>

#include "opencl_backend.hpp"

namespace clmnist::runtime {

class OneLayerExecutable : public Executable {
 public:
  OneLayerExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options,
                   std::string defines);

  const NetworkSpec& network() const override { return net_; }
  std::size_t max_batch() const override { return max_batch_; }
  void write_param(const std::string& name, const std::vector<float>& values) override;
  std::vector<float> read_param(const std::string& name) override;
  double train_loss(DatasetId id, std::size_t first, std::size_t count) override;
  std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) override;

 protected:
  // The dataset, checked against the network's input size.
  ClDataset& checked(DatasetId id);
  // The dataset of an sgd_step, after the checks every step makes: the rows fit, no weight decay
  // (neither family has it; `impl` names the family in the message).
  ClDataset& step_dataset(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step,
                          const char* impl);
  // Logits without bias of rows order[first .. first + count) (count <= max_batch) into logits_.
  virtual void logits_rows(ClDataset& d, const cl::Buffer& order, std::size_t first,
                           std::size_t count) = 0;
  // cl/<program>.cl's kernel `name` with this executable's defines.
  KernelHandle kernel(const std::string& program, const char* name, std::size_t local = 0);

  OpenClBackend& be_;
  Context& ctx_;
  NetworkSpec net_;
  std::size_t max_batch_, features_, classes_, stride_;
  float scale_;
  std::string defines_;
  cl::Buffer wt_, b_, logits_, dlogits_, probs_;
  KernelHandle softmax_;
};

}  // namespace clmnist::runtime
