// Which kernels a run uses: --tune given on the command line, else the winner `clmnist tune`
// stored for this device, driver, kernel sources and network, else the device class's built-in
// defaults. Recorded in the summary JSON, bench records and model metadata.
#pragma once

#include <ostream>
#include <string>

#include "backend.hpp"
#include "cli_common.hpp"

namespace clmnist::apps {

struct TuningChoice {
  std::string source;  // "override", "tuned", "default" or "host"
  std::string file;    // the tuning file consulted ("" for override and host)
  std::string tuned_at;
  double tune_seconds = -1.0;  // how long `clmnist tune` took for the tuned choice (-1: none)
};

// Sets options.impl and options.tunables for the run; `log` gets one line when a tuned choice
// is used. Throws UsageError for a bad --tune.
TuningChoice apply_tuning(const DeviceOptions& opts, const runtime::DeviceDesc& device,
                          const runtime::NetworkSpec& net, runtime::CompileOptions& options,
                          std::ostream& log);

// A one-line hint on stderr for an untuned GPU (once per process).
void hint_untuned(const TuningChoice& choice, const runtime::DeviceDesc& device);

}  // namespace clmnist::apps
