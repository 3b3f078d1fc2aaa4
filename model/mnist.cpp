// Loading and checking MNIST-format data.
#include "mnist.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "errors.hpp"
#include "idx.hpp"
#include "user_dirs.hpp"

namespace clmnist::model {

LabeledImages LabeledImages::slice(std::size_t begin, std::size_t end) const {
  if (begin > end || end > count) {
    throw DataError("cannot take rows " + std::to_string(begin) + ".." + std::to_string(end) +
                    " of a set of " + std::to_string(count));
  }
  LabeledImages out;
  out.image_rows = image_rows;
  out.image_cols = image_cols;
  out.count = end - begin;
  const std::size_t f = features();
  out.images.assign(images.begin() + static_cast<std::ptrdiff_t>(begin * f),
                    images.begin() + static_cast<std::ptrdiff_t>(end * f));
  out.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(begin),
                    labels.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

LabeledImages load_labeled_images(const std::string& images_path, const std::string& labels_path) {
  // Labels first: they are small and fix the count the (large) image file must agree with.
  IdxArray labels = read_idx(labels_path, 1);
  IdxArray images = read_idx(images_path, 3);
  if (images.dims[0] != labels.dims[0]) {
    throw DataError(images_path + " holds " + std::to_string(images.dims[0]) + " images but " +
                    labels_path + " holds " + std::to_string(labels.dims[0]) +
                    " labels; the files do not belong together");
  }
  LabeledImages out;
  out.count = images.dims[0];
  out.image_rows = images.dims[1];
  out.image_cols = images.dims[2];
  out.images = std::move(images.data);
  out.labels = std::move(labels.data);
  return out;
}

MnistFiles find_mnist_files(const std::string& dir) {
  auto find = [&](const char* base) {
    for (const char* suffix : {"", ".gz"}) {
      const std::string p = dir + "/" + base + suffix;
      std::error_code ec;
      if (std::filesystem::exists(p, ec)) return p;
    }
    throw DataError(
        "MNIST file " + std::string(base) + "[.gz] not found in '" + dir +
        "'. Fetch the dataset with `ci/fetch-mnist.sh " + dir +
        "` (or point --data-dir at a directory holding the four IDX files, raw or .gz).");
  };
  return {find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"),
          find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte")};
}

std::string default_data_dir() {
  const std::string dir = user_dir("CLMNIST_DATA_DIR", "XDG_DATA_HOME", ".local/share", "mnist");
  return dir.empty() ? "data/mnist" : dir;
}

std::size_t count_classes(const LabeledImages& train,
                          const std::vector<const LabeledImages*>& others) {
  if (train.count == 0) throw DataError("the training set is empty");
  const std::size_t classes =
      std::size_t{*std::max_element(train.labels.begin(), train.labels.end())} + 1;
  if (classes < 2) throw DataError("the training labels hold a single class; need at least two");
  for (const LabeledImages* o : others) {
    for (std::size_t i = 0; i < o->count; ++i) {
      if (o->labels[i] >= classes) {
        throw DataError("label " + std::to_string(o->labels[i]) + " at row " + std::to_string(i) +
                        " is not below the class count " + std::to_string(classes) +
                        " taken from the training labels");
      }
    }
  }
  return classes;
}

}  // namespace clmnist::model
