// The dense family's stage (layer_stage.hpp) on cl/dense.cl: layers [first, end) of a
// NetworkSpec, all dense, the last one feeding the softmax head. Internal to runtime/.
#pragma once

#include <string>
#include <vector>

#include "layer_stage.hpp"

namespace clmnist::runtime {

class DenseLayers final : public LayerStage {
 public:
  // rows_cap: the most rows one forward pass runs (training batch, evaluation chunk).
  DenseLayers(OpenClBackend& be, const NetworkSpec& net, std::size_t first,
              const CompileOptions& options, std::size_t rows_cap);

  std::vector<PlanStep> plan() const override;
  bool owns(const std::string& param) const override;
  void write_param(const std::string& name, const std::vector<float>& values) override;
  std::vector<float> read_param(const std::string& name) override;
  void sgd_step(ClDataset& d, std::size_t first, std::size_t count, const SgdStep& step,
                const FloatInput& in) override;
  void evaluate(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in) override;
  void probabilities(ClDataset& d, std::size_t first, std::size_t n, const FloatInput& in,
                     float* out) override;

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
