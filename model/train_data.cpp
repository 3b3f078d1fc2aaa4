// The data side of training: the train/validation split, the data's fingerprint for checkpoints
// and the shuffled order of each epoch (declared in trainer.hpp).
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "errors.hpp"
#include "trainer.hpp"

namespace clmnist::model {
namespace {

std::uint64_t bounded(std::mt19937_64& rng, std::uint64_t n) {
  // Rejection sampling: uniform in [0, n).
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

}  // namespace

std::vector<std::uint32_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed ^ (0x9e3779b97f4a7c15ull * (epoch + 1)));
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(bounded(rng, i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

TrainData split_for_training(LabeledImages train_file, LabeledImages test,
                             const TrainConfig& config) {
  if (config.valid_size == 0 || config.valid_size >= train_file.count) {
    throw DataError("a validation set of " + std::to_string(config.valid_size) +
                    " images needs more than the " + std::to_string(train_file.count) +
                    " images of the training file; give a smaller --validation-size (train), "
                    "or a data directory with more training images (tune and bench use the "
                    "preset's split)");
  }
  if (test.image_rows != train_file.image_rows || test.image_cols != train_file.image_cols) {
    throw DataError("test images are " + std::to_string(test.image_rows) + "x" +
                    std::to_string(test.image_cols) + " but training images are " +
                    std::to_string(train_file.image_rows) + "x" +
                    std::to_string(train_file.image_cols));
  }
  TrainData d;
  const std::size_t n = train_file.count;
  const std::size_t v = config.valid_size;
  // Only the validation rows are copied out; the training rows are trimmed in place.
  d.valid = config.valid_first ? train_file.slice(0, v) : train_file.slice(n - v, n);
  d.train = std::move(train_file);
  if (config.valid_first) {
    d.train.keep_rows(v, n);
  } else {
    d.train.keep_rows(0, n - v);
  }
  d.test = std::move(test);
  d.classes = count_classes(d.train, {&d.valid, &d.test});
  return d;
}

std::uint64_t data_fingerprint(const TrainData& data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const LabeledImages* set : {&data.train, &data.valid, &data.test}) {
    const std::uint64_t dims[3] = {set->count, set->image_rows, set->image_cols};
    crc = crc32(crc, reinterpret_cast<const Bytef*>(dims), sizeof dims);
    for (std::size_t off = 0; off < set->images.size(); off += 1u << 30) {
      const std::size_t n = std::min<std::size_t>(set->images.size() - off, 1u << 30);
      crc = crc32(crc, set->images.data() + off, static_cast<uInt>(n));
    }
    crc = crc32(crc, set->labels.data(), static_cast<uInt>(set->labels.size()));
  }
  return (std::uint64_t{data.classes} << 32) | crc;
}

}  // namespace clmnist::model
