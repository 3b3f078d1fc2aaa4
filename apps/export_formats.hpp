// Model export formats: numpy .npy arrays and an ONNX graph (Gemm + Softmax).
#pragma once

#include <string>

#include "softmax_model.hpp"

namespace clmnist::apps {

// Writes DIR/W.npy ([features x classes]) and DIR/b.npy ([classes]), little-endian float32.
void export_npy(const model::SoftmaxModel& m, const std::string& dir);

// Writes an ONNX model: input "pixels" float [N x features] (pixel / pixel_divisor), Gemm with
// W and b, Softmax over classes, output "probabilities" [N x classes]. Throws Error when clmnist
// was built without ONNX.
void export_onnx(const model::SoftmaxModel& m, const std::string& path);

}  // namespace clmnist::apps
