// DownloadProgress (see download_progress.hpp).
#include "download_progress.hpp"

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <utility>

namespace clmnist::model {

DownloadProgress::DownloadProgress(std::ostream* terminal, std::string label,
                                   std::function<std::uint64_t()> bytes, std::uint64_t expected)
    : terminal_(terminal), label_(std::move(label)), bytes_(std::move(bytes)), expected_(expected) {}

std::string DownloadProgress::line() const {
  const std::uint64_t got = bytes_();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char figures[96];
  if (expected_ != 0) {
    const double percent = 100.0 * static_cast<double>(got) / static_cast<double>(expected_);
    std::snprintf(figures, sizeof figures, "%.1f of %.1f MB, %3.0f %%, %.0f s",
                  static_cast<double>(got) / 1e6, static_cast<double>(expected_) / 1e6,
                  percent > 100 ? 100.0 : percent, seconds);
  } else {
    std::snprintf(figures, sizeof figures, "%.1f MB, %.0f s", static_cast<double>(got) / 1e6,
                  seconds);
  }
  return "  " + label_ + ": " + figures;
}

void DownloadProgress::update() {
  if (terminal_ != nullptr) *terminal_ << "\r" << line() << "\x1b[K" << std::flush;
}

void DownloadProgress::finish() {
  if (terminal_ != nullptr) *terminal_ << "\r" << line() << "\x1b[K\n" << std::flush;
}

std::uint64_t bytes_in(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  std::uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

}  // namespace clmnist::model
