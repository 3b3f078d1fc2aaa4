// Training settings, each described once in the table of train_settings(): the command-line
// options, the config file and environment, the resume check, checkpoints, the summary JSON and
// the printed settings all come from that table. Presets (presets.hpp) fill in whole configs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace clmnist::model {

struct TrainConfig {
  std::string preset = "theano";
  std::size_t hidden = 0;           // units of the hidden layer; 0: none (logistic regression)
  std::string activation = "tanh";  // of the hidden layer: tanh or relu
  double learning_rate = 0.13;
  double l1 = 0.0;  // cost += l1 * sum |W| over the weights (not the biases)
  double l2 = 0.0;  // cost += l2 * sum W^2 over the weights
  std::size_t batch_size = 600;
  std::size_t max_epochs = 1000;
  std::size_t max_steps = 0;  // 0: no limit (stop by early stopping or max_epochs)
  bool early_stopping = true;
  std::size_t patience = 5000;
  std::size_t patience_increase = 2;
  double improvement_threshold = 0.995;
  std::size_t validation_frequency = 0;  // 0: min(minibatches per epoch, patience / 2)
  bool shuffle = false;                  // reshuffle the training rows every epoch
  std::uint64_t seed = 1234;             // the weight init's and the shuffle's
  static_assert(sizeof(std::uint64_t) == sizeof(std::size_t), "LP64 expected");
  double pixel_divisor = 256.0;  // 256: the value grid of the tutorial's mnist.pkl.gz
  bool valid_first = false;      // validation rows: first (tensorflow) or last (theano) of train
  std::size_t valid_size = 10000;
};

// One setting: its option name, its key in checkpoints and JSON, where it lives, its help, and
// whether it fixes a run's result (so a resumed run may not change it).
struct Setting {
  // std::uint64_t is std::size_t on the LP64 systems clmnist builds for (the seed).
  using Field = std::variant<std::string TrainConfig::*, std::size_t TrainConfig::*,
                             double TrainConfig::*, bool TrainConfig::*>;
  const char* option;  // "learning-rate"; nullptr: fixed by the preset, no option
  const char* key;     // "learning_rate"
  Field field;
  const char* help;
  bool fixes_run;
};
const std::vector<Setting>& train_settings();
const Setting& find_setting(const std::string& key);  // throws std::logic_error

// The value as text (doubles with 17 significant digits, so they read back exactly), and back.
// parse_setting throws std::invalid_argument naming the option, the value and what is allowed.
std::string setting_text(const TrainConfig& c, const Setting& s);
void parse_setting(TrainConfig& c, const Setting& s, const std::string& text);
// Whether two configs agree on a setting.
bool same_setting(const TrainConfig& a, const TrainConfig& b, const Setting& s);

// Checks the values together (positive learning rate, known activation, ...); throws
// std::invalid_argument naming the option.
void validate(const TrainConfig& c);

// Minibatches between validations: the setting, else as the tutorial (at least twice per patience
// with early stopping, else once an epoch of `n_train_batches`).
std::size_t validation_interval(const TrainConfig& cfg, std::size_t n_train_batches);

// One line with every setting, as printed before training ("effective settings"); the
// validation interval as a number where the minibatches of an epoch are known (not 0).
std::string describe(const TrainConfig& c, std::size_t minibatches_per_epoch = 0);

}  // namespace clmnist::model
