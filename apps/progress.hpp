// The live progress line of `clmnist train` on a terminal: epoch, minibatch, loss, last
// validation error, samples/s and time left, redrawn at most 4 times a second.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "trainer.hpp"

namespace clmnist::apps {

class ProgressLine {
 public:
  // Draws only when `enabled` (stdout is a terminal and not --quiet).
  ProgressLine(bool enabled, std::size_t batch_size) : enabled_(enabled), batch_(batch_size) {}
  void update(const model::Progress& p);
  // Erases the line so that a log line can be printed in its place.
  void clear();

 private:
  bool enabled_;
  std::size_t batch_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::size_t first_iteration_ = static_cast<std::size_t>(-1);
};

}  // namespace clmnist::apps
