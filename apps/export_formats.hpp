// Model export formats: numpy .npy arrays and an ONNX graph (Gemm, activation, ..., Softmax).
#pragma once

#include <string>

#include "network_model.hpp"

namespace clmnist::apps {

// Writes DIR/<name>.npy for every parameter (W.npy, b.npy; or W1.npy, b1.npy, W2.npy, ...),
// little-endian float32 in the canonical layout (weights [inputs x outputs]).
void export_npy(const model::Model& m, const std::string& dir);

// Writes an ONNX model: input "pixels" float [N x features] (pixel / pixel_divisor), per layer a
// Gemm with its weight and bias and its Tanh or Relu, then Softmax over classes, output
// "probabilities" [N x classes]. Throws Error when clmnist was built without ONNX.
void export_onnx(const model::Model& m, const std::string& path);
// Whether this build writes ONNX: "built in (protobuf 3.21.12)", or what it lacks and how to get
// it.
std::string onnx_support();

}  // namespace clmnist::apps
