// The live progress line of `clmnist train` on a terminal: epoch, minibatch, loss, last
// validation error, a smoothed samples/s and the time left, redrawn at most 4 times a second on
// standard error, so that standard output keeps the log lines alone.
#pragma once

#include <chrono>
#include <cstddef>
#include <iostream>
#include <streambuf>
#include <string>

#include "trainer.hpp"

namespace clmnist::apps {

// What one drawing of the line shows.
struct ProgressFigures {
  std::size_t epoch = 0, minibatch = 0, minibatches = 0;
  double loss = 0.0;
  double validation_error = -1.0;    // fraction; below 0: no validation yet
  double samples_per_second = 0.0;   // 0: not known yet
  double seconds_left = -1.0;        // below 0: not known (held back for the first second)
  double seconds_elapsed = -1.0;     // below 0: not shown
  bool left_is_lower_bound = false;  // early stopping may extend the run past the estimate
};

// The line for a terminal `width` columns wide: the most that fits in width - 1 columns, in
// shorter words first, then without the rate, the validation error, the epoch's bar and the
// times. A bar of the epoch's minibatches as Keras draws it, the time elapsed and the time left
// as tqdm shows them; time left is "at least" where early stopping can still extend the run and
// "about" where only max epochs or steps end it.
std::string progress_text(const ProgressFigures& f, unsigned width);

// "[####......]": done of total in `cells` cells.
std::string progress_bar(std::size_t done, std::size_t total, std::size_t cells = 10);

// "42 s", "3 min 05 s", "2 h 07 min"; compact: "42s", "3m05s", "2h07m".
std::string duration_text(double seconds, bool compact = false);

class ProgressLine {
 public:
  // Draws only when `enabled` (standard error is a terminal and not --quiet); `stdout_shared`:
  // standard output is that terminal too, so a log line erases the progress line first.
  ProgressLine(bool enabled, std::size_t batch_size, bool stdout_shared)
      : enabled_(enabled), stdout_shared_(stdout_shared), batch_(batch_size) {}
  void update(const model::Progress& p);
  // Erases the line (at the end of training).
  void clear();
  // Called before anything is written on standard output.
  void before_stdout() {
    if (stdout_shared_) clear();
  }

 private:
  bool enabled_, stdout_shared_;
  std::size_t batch_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::size_t first_iteration_ = static_cast<std::size_t>(-1), last_iteration_ = 0;
  double rate_ = 0.0;  // samples/s, an exponential moving average over the redraws
};

// Standard output that erases the progress line first where both share the terminal: the
// stream the training log is written to.
class StdoutBelowProgress : public std::streambuf {
 public:
  explicit StdoutBelowProgress(ProgressLine& p) : progress_(p) {}

 protected:
  int overflow(int c) override {
    progress_.before_stdout();
    return c == traits_type::eof() ? traits_type::not_eof(c)
                                   : std::cout.rdbuf()->sputc(static_cast<char>(c));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    progress_.before_stdout();
    return std::cout.rdbuf()->sputn(s, n);
  }
  int sync() override { return std::cout.rdbuf()->pubsync(); }

 private:
  ProgressLine& progress_;
};

}  // namespace clmnist::apps
