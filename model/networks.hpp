// The networks of the presets, built from the layer kinds of runtime/network.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "network.hpp"

namespace clmnist::model {

// One dense layer names its parameters W and b (the tutorial's LogisticRegression); deeper
// networks W1, b1, W2, b2, ... in layer order.
runtime::NetworkSpec logistic_regression(std::size_t rows, std::size_t cols, std::size_t classes,
                                         double pixel_divisor);
runtime::NetworkSpec multilayer_perceptron(std::size_t rows, std::size_t cols,
                                           const std::vector<std::size_t>& hidden,
                                           runtime::Activation activation, std::size_t classes,
                                           double pixel_divisor);
// One layer of each kind but dense (whose fields are written out where it is built).
runtime::Layer conv2d_layer(std::size_t filters, std::size_t kernel, const std::string& weight);
runtime::Layer max_pool_layer(std::size_t window);
// act(x + bias per map); an empty bias name: no bias.
runtime::Layer activation_layer(runtime::Activation activation, const std::string& bias);
runtime::Layer flatten_layer();

// Theano's convolutional_mlp.py (evaluate_lenet5): two LeNetConvPoolLayers (conv 5x5, max-pool
// 2x2, then tanh(pooled + b)) of 20 and 50 filters, a 500-unit tanh layer and the softmax layer;
// parameters W0, b0 ... W3, b3, named after the tutorial's layer0 ... layer3.
runtime::NetworkSpec lenet(std::size_t rows, std::size_t cols, std::size_t classes,
                           double pixel_divisor);

}  // namespace clmnist::model
