// Training settings and the presets that fix them: `theano` (the logistic_sgd.py tutorial, the
// default) and `tensorflow` (the "MNIST for ML beginners" softmax tutorial).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clmnist::model {

struct TrainConfig {
  std::string preset = "theano";
  double learning_rate = 0.13;
  std::size_t batch_size = 600;
  std::size_t max_epochs = 1000;
  std::size_t max_steps = 0;  // 0: no limit (stop by early stopping or max_epochs)
  bool early_stopping = true;
  std::size_t patience = 5000;
  std::size_t patience_increase = 2;
  double improvement_threshold = 0.995;
  std::size_t validation_frequency = 0;  // 0: min(minibatches per epoch, patience / 2)
  bool shuffle = false;                  // reshuffle the training rows every epoch
  std::uint64_t seed = 1234;
  double pixel_divisor = 256.0;  // 256: the value grid of the tutorial's mnist.pkl.gz
  bool valid_first = false;      // validation rows: first (tensorflow) or last (theano) of train
  std::size_t valid_size = 10000;
};

// The settings of a named preset; throws std::invalid_argument for an unknown name.
TrainConfig preset_config(const std::string& name);
const std::vector<std::string>& preset_names();

// One line per setting, as printed before training ("effective settings").
std::string describe(const TrainConfig& c);

}  // namespace clmnist::model
