// Loading and checking MNIST-format data.
#include "mnist.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "errors.hpp"
#include "host_memory.hpp"
#include "idx.hpp"
#include "user_dirs.hpp"

namespace clmnist::model {

namespace {

void check_rows(const char* verb, std::size_t begin, std::size_t end, std::size_t count) {
  if (begin > end || end > count) {
    throw DataError(std::string("cannot ") + verb + " rows " + std::to_string(begin) + ".." +
                    std::to_string(end) + " of a set of " + std::to_string(count));
  }
}

}  // namespace

LabeledImages LabeledImages::slice(std::size_t begin, std::size_t end) const {
  check_rows("take", begin, end, count);
  LabeledImages out;
  out.image_rows = image_rows;
  out.image_cols = image_cols;
  out.count = end - begin;
  out.labels_file = labels_file;
  out.first_row = first_row + begin;
  const std::size_t f = features();
  runtime::reserve_huge(out.images, (end - begin) * f);
  out.images.assign(images.begin() + static_cast<std::ptrdiff_t>(begin * f),
                    images.begin() + static_cast<std::ptrdiff_t>(end * f));
  out.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(begin),
                    labels.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

void LabeledImages::keep_rows(std::size_t begin, std::size_t end) {
  check_rows("keep", begin, end, count);
  const std::size_t f = features();
  images.erase(images.begin() + static_cast<std::ptrdiff_t>(end * f), images.end());
  images.erase(images.begin(), images.begin() + static_cast<std::ptrdiff_t>(begin * f));
  labels.erase(labels.begin() + static_cast<std::ptrdiff_t>(end), labels.end());
  labels.erase(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(begin));
  count = end - begin;
  first_row += begin;
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
  out.labels_file = labels_path;
  for (std::size_t i = 0; i < out.count; ++i) {
    if (out.labels[i] >= kMaxClasses) {
      throw DataError(labels_path + ": label " + std::to_string(out.labels[i]) + " at row " +
                      std::to_string(i) + " (counting from 0) is not a digit 0 to 9; MNIST has " +
                      std::to_string(kMaxClasses) + " classes. Fix or remove that row");
    }
  }
  return out;
}

namespace {

std::string find_mnist_file(const std::string& dir, const char* base) {
  std::string p = raw_or_gz_path(dir, base);
  if (!p.empty()) return p;
  throw DataError("MNIST file " + std::string(base) + "[.gz] not found in '" + dir +
                  "'. Fetch the dataset with `clmnist fetch --data-dir " + dir +
                  "` (or point --data-dir at a directory holding the four IDX files, raw or .gz).");
}

}  // namespace

MnistFiles find_mnist_files(const std::string& dir) {
  return {find_mnist_file(dir, "train-images-idx3-ubyte"),
          find_mnist_file(dir, "train-labels-idx1-ubyte"),
          find_mnist_file(dir, "t10k-images-idx3-ubyte"),
          find_mnist_file(dir, "t10k-labels-idx1-ubyte")};
}

MnistFiles find_mnist_test_files(const std::string& dir) {
  return {"", "", find_mnist_file(dir, "t10k-images-idx3-ubyte"),
          find_mnist_file(dir, "t10k-labels-idx1-ubyte")};
}

std::string raw_or_gz_path(const std::string& dir, const std::string& base) {
  for (const char* suffix : {"", ".gz"}) {
    const std::string p = dir + "/" + base + suffix;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p;
  }
  return "";
}

std::string default_data_dir() {
  const std::string dir = user_dir("CLMNIST_DATA_DIR", "XDG_DATA_HOME", ".local/share", "mnist");
  return dir.empty() ? "data/mnist" : dir;
}

std::size_t count_classes(const LabeledImages& train,
                          const std::vector<const LabeledImages*>& others) {
  if (train.count == 0) throw DataError("the training set is empty");
  auto where = [](const LabeledImages& set, std::size_t i) {
    return (set.labels_file.empty() ? std::string("labels") : set.labels_file) + ": label " +
           std::to_string(set.labels[i]) + " at row " + std::to_string(set.first_row + i) +
           " (counting from 0)";
  };
  std::size_t classes = 0;
  for (std::size_t i = 0; i < train.count; ++i) {
    if (train.labels[i] >= kMaxClasses) {
      throw DataError(where(train, i) + " is not a digit 0 to 9; MNIST has " +
                      std::to_string(kMaxClasses) + " classes. Fix or remove that row");
    }
    classes = std::max<std::size_t>(classes, std::size_t{train.labels[i]} + 1);
  }
  if (classes < 2) throw DataError("the training labels hold a single class; need at least two");
  for (const LabeledImages* o : others) {
    for (std::size_t i = 0; i < o->count; ++i) {
      if (o->labels[i] >= classes) {
        throw DataError(where(*o, i) + " is above every training label: the training rows hold " +
                        "classes 0 to " + std::to_string(classes - 1) +
                        ", so the model could never predict it. Fix the row or train on rows " +
                        "that hold every class");
      }
    }
  }
  return classes;
}

}  // namespace clmnist::model
