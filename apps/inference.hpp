// A saved model on a device for `clmnist eval` and `clmnist predict`: compiled with its
// parameters written, and the check of what it outputs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "cli_common.hpp"
#include "network_model.hpp"

namespace clmnist::apps {

// The model compiled on the device for batches of up to `batch` rows, its parameters written.
std::unique_ptr<runtime::Executable> compile_model(OpenedBackend& opened, const DeviceOptions& dev,
                                                   const model::Model& m, std::size_t batch);

// A model whose outputs are not finite numbers (weights near the float maximum, or a diverged
// run saved before the check): a label from them would be noise, so they are an error.
DataError nonfinite_outputs(const std::string& model_path, const std::string& what);

bool all_finite(const float* p, std::size_t n);

}  // namespace clmnist::apps
