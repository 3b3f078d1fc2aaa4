// Presets: a model, a training protocol and the published figures it reproduces. `theano` (an
// alias of theano-logreg) is the default.
#pragma once

#include <string>
#include <vector>

#include "network.hpp"
#include "train_config.hpp"

namespace clmnist::model {

// How the trainer words its closing lines: logistic_sgd.py's or mlp.py's.
enum class LogFormat { kLogisticSgd, kMlp };

struct Preset {
  std::string name;
  std::vector<std::string> aliases;
  std::string reproduces;  // the tutorial and protocol, one line
  std::string published;   // the published figures, one line
  // The same as error fractions, for checking a run against them (-1: the source gives none).
  double published_validation_error = -1.0, published_test_error = -1.0;
  LogFormat log_format = LogFormat::kLogisticSgd;
  double target_error = 0.075;         // bench: time until validation error reaches this
  bool bench_time_to_accuracy = true;  // bench runs the whole early-stopped run (seconds)
  // The preset's own network of images rows x cols, classes and pixel divisor; null: the dense
  // network of the settings (--hidden, --activation).
  runtime::NetworkSpec (*network)(std::size_t, std::size_t, std::size_t, double) = nullptr;
  TrainConfig config;
};

const std::vector<Preset>& presets();
// The preset of a name or alias; throws std::invalid_argument listing the names.
const Preset& find_preset(const std::string& name);
// The preset's settings, with `preset` set to the name as given (so `theano` stays `theano`).
TrainConfig preset_config(const std::string& name);
// "theano, theano-logreg, theano-mlp, tensorflow"
std::string preset_list();

// The network a config trains on images of rows x cols with `classes` classes.
runtime::NetworkSpec network_for(const TrainConfig& c, std::size_t rows, std::size_t cols,
                                 std::size_t classes);

}  // namespace clmnist::model
