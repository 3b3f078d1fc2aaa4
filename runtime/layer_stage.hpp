// A stage: one kernel family's run of a network's dense layers [first, end), the last one feeding
// the softmax head. Its input is the uint8 pixels (first == 0) or a float buffer another family's
// stage wrote (the conv front end), and it writes the gradient at that input for the layers below.
// The planner composes an executable from a front end and such a stage (staged_executable.cpp),
// so one network may run on two families. Internal to runtime/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "opencl_executables.hpp"

namespace clmnist::runtime {

// A float input: [rows x stride] activations of the layer below, and where the gradient at them
// goes (the same stride). act == nullptr: the dataset's pixels.
struct FloatInput {
  const cl::Buffer* act = nullptr;
  const cl::Buffer* grad = nullptr;
  std::size_t stride = 0;
};

// The activation codes of cl/dense.cl, cl/gpu.cl and cl/conv.cl: 0 none, 1 tanh, 2 relu.
inline int activation_code(Activation a) {
  return a == Activation::kTanh ? 1 : a == Activation::kRelu ? 2 : 0;
}
// The activation the gradient below dense layer l passes through: the layer below's where it is
// dense; a layer of another kind (a conv front end's activation layer) applies its own.
inline int activation_below(const NetworkSpec& net, std::size_t l) {
  const Layer& below = net.layers[l - 1];
  return below.kind == LayerKind::kDense ? activation_code(below.activation) : 0;
}

class LayerStage {
 public:
  virtual ~LayerStage() = default;

  // One step per layer: the family and its program's options.
  virtual std::vector<PlanStep> plan() const = 0;
  virtual bool owns(const std::string& param) const = 0;
  virtual void write_param(const std::string& name, const std::vector<float>& values) = 0;
  virtual std::vector<float> read_param(const std::string& name) = 0;

  // One SGD step's forward, head and backward over rows order[first .. first + count) whose
  // input is `in`; queued, no host synchronisation.
  virtual void sgd_step(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                        const FloatInput& in) = 0;
  // Error flags and losses of storage rows [first, first + n) into the dataset's buffers.
  virtual void evaluate(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in) = 0;
  // Probabilities of storage rows [first, first + n) into `out` ([n x classes]).
  virtual void probabilities(ClDataset& d, std::size_t first, std::size_t n,
                             const FloatInput& in, float* out) = 0;
};

// The stages of the dense-layer families. rows_cap: the most rows one forward pass runs (training
// batch, evaluation chunk).
std::unique_ptr<LayerStage> make_dense_layers(OpenClBackend& be, const NetworkSpec& net,
                                              std::size_t first, const CompileOptions& options,
                                              std::size_t rows_cap);
std::unique_ptr<LayerStage> make_gpu_layers(OpenClBackend& be, const NetworkSpec& net,
                                            std::size_t first, const CompileOptions& options,
                                            std::size_t rows_cap);

}  // namespace clmnist::runtime
