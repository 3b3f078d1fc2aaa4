// The line `clmnist fetch` draws on a terminal while a download runs (as torchvision's and tqdm's
// do): what is fetched, the bytes so far, the percent of the expected size where it is known,
// and the seconds since it began, redrawn in place about five times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace clmnist::model {

class DownloadProgress {
 public:
  // `terminal`: where to draw (nullptr: nothing is drawn); `bytes`: the bytes so far;
  // `expected`: the full size (0: unknown, no percent).
  DownloadProgress(std::ostream* terminal, std::string label, std::function<std::uint64_t()> bytes,
                   std::uint64_t expected);
  void update();  // redraws the line
  void finish();  // the last drawing, and a line end

 private:
  std::string line() const;
  std::ostream* terminal_;
  std::string label_;
  std::function<std::uint64_t()> bytes_;
  std::uint64_t expected_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The size of a file, or of every file in a directory (0 for what does not exist yet).
std::uint64_t bytes_in(const std::string& path);

}  // namespace clmnist::model
