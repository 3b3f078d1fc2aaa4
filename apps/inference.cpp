// Compiling a saved model for inference, and refusing outputs that are not numbers.
#include "inference.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "tuning_choice.hpp"

namespace clmnist::apps {

std::unique_ptr<runtime::Executable> compile_model(OpenedBackend& opened, const DeviceOptions& dev,
                                                   const model::Model& m, std::size_t batch) {
  runtime::CompileOptions o;
  o.max_batch = batch;
  o.impl = impl_choice(dev);
  std::ostringstream quiet;  // the tuned line of a run's log has no place in eval's output
  apply_tuning(dev, opened.device, m.network, o, quiet);
  std::unique_ptr<runtime::Executable> exec = compile_network(*opened.backend, m.network, o);
  exec->write_params(m.params);
  return exec;
}

DataError nonfinite_outputs(const std::string& model_path, const std::string& what) {
  return DataError(model_path + ": the model's outputs for " + what +
                   " are not finite numbers (NaN or infinity): its parameters overflow float "
                   "arithmetic; the file is damaged or the training diverged: train it again");
}

bool all_finite(const float* p, std::size_t n) {
  return std::all_of(p, p + n, [](float v) { return std::isfinite(v); });
}

}  // namespace clmnist::apps
