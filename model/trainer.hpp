// Minibatch SGD with the tutorial's early stopping over a Backend, printing the tutorial's log.
#pragma once

#include <functional>
#include <iosfwd>
#include <vector>

#include "backend.hpp"
#include "mnist.hpp"
#include "softmax_model.hpp"
#include "train_config.hpp"

namespace clmnist::model {

struct TrainData {
  LabeledImages train, valid, test;
  std::size_t classes = 0;
};

// Splits the training file into train and validation sets as the preset says, and counts classes.
TrainData split_for_training(const LabeledImages& train_file, LabeledImages test,
                             const TrainConfig& config);

// Rows counted by the reference protocol: whole minibatches only (9,600 of 10,000 at batch 600).
std::size_t reference_rows(std::size_t rows, std::size_t batch_size);

struct ValidationRecord {
  std::size_t epoch = 0, minibatch = 0, iteration = 0;
  double train_loss = 0.0;        // mean NLL of this epoch's minibatches so far
  double validation_error = 0.0;  // reference protocol
  double validation_loss = 0.0;   // mean NLL over every validation sample
  double test_error = -1.0;       // reference protocol, when this was a new best; else -1
};

struct TrainResult {
  std::size_t epochs = 0, iterations = 0;
  std::size_t best_epoch = 0, best_iteration = 0;
  double best_validation_error = 1.0, test_error = 1.0;          // reference protocol
  double best_validation_error_all = 1.0, test_error_all = 1.0;  // every sample
  std::size_t valid_counted = 0, valid_rows = 0, test_counted = 0, test_rows = 0;
  double train_seconds = 0.0;
  SoftmaxModel best_model;
  std::vector<ValidationRecord> history;
};

struct TrainHooks {
  // Called with each new best model (the tutorial saves it there).
  std::function<void(const SoftmaxModel&)> on_best;
  // Called after every validation; return false to stop training early (e.g. on a signal).
  std::function<bool(const ValidationRecord&)> on_validation;
};

// Trains on `backend` (configured here). Throws DivergenceError if the loss stops being finite.
TrainResult train(runtime::Backend& backend, const TrainData& data, const TrainConfig& config,
                  std::ostream& log, const TrainHooks& hooks = {});

// Fisher-Yates shuffle driven by mt19937_64 with an explicit bounded draw, so the order is the same
// with every C++ standard library.
std::vector<std::uint32_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch);

}  // namespace clmnist::model
