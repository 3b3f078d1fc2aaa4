// `clmnist predict IMAGE...`: the user's own images, prepared as MNIST digits are (or, with
// --raw, taken as they are), classified, and with --save-prepared written as the network saw them.
#pragma once

#include <string>
#include <vector>

#include "cli_common.hpp"

namespace clmnist::apps {

struct ImagePredictOptions {
  bool json = false;          // one JSON object per image instead of text
  bool raw = false;           // images of the model's input size, used as stored
  std::string save_prepared;  // directory for the images the network saw; empty: none
};

// The file of each image in --save-prepared, in order: the image's name without its directory
// and extension, then ".png"; a name already taken gets "-2", "-3", ... before ".png"
// (a/7.png and b/7.pgm give 7.png and 7-2.png).
std::vector<std::string> prepared_names(const std::vector<std::string>& images);

// --save-prepared DIR before any work: a directory (or one that can be created) where every
// image's file can be written, none of them one of `inputs`. Throws UsageError.
void check_save_prepared(const std::string& dir, const std::vector<std::string>& images,
                         const std::vector<NamedPath>& inputs);

// Predicts `images` with the model: each image's result, or its own error in its place (stderr,
// or a JSON object with "error"); the exit status is 1 if any failed, else 0.
int predict_images(const std::vector<std::string>& images, const std::string& model_path,
                   const DeviceOptions& dev, const ImagePredictOptions& how);

}  // namespace clmnist::apps
