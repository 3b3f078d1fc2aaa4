// The dense tail of a network on cl/dense.cl: layers [first, end) of a NetworkSpec, all dense,
// the last one feeding the softmax head. Its input is the uint8 pixels (first == 0: the dense
// family's whole network) or a float buffer another family wrote (a conv front end), and it
// writes the gradient at that input for the layers below. Internal to runtime/.
#pragma once

#include <string>
#include <vector>

#include "opencl_executables.hpp"

namespace clmnist::runtime {

// A float input: [rows x stride] activations of the layer below, and where the gradient at them
// goes (the same stride).
struct FloatInput {
  const cl::Buffer* act = nullptr;
  const cl::Buffer* grad = nullptr;
  std::size_t stride = 0;
};

class DenseLayers {
 public:
  // rows_cap: the most rows one forward pass runs (training batch, evaluation chunk).
  DenseLayers(OpenClBackend& be, const NetworkSpec& net, std::size_t first,
              const CompileOptions& options, std::size_t rows_cap);

  const std::string& defines() const { return defines_; }
  std::size_t first_layer() const { return first_; }
  bool owns(const std::string& param) const;
  void write_param(const std::string& name, const std::vector<float>& values);
  std::vector<float> read_param(const std::string& name);

  // One SGD step's forward, head and backward over rows order[first .. first + count) whose
  // input is `in` (act == nullptr: the dataset's pixels); queued, no host synchronisation.
  void sgd_step(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                const FloatInput& in);
  // Error flags and losses of storage rows [first, first + n) into the dataset's buffers.
  void evaluate(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in);
  // Probabilities of storage rows [first, first + n) into `out` ([n x classes]).
  void probabilities(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in,
                     float* out);

 private:
  struct Layer {
    std::size_t ostride = 0;     // outputs padded to a multiple of VEC
    cl::Buffer w, b, act, grad;  // [inputs x ostride], [ostride], [rows x ostride] x 2
    float decay_scale = 0.0f;    // 1 where the weights' declaration says they decay, else 0
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }
  KernelHandle kernel(const char* name);
  std::size_t tiles(const Layer& L) const { return (L.ostride / vec_ + tile_ - 1) / tile_; }
  Layer& at(std::size_t l) { return layers_[l - first_]; }
  // The activations of layers [first_, end) for `count` rows at positions [first, ...) of
  // `order`; the top layer's are the logits before the bias.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count,
               std::size_t end, const FloatInput& in);
  void update(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
              const FloatInput& in, std::size_t l);

  OpenClBackend& be_;
  Context& ctx_;
  const NetworkSpec& net_;
  std::size_t first_, max_batch_;
  unsigned vec_ = 4, tile_ = 4, blocks_ = 64;
  std::size_t local_ = 0;
  std::string defines_;
  std::vector<Layer> layers_;
  cl::Buffer scratch_;
  KernelHandle forward_u8_, forward_f32_, forward_head_, head_gradient_, head_evaluate_,
      head_probabilities_, backward_data_, update_;
};

}  // namespace clmnist::runtime
