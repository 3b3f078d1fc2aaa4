// Minibatch SGD with the tutorials' early stopping over an Executable, printing their log lines.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "mnist.hpp"
#include "network_model.hpp"
#include "train_config.hpp"

namespace clmnist::model {

struct TrainData {
  LabeledImages train, valid, test;
  std::size_t classes = 0;
};

// Splits the training file into train and validation sets as the preset says, and counts classes.
// The training rows stay in train_file's buffer: pass it with std::move to spare a copy.
TrainData split_for_training(LabeledImages train_file, LabeledImages test,
                             const TrainConfig& config);

// Rows counted by the reference protocol: whole minibatches only (9,600 of 10,000 at batch 600).
std::size_t reference_rows(std::size_t rows, std::size_t batch_size);

struct ValidationRecord {
  std::size_t epoch = 0, minibatch = 0, iteration = 0;
  std::size_t minibatches = 0;    // in an epoch
  double train_loss = 0.0;        // mean NLL of this epoch's minibatches so far (since a resume)
  double recent_train_loss = 0.0;  // mean NLL of the minibatches since the last validation
  double validation_error = 0.0;  // reference protocol
  double validation_loss = 0.0;   // mean NLL over every validation sample
  double test_error = -1.0;       // reference protocol, when this was a new best; else -1
  double learning_rate = 0.0;     // the SGD step size of the minibatches before it
  double seconds = 0.0;           // training time so far (with the time before a resume)
};

struct TrainResult {
  bool interrupted = false;  // stopped by TrainHooks::interrupted; the last state was emitted
  std::size_t epochs = 0, iterations = 0;
  std::size_t best_epoch = 0, best_iteration = 0;
  double best_validation_error = 1.0, test_error = 1.0;          // reference protocol
  double best_validation_error_all = 1.0, test_error_all = 1.0;  // every sample
  std::size_t valid_counted = 0, valid_rows = 0, test_counted = 0, test_rows = 0;
  double train_seconds = 0.0;
  Model best_model;  // empty until the first validation
  // Whether a validation has found a best model (the errors above are measured only then).
  bool has_best() const { return best_epoch != 0; }
  std::vector<ValidationRecord> history;
};

// Everything needed to continue a run exactly where it stopped: saved by checkpoints.
struct TrainState {
  TrainConfig config;
  runtime::NetworkSpec network;
  std::uint64_t data_fingerprint = 0;
  std::size_t epoch = 1;           // the epoch to continue (1-based)
  std::size_t next_minibatch = 0;  // the minibatch of that epoch to run next
  std::size_t iterations = 0;      // minibatches run so far
  bool finished = false;           // early stopping (or max steps) has ended the run
  std::size_t patience = 0;
  double best_so_far = 0.0;     // early stopping's best validation error (inf: none yet)
  double train_seconds = 0.0;   // spent before this state
  runtime::ParamValues params;  // current parameters, by name
  TrainResult best;             // the best so far: errors, epoch, iteration and model
  std::string origin;           // the file it was loaded from (for messages), if any
  // Where the run saves its best model ("" for nowhere), so a resumed run saves it there too; the
  // trainer leaves it unset, the command sets it, and checkpoints before it have none.
  std::optional<std::string> save_model;
};

// Where training is, after each minibatch. loss() synchronises with the device: call it rarely.
struct Progress {
  std::size_t epoch = 0, minibatch = 0, minibatches = 0, iteration = 0;
  std::size_t patience = 0;        // early stopping ends the run at this iteration, at the latest
  std::size_t max_iterations = 0;  // max epochs or max steps, whichever is fewer
  double last_validation_error = -1.0;
  std::function<double()> loss;  // mean NLL of this epoch's minibatches so far
};

struct TrainHooks {
  // Called with each new best model (the tutorial saves it there).
  std::function<void(const Model&)> on_best;
  // Called after every validation.
  std::function<void(const ValidationRecord&)> on_validation;
  // Called after every minibatch (keep it cheap).
  std::function<void(const Progress&)> on_minibatch;
  // Polled after every minibatch; true stops training there (e.g. on SIGINT).
  std::function<bool()> interrupted;
  // Called with the full state after every validation and when interrupted.
  std::function<void(const TrainState&)> on_state;
};

// Trains `exec` (compiled on `backend` for network_for(config, ...) and batches of
// config.batch_size) from the preset's initial parameters or from `resume`. Throws
// DivergenceError if the loss stops being finite, DataError if `resume` was made on other data or
// settings.
TrainResult train(runtime::Backend& backend, runtime::Executable& exec, const TrainData& data,
                  const TrainConfig& config, std::ostream& log, const TrainHooks& hooks = {},
                  const TrainState* resume = nullptr);

// The compile options a config needs (batch, weight decay) with the implementation `impl`.
runtime::CompileOptions compile_options(const TrainConfig& config, runtime::Impl impl);

// CRC-32 of every image and label of the three sets, with their sizes: a checkpoint only resumes
// on the data it was made on.
std::uint64_t data_fingerprint(const TrainData& data);

// Fisher-Yates shuffle driven by mt19937_64 with an explicit bounded draw, so the order is the same
// with every C++ standard library.
std::vector<std::uint32_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch);

}  // namespace clmnist::model
