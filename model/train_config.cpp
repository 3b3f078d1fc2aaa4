// The table of training settings and what is derived from it: text form, parsing, comparison,
// validation and the printed description.
#include "train_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "network.hpp"
#include "text.hpp"

namespace clmnist::model {

const std::vector<Setting>& train_settings() {
  using C = TrainConfig;
  static const std::vector<Setting> table = {
      {"preset", "preset", &C::preset, "the protocol and model a run reproduces (clmnist presets)",
       true},
      {"hidden", "hidden", &C::hidden,
       "units of the hidden layer; 0 = none, softmax regression (theano-mlp 500)", true},
      {"activation", "activation", &C::activation, "hidden layer activation: tanh or relu", true},
      {"learning-rate", "learning_rate", &C::learning_rate,
       "SGD step size (theano 0.13, theano-mlp 0.01, tensorflow 0.5)", true},
      {"l1", "l1", &C::l1, "L1 weight decay: cost += L1 * sum |W| over the weights (0)", true},
      {"l2", "l2", &C::l2,
       "L2 weight decay: cost += L2 * sum W^2 over the weights (theano-mlp 0.0001)", true},
      {"batch-size", "batch_size", &C::batch_size,
       "minibatch size (theano 600, theano-mlp 20, tensorflow 100)", true},
      {"max-epochs", "max_epochs", &C::max_epochs, "at most this many epochs (default 1000)", true},
      {"max-steps", "max_steps", &C::max_steps,
       "stop after this many minibatches; 0 = no limit (tensorflow 1000)", true},
      {nullptr, "early_stopping", &C::early_stopping, "early stopping (theano presets)", true},
      {"patience", "patience", &C::patience,
       "early stopping: initial patience (theano 5000, theano-mlp 10000)", true},
      {"patience-increase", "patience_increase", &C::patience_increase,
       "early stopping: factor (2)", true},
      {"improvement-threshold", "improvement_threshold", &C::improvement_threshold,
       "early stopping: relative improvement that extends patience (0.995)", true},
      {"validation-frequency", "validation_frequency", &C::validation_frequency,
       "validate every N minibatches (default: min(minibatches per epoch, patience / 2))", true},
      {"shuffle", "shuffle", &C::shuffle,
       "reshuffle the training rows every epoch: true or false (--shuffle alone: true)", true},
      {"seed", "seed", &C::seed, "seed of the weight init and the shuffling", true},
      {"pixel-divisor", "pixel_divisor", &C::pixel_divisor,
       "input = pixel / this (theano 256, the tutorial's mnist.pkl.gz grid; tensorflow 255)", true},
      {nullptr, "valid_first", &C::valid_first,
       "validation = the first (tensorflow) or last (theano) training images", true},
      {"validation-size", "valid_size", &C::valid_size,
       "validation images taken from the training file (theano 10000, the last; tensorflow "
       "5000, the first)",
       true},
  };
  return table;
}

const Setting& find_setting(const std::string& key) {
  for (const Setting& s : train_settings()) {
    if (key == s.key) return s;
  }
  throw std::logic_error("no training setting '" + key + "'");
}

namespace {

std::string name_of(const Setting& s) {
  return s.option != nullptr ? std::string("--") + s.option : std::string(s.key);
}

[[noreturn]] void bad(const Setting& s, const std::string& text, const std::string& allowed) {
  throw std::invalid_argument(name_of(s) + " '" + text + "' is not " + allowed);
}

std::uint64_t parse_whole(const Setting& s, const std::string& text, std::uint64_t max) {
  // Digits only: "-3" is refused rather than wrapped to 2^64 - 3.
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    bad(s, text, "a whole number from 0 to " + std::to_string(max));
  }
  try {
    const unsigned long long v = std::stoull(text);
    if (v <= max) return v;
  } catch (const std::out_of_range&) {
  }
  bad(s, text, "a whole number from 0 to " + std::to_string(max));
}

}  // namespace

std::string setting_text(const TrainConfig& c, const Setting& s) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::decay_t<decltype(c.*member)>;
        const T& v = c.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return runtime::shortest_text(v);  // reads back as the same double
        } else {
          return std::to_string(v);
        }
      },
      s.field);
}

void parse_setting(TrainConfig& c, const Setting& s, const std::string& text) {
  std::visit(
      [&](auto member) {
        using T = std::decay_t<decltype(c.*member)>;
        T& v = c.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          v = text;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (text == "true" || text == "1" || text == "yes" || text == "on") {
            v = true;
          } else if (text == "false" || text == "0" || text == "no" || text == "off") {
            v = false;
          } else {
            bad(s, text, "true or false");
          }
        } else if constexpr (std::is_same_v<T, double>) {
          std::size_t used = 0;
          double d = 0;
          // Decimal only: strtod would also take hex (0x1p-3), "inf" and "nan".
          if (text.find_first_not_of("0123456789.eE+-") != std::string::npos) {
            bad(s, text, "a decimal number (such as 0.05 or 5e-2)");
          }
          try {
            d = std::stod(text, &used);
          } catch (const std::out_of_range&) {
            bad(s, text, "a number a double can hold (magnitudes from about 1e-308 to 1e308)");
          } catch (const std::invalid_argument&) {
            used = 0;
          }
          if (used != text.size() || text.empty()) bad(s, text, "a number");
          v = d;
        } else {
          v = static_cast<T>(parse_whole(s, text, std::numeric_limits<T>::max()));
        }
      },
      s.field);
}

