// The conv family's stage: a network's front end, the layers before its first dense one (conv2d,
// max-pool, bias + activation, flatten), on cl/conv.cl. It turns a minibatch's pixels into the
// float input of the dense stage above it (layer_stage.hpp) and, after that stage's backward pass,
// takes the gradient there down through its own layers and updates their parameters. Internal to
// runtime/.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "layer_stage.hpp"

namespace clmnist::runtime {

// The number of layers before the network's first dense one.
std::size_t conv_front_layers(const NetworkSpec& net);

class ConvFront {
 public:
  // rows: the most rows one pass runs; conv: its tunables (split_conv_tunables' first part).
  ConvFront(OpenClBackend& be, const NetworkSpec& net, std::size_t rows, const Tunables& conv);

  std::size_t layers() const { return front_; }
  // "cl/conv.cl" and each conv layer's blocking ("L1 -DFB=4 -DCB=1 -DIB=1 -DVEC=8"), so that
  // plans of different blocking differ (the tuner times a plan once).
  PlanStep plan() const;
  bool owns(const std::string& param) const { return params_.count(param) != 0; }
  void write_param(const std::string& name, const std::vector<float>& values);
  std::vector<float> read_param(const std::string& name);

  // The front end's outputs for `count` rows at positions [first, ...) of `order`.
  void forward(ClDataset& d, const cl::Buffer& order, std::size_t first, std::size_t count);
  // From the gradient at output() (the stage above wrote it), every front-end layer's update and
  // the gradient below it, top down, from the parameters before their update.
  void backward(std::size_t count, const SgdStep& step);
  // The last layer's output and the gradient there: the dense stage's input.
  FloatInput output() const;

 private:
  // One front-end layer: its output and the gradient there ([rows x output size], shared with
  // the layer below for an activation or a flatten, which work in place), a max-pool's maxima, a
  // conv's output gradient in the layouts its backward kernels read, and the kernels of its
  // program. Fusions: a max-pool computes the activation layer above it (the activation's
  // forward pass is skipped) and writes the conv layer below's gradient layouts (the conv's
  // spread_gradient is skipped).
  struct FrontLayer {
    cl::Buffer out, grad, arg, dyp, dyt;
    ConvProgram program;
    bool computed_below = false;   // an activation the max-pool below computes
    bool spread_above = false;     // a conv whose gradient layouts the max-pool above writes
    std::map<std::string, KernelHandle> k;
  };

  static cl_uint u(std::size_t v) { return static_cast<cl_uint>(v); }
  cl::Buffer buffer(std::size_t floats, const char* what);
  KernelHandle kernel(const std::string& defines, const char* name, std::size_t local);
  void build(std::size_t l, std::size_t rows);
  std::size_t check_size(const std::string& name, std::size_t values) const;
  const cl::Buffer& input_of(std::size_t l) const {
    return l == 0 ? input_ : front_layers_[l - 1].out;
  }
  // An activation layer's bias, or any buffer where it has none (the kernel does not read it).
  const cl::Buffer& bias_or_any(const Layer& L) const {
    return L.bias.empty() ? input_ : params_.at(L.bias);
  }
  void backward_layer(std::size_t l, std::size_t count, const SgdStep& step);

  OpenClBackend& be_;
  Context& ctx_;
  const NetworkSpec& net_;
  std::vector<MapShape> shapes_;
  std::size_t front_;
  Tunables conv_;
  cl::Buffer input_;  // [rows x features] scaled pixels
  KernelHandle pixels_;
  std::vector<FrontLayer> front_layers_;
  std::map<std::string, cl::Buffer> params_;  // canonical layout
  std::map<std::string, bool> decays_;
};

}  // namespace clmnist::runtime
