// Benchmark output: a table with one row per device (fewer columns where the full one is wider
// than the terminal), then each device's details. The records (JSON, CSV) are in
// bench_records.cpp.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ostream>

#include "bench.hpp"
#include "shown_text.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// The first line of a message (a build failure carries the whole build log; the records keep it),
// escaped: it may quote a driver's text.
std::string first_line(const std::string& s) {
  return runtime::shown_text(s.substr(0, s.find('\n')));
}

// One line per kernel family timed: its figures (samples/s where the line fits `width`), or why
// it did not run.
void print_paths(const DeviceBench& r, std::ostream& out, std::size_t width) {
  char line[256];
  for (const PathTiming& p : r.paths) {
    if (!p.failure.empty()) {
      out << "    " << p.path << " FAILED: " << first_line(p.failure) << "\n";
      continue;
    }
    std::snprintf(line, sizeof line,
                  "    %-8s %9.1f us/iter (%.1f..%.1f)  %10.0f samples/s  %7.2f epochs/s",
                  p.path.c_str(), p.us_per_iteration.median, p.us_per_iteration.min,
                  p.us_per_iteration.max, p.samples_per_second, p.epochs_per_second);
    if (runtime::display_width(line) > width) {
      std::snprintf(line, sizeof line, "    %-8s %9.1f us/iter (%.1f..%.1f)  %7.2f epochs/s",
                    p.path.c_str(), p.us_per_iteration.median, p.us_per_iteration.min,
                    p.us_per_iteration.max, p.epochs_per_second);
    }
    out << line << "\n";
  }
}

// The driver's logs of the cold build's programs, where it wrote any (NVIDIA's compiler, asked
// with -cl-nv-verbose, gives each kernel's registers and spills).
void print_build_logs(const DeviceBench& r, std::ostream& out) {
  for (const runtime::BuildRecord& b : r.builds_cold) {
    std::string log = b.log;
    while (!log.empty() && std::isspace(static_cast<unsigned char>(log.back()))) log.pop_back();
    if (log.empty()) continue;
    out << "  driver build log of cl/" << b.program << ".cl (" << b.options << "):\n";
    std::size_t at = 0;
    while (at <= log.size()) {
      const std::size_t end = std::min(log.find('\n', at), log.size());
      out << "    " << runtime::shown_text(log.substr(at, end - at)) << "\n";
      at = end + 1;
    }
  }
}

// The cells of a row that are not plain figures: the times to accuracy, "-" where not measured.
std::string to_target_cell(const DeviceBench& r) {
  return r.tta_measured && r.tta_target_seconds >= 0 ? fmt("%.2f s", r.tta_target_seconds) : "-";
}
std::string to_stop_cell(const DeviceBench& r) {
  return r.tta_measured ? fmt("%.2f s", r.tta_total_seconds) : "-";
}
double fma_percent(const DeviceBench& r) {
  return 100.0 * r.train_gflop_s / r.ceilings.fma_gflop_s;
}
double bandwidth_percent(const DeviceBench& r) {
  return 100.0 * r.train_gb_s / r.ceilings.bandwidth_gb_s;
}

// The row of a device whose headline failed: its label, padded to `width`, and why.
std::string failed_row(const std::string& label, std::size_t width, const DeviceBench& r) {
  return label + std::string(width - label.size() + 1, ' ') + "FAILED  " + first_line(r.failure) +
         "\n";
}