bool same_setting(const TrainConfig& a, const TrainConfig& b, const Setting& s) {
  return setting_text(a, s) == setting_text(b, s);
}

namespace {

void require_positive(const char* option, double v, bool as_float) {
  const double used = as_float ? static_cast<double>(static_cast<float>(v)) : v;
  if (!(used > 0) || !std::isfinite(used)) {
    char b[64];
    std::snprintf(b, sizeof b, "%g", v);
    throw std::invalid_argument(std::string("--") + option + " " + b +
                                " must be a positive finite number" +
                                (as_float ? " (as a float: 1.2e-38 to 3.4e38)" : ""));
  }
}

// L1 and L2 as the kernels use them: floats, and 2 * L2 one too (the gradient of L2 * w^2).
void require_decay(const char* option, double v) {
  if (!(v >= 0) || !std::isfinite(v) || (v > 0 && !(static_cast<float>(v) > 0)) ||
      !std::isfinite(static_cast<float>(2.0 * v))) {
    char b[64];
    std::snprintf(b, sizeof b, "%g", v);
    throw std::invalid_argument(std::string("--") + option + " " + b +
                                " must be 0 or a positive float (1.2e-38 to 3.4e38)");
  }
}

}  // namespace

void validate(const TrainConfig& c) {
  require_positive("learning-rate", c.learning_rate, true);
  require_positive("pixel-divisor", c.pixel_divisor, true);
  const float scale = static_cast<float>(1.0 / c.pixel_divisor);  // what the kernels multiply by
  if (!(scale > 0) || !std::isfinite(scale)) {
    char b[64];
    std::snprintf(b, sizeof b, "%g", c.pixel_divisor);
    throw std::invalid_argument(std::string("--pixel-divisor ") + b +
                                " makes the pixel scale 1 / divisor leave the float range; use "
                                "a divisor from 1e-38 to 1e38 (theano 256, tensorflow 255)");
  }
  require_positive("improvement-threshold", c.improvement_threshold, false);
  if (c.improvement_threshold > 1.0) {
    throw std::invalid_argument(
        "--improvement-threshold " + runtime::shortest_text(c.improvement_threshold) +
        " must be at most 1: a new validation error counts as an improvement when it is below "
        "the best times the threshold (0.995: half a per cent better)");
  }
  require_decay("l1", c.l1);
  require_decay("l2", c.l2);
  if (c.activation != "tanh" && c.activation != "relu") {
    throw std::invalid_argument("--activation '" + c.activation + "' is not tanh or relu");
  }
  if (c.batch_size == 0) throw std::invalid_argument("--batch-size must be at least 1");
  if (c.max_epochs == 0) throw std::invalid_argument("--max-epochs must be at least 1");
  if (c.valid_size == 0) throw std::invalid_argument("--validation-size must be at least 1");
  if (c.hidden != 0 && c.seed > 0xffffffffu) {
    throw std::invalid_argument("--seed " + std::to_string(c.seed) +
                                " is over 4294967295: the weight init's generator (numpy's "
                                "RandomState, MT19937) takes a 32-bit seed");
  }
  if (c.hidden > runtime::kMaxLayerWidth) {
    throw std::invalid_argument("--hidden " + std::to_string(c.hidden) + " is over the " +
                                std::to_string(runtime::kMaxLayerWidth) + " units allowed");
  }
}

std::size_t validation_interval(const TrainConfig& cfg, std::size_t n_train_batches) {
  std::size_t freq = cfg.validation_frequency;
  if (freq == 0) {
    freq = cfg.early_stopping ? std::min(n_train_batches, cfg.patience / 2) : n_train_batches;
    freq = std::max<std::size_t>(freq, 1);
  }
  return freq;
}

std::string describe(const TrainConfig& c, std::size_t minibatches_per_epoch) {
  std::ostringstream o;
  o << "preset " << c.preset << ": ";
  if (c.hidden != 0) o << "hidden layer " << c.hidden << " " << c.activation << ", ";
  o << "learning rate " << c.learning_rate;
  if (c.l1 != 0) o << ", L1 " << c.l1;
  if (c.l2 != 0) o << ", L2 " << c.l2;
  o << ", batch size " << c.batch_size << ", max epochs " << c.max_epochs;
  if (c.max_steps != 0) o << ", max steps " << c.max_steps;
  if (c.early_stopping) {
    o << ", patience " << c.patience << " (increase " << c.patience_increase << ", threshold "
      << c.improvement_threshold << ")";
  } else {
    o << ", no early stopping";
  }
  o << ", validation every ";
  if (minibatches_per_epoch != 0 || c.validation_frequency != 0) {
    o << validation_interval(c, minibatches_per_epoch) << " minibatches, ";
  } else {  // the rule, before the data says how many minibatches an epoch has
    o << (c.early_stopping ? "epoch or patience / 2 minibatches if sooner, " : "epoch, ");
  }
  o << (c.shuffle ? "shuffled (seed " + std::to_string(c.seed) + ")" : "in order") << ", pixels / "
    << c.pixel_divisor << ", validation = " << (c.valid_first ? "first " : "last ") << c.valid_size
    << " training images";
  return o.str();
}

}  // namespace clmnist::model
