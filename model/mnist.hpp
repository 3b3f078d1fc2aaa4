// MNIST-format datasets: a pair of IDX files (images, labels) loaded and cross-checked, the
// default data directory, and the row slices the presets split into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend.hpp"

namespace clmnist::model {

struct LabeledImages {
  std::vector<std::uint8_t> images;  // [count x image_rows * image_cols] row-major
  std::vector<std::uint8_t> labels;  // [count]
  std::size_t count = 0;
  std::size_t image_rows = 0;
  std::size_t image_cols = 0;

  std::size_t features() const { return image_rows * image_cols; }
  // Rows [begin, end) as a new set.
  LabeledImages slice(std::size_t begin, std::size_t end) const;
  runtime::DatasetView view() const { return {images.data(), labels.data(), count, features()}; }
};

// Loads an image file and a label file and checks that the counts agree.
LabeledImages load_labeled_images(const std::string& images_path, const std::string& labels_path);

struct MnistFiles {
  std::string train_images, train_labels, test_images, test_labels;
};

// The four MNIST files in dir, each raw or with .gz. Throws DataError saying how to fetch them.
MnistFiles find_mnist_files(const std::string& dir);

// CLMNIST_DATA_DIR, else $XDG_DATA_HOME/clmnist/mnist, else $HOME/.local/share/clmnist/mnist.
std::string default_data_dir();

// Number of classes: one more than the largest training label. Throws DataError if any label of
// `others` is at or above it.
std::size_t count_classes(const LabeledImages& train,
                          const std::vector<const LabeledImages*>& others);

}  // namespace clmnist::model
