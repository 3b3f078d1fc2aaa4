// Persistent cache of compiled program binaries, so a second run skips the OpenCL compiler.
// An entry is keyed by the kernel source, the build options, the device name, the driver version
// and the platform; the full key is stored in the entry and compared on load, so a stale entry
// (new driver, edited kernel) is never used. Entries are written to a temporary file and renamed.
// The directory is the caller's (model::default_kernel_cache_dir() in the programs).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace clmnist::runtime {

class KernelCache {
 public:
  // An empty dir disables the cache.
  explicit KernelCache(std::string dir) : dir_(std::move(dir)) {}

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // The binary stored for this key, or nothing if absent, unreadable, corrupt or stale.
  std::optional<std::vector<unsigned char>> load(const std::string& key) const;
  // Stores a binary; returns false (and leaves no partial file) if the directory is unwritable.
  bool store(const std::string& key, const std::vector<unsigned char>& binary) const;
  // The file an entry for this key lives in.
  std::string path_for(const std::string& key) const;

 private:
  std::string dir_;
};

}  // namespace clmnist::runtime
