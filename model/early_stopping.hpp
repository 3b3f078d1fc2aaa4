// The early stopping of the Theano tutorial, exactly: after each validation, if the error is below
// the best so far, then (if it is below best * improvement_threshold) patience = max(patience,
// iter * patience_increase); the best is recorded. Training stops as soon as patience <= iter.
// iter counts minibatches from 0 across epochs.
#pragma once

#include <cstddef>
#include <limits>

namespace clmnist::model {

class EarlyStopping {
 public:
  EarlyStopping(std::size_t patience, std::size_t patience_increase, double improvement_threshold)
      : patience_(patience), increase_(patience_increase), threshold_(improvement_threshold) {}

  // Records a validation error at iteration iter; returns true if it is a new best.
  bool record(std::size_t iter, double error) {
    if (!(error < best_)) return false;
    if (error < best_ * threshold_) {
      const std::size_t extended = iter * increase_;
      if (extended > patience_) patience_ = extended;
    }
    best_ = error;
    return true;
  }
  bool should_stop(std::size_t iter) const { return patience_ <= iter; }

  double best() const { return best_; }
  std::size_t patience() const { return patience_; }

  // Continues from a saved state (checkpoint resume).
  void restore(std::size_t patience, double best) {
    patience_ = patience;
    best_ = best;
  }

 private:
  std::size_t patience_;
  std::size_t increase_;
  double threshold_;
  double best_ = std::numeric_limits<double>::infinity();
};

}  // namespace clmnist::model
