// What bench says around its figures: a header of where and how it ran (as hashcat -b and Google
// Benchmark print one), and warnings where the figures deserve less trust than they show: a
// machine busy with other work, or runs that spread widely.
#include <cstdio>
#include <ostream>

#include "bench.hpp"
#include "shown_text.hpp"

namespace clmnist::apps {
namespace {

std::string fixed(double v, int decimals) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// The highest 1-minute load seen before or after the run, if any.
std::optional<double> highest_load(const RunContext& c) {
  std::optional<double> load;
  for (const auto& l : {c.load_before, c.load_after}) {
    if (l && (!load || (*l)[0] > *load)) load = (*l)[0];
  }
  return load;
}

}  // namespace

void print_bench_header(const RunContext& c, const BenchOptions& opt, std::ostream& out) {
  out << "clmnist " << c.clmnist_version
      << (c.commit ? " (commit " + *c.commit + (c.dirty.value_or(false) ? ", modified" : "") + ")"
                   : std::string())
      << ", " << c.started_at << "\n";
  out << runtime::shown_text(c.cpu_model.value_or("unknown CPU")) << ", "
      << (c.cpu_threads ? std::to_string(*c.cpu_threads) + " logical CPUs" : "CPUs unknown") << ", "
      << c.os.value_or("unknown OS") << (c.kernel ? " (" + *c.kernel + ")" : "");
  if (c.load_before) out << "; load " << fixed((*c.load_before)[0], 2) << " (1 min)";
  out << "\n";
  out << "preset " << opt.preset << ", " << opt.runs << (opt.runs == 1 ? " run" : " runs")
      << " an implementation, headline " << runtime::to_string(opt.impl) << ", families "
      << opt.families << (opt.quick ? ", --quick" : "") << ", devices "
      << runtime::shown_text(opt.device_spec) << "\n";
}

void print_bench_warnings(const std::vector<DeviceBench>& results, const RunContext& c,
                          std::ostream& out) {
  const std::optional<double> load = highest_load(c);
  if (load && c.cpu_threads && *load > static_cast<double>(*c.cpu_threads)) {
    out << "warning: the load average (" << fixed(*load, 1) << " over 1 minute) exceeds the "
        << *c.cpu_threads
        << " logical CPUs: other work shared the machine, so the figures (and %FMA, %BW) are "
           "slower and noisier than alone; rerun on a quiet machine\n";
  }
  // Runs whose slowest took over 25 % longer than the fastest: the median is a guess.
  constexpr double kWide = 1.25;
  for (const DeviceBench& r : results) {
    for (const PathTiming& p : r.paths) {
      const Spread& s = p.us_per_iteration;
      if (!p.failure.empty() || !(s.min > 0) || s.max / s.min <= kWide) continue;
      out << "warning: " << runtime::shown_text(r.device.name) << ", " << p.path
          << ": the runs spread from " << fixed(s.min, 1) << " to " << fixed(s.max, 1)
          << " us/iter (+" << fixed(100.0 * (s.max / s.min - 1.0), 0)
          << " %); rerun with more --runs or on a quiet machine\n";
    }
  }
}

}  // namespace clmnist::apps