// The table: a row a device, its headline figures or why it failed; each device by its name.
std::string full_table(const std::vector<DeviceBench>& results) {
  // The device column is as wide as its longest name: two devices never look alike.
  std::vector<std::string> names;
  std::size_t width = 6;
  for (const DeviceBench& r : results) {
    names.push_back(runtime::shown_text(r.device.name) + " [" + r.device.address() + "]");
    width = std::max(width, names.back().size());
  }
  const int w = static_cast<int>(width);
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %-7s %-7s %9s %10s %8s %8s %9s %9s %7s %7s\n", w, "device",
                "check", "path", "us/iter", "samples/s", "epochs/s", "eval k/s", "to 7.5%",
                "to stop", "%FMA", "%BW");
  std::string out = line;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const DeviceBench& r = results[i];
    if (!r.passed) {
      out += failed_row(names[i], width, r);
      continue;
    }
    std::snprintf(
        line, sizeof line, "%-*s %-7s %-7s %9.1f %10.0f %8.2f %8.0f %9s %9s %7.1f %7.1f\n", w,
        names[i].c_str(), "ok", r.train.path.c_str(), r.train.us_per_iteration.median,
        r.train.samples_per_second, r.train.epochs_per_second, r.eval_samples_per_second / 1000.0,
        to_target_cell(r).c_str(), to_stop_cell(r).c_str(), fma_percent(r), bandwidth_percent(r));
    out += line;
  }
  return out;
}

// The table in fewer columns, for 80: each device by its address (the details below name it),
// without the check (a failed row says FAILED) and the evaluation speed (in the records).
std::string compact_table(const std::vector<DeviceBench>& results) {
  std::size_t width = 6;
  for (const DeviceBench& r : results) width = std::max(width, r.device.address().size());
  const int w = static_cast<int>(width);
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %-7s %8s %10s %9s %8s %8s %5s %5s\n", w, "device", "path",
                "us/iter", "samples/s", "epochs/s", "to 7.5%", "to stop", "%FMA", "%BW");
  std::string out = line;
  for (const DeviceBench& r : results) {
    if (!r.passed) {
      out += failed_row(r.device.address(), width, r);
      continue;
    }
    std::snprintf(line, sizeof line, "%-*s %-7s %8.1f %10.0f %9.2f %8s %8s %5.1f %5.1f\n", w,
                  r.device.address().c_str(), r.train.path.c_str(), r.train.us_per_iteration.median,
                  r.train.samples_per_second, r.train.epochs_per_second, to_target_cell(r).c_str(),
                  to_stop_cell(r).c_str(), fma_percent(r), bandwidth_percent(r));
    out += line;
  }
  return out;
}

// The time of each kernel over the profiled epoch.
void print_kernel_times(const DeviceBench& r, std::ostream& out) {
  if (r.kernels.empty()) return;
  char line[512];
  out << "  kernels over one epoch (" << r.kernel_iterations << " minibatches):\n";
  std::size_t name_width = 0;  // as wide as the longest name, so the line fits 80 columns
  for (const runtime::KernelTime& k : r.kernels) name_width = std::max(name_width, k.kernel.size());
  for (const runtime::KernelTime& k : r.kernels) {
    std::snprintf(line, sizeof line, "    %-*s %6zu calls %10.3f ms total %9.2f us mean\n",
                  static_cast<int>(name_width), k.kernel.c_str(), k.calls, k.total_seconds * 1e3,
                  k.total_seconds * 1e6 / static_cast<double>(k.calls));
    out << line;
  }
}

// The device's own bandwidth, FMA and launch ceilings, and how near training comes to them.
void print_ceilings(const DeviceBench& r, std::ostream& out) {
  const std::string launches =
      r.device.is_host() ? "no kernel launches (host backend)"
                         : fmt("%.1f", r.ceilings.launch_us) + " us a launch (" +
                               fmt("%.1f", r.ceilings.round_trip_us) + " us enqueue to finish)";
  out << "  ceilings: " << fmt("%.1f", r.ceilings.bandwidth_gb_s) << " GB/s copy, "
      << fmt("%.1f", r.ceilings.fma_gflop_s) << " GFLOP/s FMA, " << launches
      << "; training reaches " << fmt("%.1f", r.train_gflop_s)
      << " GFLOP/s (counting the dense product's FLOPs) and " << fmt("%.2f", r.train_gb_s)
      << " GB/s of pixels\n";
  if (r.launches_per_step > 0 && r.ceilings.launch_us > 0) {
    out << "  launch-latency floor: launches take " << fmt("%.0f", 100.0 * latency_fraction(r))
        << " % of a step (" << fmt("%.1f", r.launches_per_step) << " launches a step x "
        << fmt("%.1f", r.ceilings.launch_us)
        << " us = " << fmt("%.1f", r.launches_per_step * r.ceilings.launch_us) << " us of "
        << fmt("%.1f", r.train.us_per_iteration.median) << " us)\n";
  }
}

