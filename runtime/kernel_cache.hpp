// Persistent cache of compiled program binaries, so a second run skips the OpenCL compiler.
// An entry is keyed by the kernel source, the full build options, the device name, the driver
// version and the platform; the full key and a checksum of key and binary are stored in the entry
// and checked on load, so a stale entry (new driver, edited kernel), a damaged one (zeroed or
// flipped bytes after a crash) or a binary of other options put under this key is never given to
// the driver. Entries are written to a temporary file, fsynced and renamed (durable_file.hpp);
// anything but a regular file where an entry goes is refused without opening it blocking.
// The directory is the caller's (model::default_kernel_cache_dir() in the programs).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace clmnist::runtime {

class KernelCache {
 public:
  // An empty dir disables the cache. `warn` hears of damaged entries (nullptr: nobody does).
  explicit KernelCache(std::string dir, std::function<void(const std::string&)> warn = nullptr)
      : dir_(std::move(dir)), warn_(std::move(warn)) {}

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // The binary stored for this key, or nothing if absent, stale or damaged. What is wrong with an
  // entry that exists but cannot be used (not for an absent one or one of an older format) goes
  // to *problem, naming the file.
  std::optional<std::vector<unsigned char>> load(const std::string& key,
                                                 std::string* problem = nullptr) const;
  // Stores a binary, replacing whatever is at the entry's name; returns false (and leaves no
  // partial file) if the directory is unwritable.
  bool store(const std::string& key, const std::vector<unsigned char>& binary) const;
  // The file an entry for this key lives in.
  std::string path_for(const std::string& key) const;
  // Passes a message to the warning callback, if any.
  void warn(const std::string& message) const {
    if (warn_) warn_(message);
  }

 private:
  std::string dir_;
  std::function<void(const std::string&)> warn_;
};

}  // namespace clmnist::runtime
