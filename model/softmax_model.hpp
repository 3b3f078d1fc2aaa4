// A trained softmax-regression model: W [features x classes] (the tutorial's layout), b [classes],
// the image geometry and pixel scaling it was trained with, and free-form metadata.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace clmnist::model {

struct SoftmaxModel {
  std::size_t image_rows = 0;
  std::size_t image_cols = 0;
  std::size_t classes = 0;
  double pixel_divisor = 256.0;  // pixel value / divisor is the model's input
  std::vector<float> w;          // [features x classes] row-major
  std::vector<float> b;          // [classes]
  std::map<std::string, std::string> metadata;

  std::size_t features() const { return image_rows * image_cols; }
  // W transposed, [classes x features], as the backends hold it; and back.
  std::vector<float> wt() const;
  void set_from_wt(const std::vector<float>& wt);
  bool finite() const;
};

// Saves as safetensors ("W", "b", metadata), atomically: a failure leaves any old file intact.
void save_model(const std::string& path, const SoftmaxModel& model);
// Loads and checks shapes and metadata. Throws DataError.
SoftmaxModel load_model(const std::string& path);

}  // namespace clmnist::model
