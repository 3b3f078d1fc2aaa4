#include "tuning_choice.hpp"

#include <iostream>

#include "tunables.hpp"
#include "tuning_cache.hpp"

namespace clmnist::apps {
namespace {

// Once a run: the built-in settings are used instead of a broken tuning file.
void warn_broken_tuning_file(const std::string& problem) {
  static bool said = false;
  if (said) return;
  said = true;
  std::cerr << "clmnist: warning: " << problem << "; using the built-in kernel settings\n";
}

}  // namespace

TuningChoice apply_tuning(const DeviceOptions& opts, const runtime::DeviceDesc& device,
                          const runtime::NetworkSpec& net, runtime::CompileOptions& options,
                          std::ostream& log) {
  TuningChoice c;
  if (device.is_host()) {
    if (!opts.tune.empty()) throw UsageError("--tune: the host backend has no tunables");
    c.source = "host";
    return c;
  }
  if (!opts.tune.empty()) {
    try {
      options.tunables = runtime::parse_tunables(opts.tune);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--tune: ") + e.what());
    }
    c.source = "override";
    return c;
  }
  c.file = opts.tuning_file.empty() ? model::default_tuning_file() : opts.tuning_file;
  c.source = "default";
  std::string problem;
  const auto entry =
      model::find_tuning(c.file, model::tuning_key(device, net, options), &problem);
  if (!problem.empty()) warn_broken_tuning_file(problem);
  if (!entry) return c;
  // A forced family takes the tuned settings only when the winner is of that family.
  const runtime::Impl tuned = runtime::parse_impl(entry->impl);
  if (options.impl != runtime::Impl::kAuto && options.impl != tuned) return c;
  options.impl = tuned;
  options.tunables = entry->tunables;
  c.source = "tuned";
  c.tuned_at = entry->tuned_at;
  c.tune_seconds = entry->tune_seconds;
  log << "Kernels tuned for this device on " << entry->tuned_at << " (" << c.file << "): "
      << entry->impl << (entry->tunables.empty() ? "" : " " + runtime::to_string(entry->tunables))
      << "\n";
  return c;
}

void hint_untuned(const TuningChoice& choice, const runtime::DeviceDesc& device) {
  static bool said = false;
  if (said || choice.source != "default" || device.type == runtime::DeviceType::kCpu) return;
  said = true;
  std::cerr << "clmnist: built-in kernel settings for " << device.name
            << "; `clmnist tune --device " << device.address()
            << "` measures the best ones for it (a minute or two)\n";
}

}  // namespace clmnist::apps