// What a device that passed measured beside the headline, in the table's device order.
void print_device_details(const DeviceBench& r, std::ostream& out, std::size_t width) {
  out << "\n"
      << r.device.name << " [" << r.device.address()
      << (r.device.stable_address == r.device.address() ? "" : ", " + r.device.stable_address)
      << "]: max |device - host| " << fmt("%.3g", r.max_abs_error) << " after 10 minibatches; "
      << (r.device.is_host()
              ? std::string("host memory only")
              : "device memory " + fmt("%.1f MB", static_cast<double>(r.device_bytes) / 1e6))
      << "\n";
  out << "  builds: cold " << fmt("%.3f s", r.build_cold_seconds) << ", warm (binary cache) "
      << fmt("%.3f s", r.build_warm_seconds) << "\n";
  print_build_logs(r, out);
  out << "  steady-state training, median of runs (min..max) per GEMM path; auto picks "
      << r.auto_path << ":\n";
  print_paths(r, out, width);
  print_kernel_times(r, out);
  if (!r.sweep.empty()) {  // two rows, a column a batch size
    std::string sizes = "  batch sweep: batch size", speeds = "               samples/s ";
    for (const SweepPoint& s : r.sweep) {
      std::string speed = fmt("%.0f", s.samples_per_second), size = std::to_string(s.batch_size);
      const std::size_t w = std::max(speed.size(), size.size());
      sizes += std::string(w - size.size() + 2, ' ') + size;
      speeds += std::string(w - speed.size() + 2, ' ') + speed;
    }
    out << sizes << "\n" << speeds << "\n";
  }
  out << "  kernels: " << r.plan << "; settings: " << r.tuning_source
      << (r.tunables.empty() ? "" : " " + r.tunables)
      << (r.tuned_at.empty() ? ""
                             : ", tuned " + r.tuned_at + " in " + fmt("%.0f s", r.tune_seconds))
      << "\n";
  print_ceilings(r, out);
  if (r.tta_measured) {
    out << "  time to accuracy: " << fmt("%.2f s", r.tta_target_seconds)
        << " to 7.5 % validation error, " << fmt("%.2f s", r.tta_total_seconds)
        << " to the end of early stopping (" << r.tta_epochs << " epochs, best "
        << fmt("%f %%", r.tta_best_validation_error * 100) << ", test "
        << fmt("%f %%", r.tta_test_error * 100) << ")\n";
  }
}

}  // namespace

// The launch-latency floor of a step (its launches x the empty-kernel latency) over the step's
// measured time: 1 means the step costs no more than launching its kernels.
double latency_fraction(const DeviceBench& r) {
  if (r.train.us_per_iteration.median <= 0) return 0.0;
  return r.launches_per_step * r.ceilings.launch_us / r.train.us_per_iteration.median;
}

void print_bench_table(const std::vector<DeviceBench>& results, std::ostream& out,
                       std::size_t width) {
  const std::string table = full_table(results);
  out << (runtime::widest_line(table) <= width ? table : compact_table(results));
  for (const DeviceBench& r : results) {
    if (!r.passed && !r.paths.empty()) {
      out << "\n"
          << r.device.name << " [" << r.device.address()
          << "]: the headline failed; each kernel family on its own:\n";
      print_paths(r, out, width);
    }
    if (!r.passed) continue;
    print_device_details(r, out, width);
  }
}

}  // namespace clmnist::apps
