// Presets. Theano: logistic_sgd.py (lr 0.13, batch 600, patience 5000, ...). TensorFlow: lr 0.5,
// batch 100, 1000 steps, shuffled, pixels / 255, validation = the first 5,000 training images.
#include "train_config.hpp"

#include <sstream>
#include <stdexcept>

namespace clmnist::model {

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"theano", "tensorflow"};
  return names;
}

TrainConfig preset_config(const std::string& name) {
  TrainConfig c;
  if (name == "theano") return c;
  if (name == "tensorflow") {
    c.preset = "tensorflow";
    c.learning_rate = 0.5;
    c.batch_size = 100;
    c.max_steps = 1000;
    c.early_stopping = false;
    c.shuffle = true;
    c.seed = 0;
    c.pixel_divisor = 255.0;
    c.valid_first = true;
    c.valid_size = 5000;
    return c;
  }
  throw std::invalid_argument("unknown preset '" + name + "' (allowed: theano, tensorflow)");
}

std::string describe(const TrainConfig& c) {
  std::ostringstream o;
  o << "preset " << c.preset << ": learning rate " << c.learning_rate << ", batch size "
    << c.batch_size << ", max epochs " << c.max_epochs;
  if (c.max_steps != 0) o << ", max steps " << c.max_steps;
  if (c.early_stopping) {
    o << ", patience " << c.patience << " (increase " << c.patience_increase << ", threshold "
      << c.improvement_threshold << ")";
  } else {
    o << ", no early stopping";
  }
  o << ", validation every "
    << (c.validation_frequency == 0 ? std::string("min(minibatches per epoch, patience / 2)")
                                    : std::to_string(c.validation_frequency))
    << " minibatches, "
    << (c.shuffle ? "shuffled (seed " + std::to_string(c.seed) + ")" : "in order") << ", pixels / "
    << c.pixel_divisor << ", validation = " << (c.valid_first ? "first " : "last ") << c.valid_size
    << " training images";
  return o.str();
}

}  // namespace clmnist::model
