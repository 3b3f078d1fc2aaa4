// The per-user tuning file: the winners of `clmnist tune`, keyed by what makes a measurement
// valid (device, vendor, driver, kernel sources, problem shape). JSON, written atomically;
// a file that cannot be read or parsed is treated as empty by lookups and named in errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backend.hpp"

namespace clmnist::model {

struct TuningKey {
  std::string device, vendor, driver, sources;  // sources: runtime::kernel_sources_hash()
  std::string shape;  // the network and step: "784-500-10 tanh, batch 20, decay"
  bool operator==(const TuningKey& o) const;
};
// The key of a network compiled with `options` on `device`.
TuningKey tuning_key(const runtime::DeviceDesc& device, const runtime::NetworkSpec& net,
                     const runtime::CompileOptions& options);

struct TuningEntry {
  TuningKey key;
  std::string impl;            // "gpu", "fused", ...
  runtime::Tunables tunables;  // the winner's settings
  std::string plan;            // runtime::describe(plan)
  double step_us = 0.0;        // the winner's median time per SGD step
  double default_step_us = 0.0;  // the built-in default's, measured beside it
  double tune_seconds = 0.0;   // how long `tune` took
  std::string tuned_at;        // UTC, ISO 8601
  std::string clmnist_version;
  std::size_t number = 0;      // its place in the file (1-based), for messages
};

// $CLMNIST_TUNING_FILE, else $XDG_CACHE_HOME/clmnist/tuning.json, else
// ~/.cache/clmnist/tuning.json.
std::string default_tuning_file();

// The well-formed entries of a tuning file; none when it does not exist. Throws DataError naming
// the file when it exists but is not a tuning file. Each entry left out adds its problem to
// *skipped (a skipped_entry message) where given.
std::vector<TuningEntry> read_tuning_file(const std::string& path,
                                          std::vector<std::string>* skipped = nullptr);
// "tuning file PATH, entry N: WHY; the entry is skipped (...)".
std::string skipped_entry(const std::string& path, std::size_t number, const std::string& why);
// The entry for `key`, if the file has one. A file that is not a tuning file has none; its problem,
// or those of the entries skipped, go to *problems (messages naming the file) where given.
std::optional<TuningEntry> find_tuning(const std::string& path, const TuningKey& key,
                                       std::vector<std::string>* problems = nullptr);
// Adds or replaces the entry with its key and rewrites the file atomically, without the entries
// read_tuning_file skips.
void store_tuning(const std::string& path, const TuningEntry& entry);

}  // namespace clmnist::model
