// Progress line drawing (see progress.hpp).
#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "terminal.hpp"

namespace clmnist::apps {
namespace {

std::string format(const char* fmt, double a, double b = 0.0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

// The width of the terminal the line is drawn on (terminal.hpp's rule), else 80.
unsigned terminal_width() {
  const unsigned c = terminal_columns(STDERR_FILENO);
  return c >= 20 ? c : 80;
}

}  // namespace

std::string duration_text(double seconds, bool compact) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, compact ? "%llds" : "%lld s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, compact ? "%lldm%02llds" : "%lld min %02lld s", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, compact ? "%lldh%02lldm" : "%lld h %02lld min", s / 3600,
                  s % 3600 / 60);
  }
  return buf;
}

std::string progress_bar(std::size_t done, std::size_t total, std::size_t cells) {
  const std::size_t full = total == 0 ? 0 : std::min(cells, done * cells / total);
  return "[" + std::string(full, '#') + std::string(cells - full, '.') + "]";
}

std::string progress_text(const ProgressFigures& f, unsigned width) {
  const std::string where = "epoch " + std::to_string(f.epoch) + ", minibatch " +
                            std::to_string(f.minibatch) + "/" + std::to_string(f.minibatches);
  const std::string short_where = "epoch " + std::to_string(f.epoch) + " " +
                                  std::to_string(f.minibatch) + "/" + std::to_string(f.minibatches);
  const std::string loss = ", loss " + format("%.5f", f.loss);
  const std::string short_loss = ", loss " + format("%.4f", f.loss);
  const bool validated = f.validation_error >= 0;
  const std::string valid = validated
                                ? ", validation " + format("%.4f %%", f.validation_error * 100.0)
                                : ", validation -";
  const std::string short_valid =
      validated ? ", valid " + format("%.2f %%", f.validation_error * 100.0) : "";
  const std::string rate =
      f.samples_per_second > 0 ? ", " + format("%.0f", f.samples_per_second) + " samples/s" : "";
  const bool known = f.seconds_left >= 0;
  const std::string left = !known
                               ? ""
                               : std::string(f.left_is_lower_bound ? ", at least " : ", about ") +
                                     duration_text(f.seconds_left, false) + " left" +
                                     (f.left_is_lower_bound ? " (early stopping may extend)" : "");
  const std::string short_left = !known ? ""
                                        : std::string(f.left_is_lower_bound ? ", >= " : ", ~") +
                                              duration_text(f.seconds_left, true) + " left";
  const std::string bar = " " + progress_bar(f.minibatch, f.minibatches);
  const bool timed = f.seconds_elapsed >= 0;
  const std::string elapsed = timed ? ", " + duration_text(f.seconds_elapsed) + " elapsed" : "";
  const std::string short_elapsed = timed ? ", " + duration_text(f.seconds_elapsed, true) : "";
  const std::size_t fits = width > 1 ? width - 1 : 0;
  for (const std::string& line :
       {where + bar + loss + valid + rate + elapsed + left,
        where + bar + loss + valid + rate + short_elapsed + short_left,
        short_where + bar + short_loss + short_valid + rate + short_elapsed + short_left,
        short_where + bar + short_loss + short_valid + short_elapsed + short_left,
        short_where + bar + short_loss + short_elapsed + short_left,
        short_where + short_loss + short_elapsed + short_left, short_where + short_loss + short_left,
        short_where + short_loss, short_where}) {
    if (line.size() <= fits) return line;
  }
  return short_where.substr(0, fits);
}

void ProgressLine::update(const model::Progress& p) {
  if (!enabled_) return;
  if (first_iteration_ == static_cast<std::size_t>(-1))
    first_iteration_ = last_iteration_ = p.iteration;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
  // The rate of the samples since the last redraw, smoothed so that one slow or fast stretch
  // (a validation, a cache warming up) does not swing the estimate.
  const double since = std::chrono::duration<double>(now - (shown_ ? last_ : start_)).count();
  const double steps =
      static_cast<double>(p.iteration + 1 - (shown_ ? last_iteration_ + 1 : first_iteration_));
  if (since > 0 && steps > 0) {
    const double recent = steps * static_cast<double>(batch_) / since;
    rate_ = rate_ > 0 ? 0.8 * rate_ + 0.2 * recent : recent;
  }
  last_ = now;
  last_iteration_ = p.iteration;
  ProgressFigures f;
  f.epoch = p.epoch;
  f.minibatch = p.minibatch;
  f.minibatches = p.minibatches;
  f.loss = p.loss ? p.loss() : 0.0;
  f.validation_error = p.last_validation_error;
  f.samples_per_second = rate_;
  // Early stopping ends the run at `patience` at the earliest, and every improvement extends it;
  // max epochs or steps end it for certain.
  std::size_t end = p.max_iterations;
  f.left_is_lower_bound = p.patience != 0 && p.patience < end;
  if (f.left_is_lower_bound) end = p.patience;
  // The first second's rate is mostly start-up (one step, a cold cache): no estimate from it.
  f.seconds_elapsed = std::chrono::duration<double>(now - start_).count();
  if (rate_ > 0 && end > p.iteration && f.seconds_elapsed >= 1.0) {
    f.seconds_left =
        static_cast<double>(end - p.iteration - 1) * static_cast<double>(batch_) / rate_;
  }
  std::fflush(stdout);  // the log lines before it, where both share the terminal
  std::fprintf(stderr, "\r\033[K%s", progress_text(f, terminal_width()).c_str());
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace clmnist::apps
