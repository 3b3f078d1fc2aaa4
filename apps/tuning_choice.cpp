#include "tuning_choice.hpp"

#include <iostream>
#include <stdexcept>

#include "shown_text.hpp"
#include "tunables.hpp"
#include "tuning_cache.hpp"

namespace clmnist::apps {
namespace {

// Why the tuned entry cannot run `net` here ("" when it can): the checks compile makes, so a
// hand-edited or damaged entry costs a warning and the built-in settings, never a failed run.
std::string unusable(const model::TuningEntry& e, const runtime::DeviceDesc& device,
                     const runtime::NetworkSpec& net, runtime::CompileOptions options) {
  std::string names;
  for (const runtime::FamilyInfo& f : runtime::kernel_families()) {
    names += (names.empty() ? "" : ", ") + f.name;
    if (f.name != e.impl) continue;
    if (const std::string why = f.unfit ? f.unfit(net, options) : ""; !why.empty()) {
      return "the " + f.name + " family cannot run it: " + why;
    }
    if (f.tunables.empty() && !e.tunables.empty()) return f.name + " takes no tunables";
    options.impl = f.impl;
    options.tunables = e.tunables;
    try {
      runtime::program_variants(f.impl, device, net, options);
    } catch (const std::invalid_argument& bad) {
      return bad.what();
    }
    return "";
  }
  return "\"impl\" is '" + e.impl + "', not a kernel family (" + names + ")";
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
  std::vector<std::string> problems;
  auto entry = model::find_tuning(c.file, model::tuning_key(device, net, options), &problems);
  if (entry) {
    if (const std::string why = unusable(*entry, device, net, options); !why.empty()) {
      problems.push_back(model::skipped_entry(c.file, entry->number, why));
      entry.reset();
    }
  }
  for (const std::string& p : problems) warn_once(p);
  if (!entry) return c;
  // A forced family takes the tuned settings only when the winner is of that family.
  const runtime::Impl tuned = runtime::parse_impl(entry->impl);
  if (options.impl != runtime::Impl::kAuto && options.impl != tuned) return c;
  options.impl = tuned;
  options.tunables = entry->tunables;
  c.source = "tuned";
  c.tuned_at = entry->tuned_at;
  c.tune_seconds = entry->tune_seconds;
  log << "Kernels tuned for this device on " << runtime::shown_text(entry->tuned_at, 40) << " ("
      << runtime::shown_text(c.file) << "): " << entry->impl
      << (entry->tunables.empty() ? "" : " " + runtime::to_string(entry->tunables)) << "\n";
  return c;
}

void hint_untuned(const TuningChoice& choice, const runtime::DeviceDesc& device) {
  static bool said = false;
  if (said || choice.source != "default" || device.type == runtime::DeviceType::kCpu) return;
  said = true;
  std::cerr << "clmnist: built-in kernel settings for " << runtime::shown_text(device.name)
            << "; `clmnist tune --device " << device.address()
            << "` measures the best ones for it (a minute or two)\n";
}

}  // namespace clmnist::apps
