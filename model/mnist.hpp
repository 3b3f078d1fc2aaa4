// MNIST-format datasets: a pair of IDX files (images, labels) loaded and cross-checked, the
// default data directory, and the row slices the presets split into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend.hpp"

namespace clmnist::model {

// MNIST labels are the digits 0 to 9: a label file with a larger value is refused.
constexpr std::size_t kMaxClasses = 10;

struct LabeledImages {
  std::vector<std::uint8_t> images;  // [count x image_rows * image_cols] row-major
  std::vector<std::uint8_t> labels;  // [count]
  std::size_t count = 0;
  std::size_t image_rows = 0;
  std::size_t image_cols = 0;
  // Where the labels came from, for messages: the label file and the row of labels[0] in it.
  std::string labels_file;
  std::size_t first_row = 0;

  std::size_t features() const { return image_rows * image_cols; }
  // Rows [begin, end) as a new set.
  LabeledImages slice(std::size_t begin, std::size_t end) const;
  // Keeps only rows [begin, end), in place: no new buffer to fill (see runtime/host_memory.hpp).
  void keep_rows(std::size_t begin, std::size_t end);
  runtime::DatasetView view() const { return {images.data(), labels.data(), count, features()}; }
};

// Loads an image file and a label file and checks that the counts agree and that every label is
// below kMaxClasses (a DataError names the file and the row).
LabeledImages load_labeled_images(const std::string& images_path, const std::string& labels_path);

struct MnistFiles {
  std::string train_images, train_labels, test_images, test_labels;
};

// The four MNIST files in dir, each raw or with .gz. Throws DataError saying how to fetch them.
MnistFiles find_mnist_files(const std::string& dir);
// The test set's two files only (eval and predict read nothing else); the training paths empty.
MnistFiles find_mnist_test_files(const std::string& dir);

// The file the loader reads for an IDX file `base` in `dir`: `base` itself, else `base.gz`;
// "" when neither exists. fetch verifies the same file the loader will read.
std::string raw_or_gz_path(const std::string& dir, const std::string& base);

// CLMNIST_DATA_DIR, else $XDG_DATA_HOME/clmnist/mnist, else $HOME/.local/share/clmnist/mnist.
std::string default_data_dir();

// Number of classes: one more than the largest training label (at most kMaxClasses). Throws
// DataError naming the label file and its row if a label of `train` is kMaxClasses or more, or a
// label of `others` is above every training label.
std::size_t count_classes(const LabeledImages& train,
                          const std::vector<const LabeledImages*>& others);

}  // namespace clmnist::model
