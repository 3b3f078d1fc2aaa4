// Progress line drawing (see progress.hpp).
#include "progress.hpp"

#include <algorithm>
#include <cstdio>

namespace clmnist::apps {

void ProgressLine::update(const model::Progress& p) {
  if (!enabled_) return;
  if (first_iteration_ == static_cast<std::size_t>(-1)) first_iteration_ = p.iteration;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double done = static_cast<double>(p.iteration + 1 - first_iteration_);
  const double rate = secs > 0 ? done * static_cast<double>(batch_) / secs : 0.0;
  // Early stopping ends the run by `patience` at the latest; max epochs or steps cap it too.
  std::size_t end = p.max_iterations;
  if (p.patience != 0) end = std::min(end, p.patience);
  const double left = rate > 0 && end > p.iteration ? static_cast<double>(end - p.iteration - 1) *
                                                          static_cast<double>(batch_) / rate
                                                    : 0.0;
  char valid[32] = "-";
  if (p.last_validation_error >= 0) {
    std::snprintf(valid, sizeof valid, "%.4f %%", p.last_validation_error * 100.0);
  }
  std::fprintf(stdout,
               "\r\033[Kepoch %zu, minibatch %zu/%zu, loss %.5f, validation %s, %.0f samples/s, "
               "at most %.0f s left",
               p.epoch, p.minibatch, p.minibatches, p.loss ? p.loss() : 0.0, valid, rate, left);
  std::fflush(stdout);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stdout);
  std::fflush(stdout);
  shown_ = false;
}

}  // namespace clmnist::apps
