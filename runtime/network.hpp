// A network as plain data: the input (image geometry and pixel scale), a short list of dense
// layers each with an activation, and a softmax cross-entropy head on the last one. Parameters
// are declared here once; init, model files, checkpoints, export and pictures derive from them.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace clmnist::runtime {

enum class Activation { kNone, kTanh, kRelu };
const char* to_string(Activation a);
// Throws std::invalid_argument naming the allowed values.
Activation parse_activation(const std::string& name);

// One parameter tensor: canonical layout, row-major. Weights are [inputs x outputs] (the
// tutorials' layout), biases [outputs].
struct ParamSpec {
  std::string name;
  std::vector<std::size_t> shape;
  bool decay = false;  // whether L1/L2 weight decay applies (weights yes, biases no)
  std::size_t size() const;
};

// y[n x outputs] = act(x[n x inputs] . W + b), W and b named `weight` and `bias`.
struct DenseLayer {
  std::size_t inputs = 0, outputs = 0;
  Activation activation = Activation::kNone;
  std::string weight, bias;
};

struct NetworkSpec {
  std::size_t image_rows = 0, image_cols = 0;
  double pixel_divisor = 256.0;    // input = uint8 pixel / pixel_divisor
  std::vector<DenseLayer> layers;  // the last one's outputs are the classes (softmax head)

  std::size_t features() const { return image_rows * image_cols; }
  std::size_t classes() const { return layers.empty() ? 0 : layers.back().outputs; }
  float pixel_scale() const { return static_cast<float>(1.0 / pixel_divisor); }
  // Every parameter, in layer order: weight then bias.
  std::vector<ParamSpec> params() const;
  ParamSpec param(const std::string& name) const;  // throws std::invalid_argument
  std::size_t param_count() const;                 // scalars in all parameters
  // Multiply-adds of one sample's forward pass x 2 (dense products only).
  double forward_flops() const;
  // Forward, backward and update of one training sample (dense products only).
  double train_flops() const;
  // "784-500 tanh-10 softmax"
  std::string describe() const;
  // Throws std::invalid_argument when the layers do not chain or a size is zero.
  void validate() const;
  bool operator==(const NetworkSpec& o) const;
};

// The networks of the presets. One dense layer names its parameters W and b (the tutorial's
// LogisticRegression); deeper networks W1, b1, W2, b2, ... in layer order.
NetworkSpec logistic_regression(std::size_t rows, std::size_t cols, std::size_t classes,
                                double pixel_divisor);
NetworkSpec multilayer_perceptron(std::size_t rows, std::size_t cols,
                                  const std::vector<std::size_t>& hidden, Activation activation,
                                  std::size_t classes, double pixel_divisor);

// The description as compact JSON (model metadata) and back; from_json throws
// std::invalid_argument naming what is wrong.
std::string to_json(const NetworkSpec& spec);
NetworkSpec network_from_json(const std::string& text);

// Parameter values by name, each in its canonical layout.
using ParamValues = std::map<std::string, std::vector<float>>;
// Checks that `values` holds exactly the network's parameters with their sizes.
void check_params(const NetworkSpec& spec, const ParamValues& values);

}  // namespace clmnist::runtime
