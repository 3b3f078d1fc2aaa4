// The networks of the presets.
#include "networks.hpp"

#include <string>

namespace clmnist::model {

using runtime::Activation;
using runtime::Layer;
using runtime::LayerKind;
using runtime::NetworkSpec;

NetworkSpec logistic_regression(std::size_t rows, std::size_t cols, std::size_t classes,
                                double pixel_divisor) {
  return multilayer_perceptron(rows, cols, {}, Activation::kNone, classes, pixel_divisor);
}

NetworkSpec multilayer_perceptron(std::size_t rows, std::size_t cols,
                                  const std::vector<std::size_t>& hidden, Activation activation,
                                  std::size_t classes, double pixel_divisor) {
  NetworkSpec s;
  s.image_rows = rows;
  s.image_cols = cols;
  s.pixel_divisor = pixel_divisor;
  std::size_t in = rows * cols;
  std::vector<std::size_t> outs = hidden;
  outs.push_back(classes);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const std::string suffix = outs.size() == 1 ? "" : std::to_string(i + 1);
    const Activation act = i + 1 == outs.size() ? Activation::kNone : activation;
    s.layers.push_back({in, outs[i], act, "W" + suffix, "b" + suffix});
    in = outs[i];
  }
  return s;
}

Layer conv2d_layer(std::size_t filters, std::size_t kernel, const std::string& weight) {
  Layer l;
  l.kind = LayerKind::kConv2d;
  l.filters = filters;
  l.kernel = kernel;
  l.weight = weight;
  return l;
}

Layer max_pool_layer(std::size_t window) {
  Layer l;
  l.kind = LayerKind::kMaxPool;
  l.window = window;
  return l;
}

Layer activation_layer(Activation activation, const std::string& bias) {
  Layer l;
  l.kind = LayerKind::kActivation;
  l.activation = activation;
  l.bias = bias;
  return l;
}

Layer flatten_layer() {
  Layer l;
  l.kind = LayerKind::kFlatten;
  return l;
}

NetworkSpec lenet(std::size_t rows, std::size_t cols, std::size_t classes, double pixel_divisor) {
  NetworkSpec s;
  s.image_rows = rows;
  s.image_cols = cols;
  s.pixel_divisor = pixel_divisor;
  s.layers = {conv2d_layer(20, 5, "W0"),
              max_pool_layer(2),
              activation_layer(Activation::kTanh, "b0"),
              conv2d_layer(50, 5, "W1"),
              max_pool_layer(2),
              activation_layer(Activation::kTanh, "b1"),
              flatten_layer()};
  const std::size_t flat = s.shapes().back().size();  // 800 on 28x28 images
  s.layers.push_back({flat, 500, Activation::kTanh, "W2", "b2"});
  s.layers.push_back({500, classes, Activation::kNone, "W3", "b3"});
  return s;
}

}  // namespace clmnist::model
