// Benchmark output: a table with one row per device, JSON (schema in docs/PERFORMANCE.md) and CSV.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "json_text.hpp"

namespace clmnist::apps {
namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// The launch-latency floor of a step (its launches x the empty-kernel latency) over the step's
// measured time: 1 means the step costs no more than launching its kernels.
double latency_fraction(const DeviceBench& r) {
  if (r.train.us_per_iteration.median <= 0) return 0.0;
  return r.launches_per_step * r.ceilings.launch_us / r.train.us_per_iteration.median;
}

// A figure, or null where nothing was measured (the host backend launches no kernels).
nlohmann::ordered_json measured(double v) {
  return v > 0 ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

void print_bench_table(const std::vector<DeviceBench>& results, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line, "%-34s %-7s %-7s %9s %10s %8s %8s %9s %9s %7s %7s\n", "device",
                "check", "path", "us/iter", "samples/s", "epochs/s", "eval k/s", "to 7.5%",
                "to stop", "%FMA", "%BW");
  out << line;
  for (const DeviceBench& r : results) {
    const std::string name = r.device.name.substr(0, 34);
    if (!r.passed) {
      std::snprintf(line, sizeof line, "%-34s %-7s %s\n", name.c_str(), "FAILED",
                    r.failure.c_str());
      out << line;
      continue;
    }
    std::snprintf(
        line, sizeof line, "%-34s %-7s %-7s %9.1f %10.0f %8.2f %8.0f %9s %9s %7.1f %7.1f\n",
        name.c_str(), "ok", r.train.path.c_str(), r.train.us_per_iteration.median,
        r.train.samples_per_second, r.train.epochs_per_second, r.eval_samples_per_second / 1000.0,
        r.tta_measured && r.tta_target_seconds >= 0 ? fmt("%.2f s", r.tta_target_seconds).c_str()
                                                    : "-",
        r.tta_measured ? fmt("%.2f s", r.tta_total_seconds).c_str() : "-",
        100.0 * r.train_gflop_s / r.ceilings.fma_gflop_s,
        100.0 * r.train_gb_s / r.ceilings.bandwidth_gb_s);
    out << line;
  }
  for (const DeviceBench& r : results) {
    if (!r.passed) continue;
    out << "\n"
        << r.device.name << " [" << r.device.address() << "]: max |device - host| "
        << fmt("%.3g", r.max_abs_error) << " after 10 minibatches; device memory "
        << fmt("%.1f MB", static_cast<double>(r.device_bytes) / 1e6) << "\n";
    out << "  builds: cold " << fmt("%.3f s", r.build_cold_seconds) << ", warm (binary cache) "
        << fmt("%.3f s", r.build_warm_seconds) << "\n";
    out << "  steady-state training, median of runs (min..max) per GEMM path; auto picks "
        << r.auto_path << ":\n";
    for (const PathTiming& p : r.paths) {
      std::snprintf(line, sizeof line,
                    "    %-8s %9.1f us/iter (%.1f..%.1f)  %10.0f samples/s  %7.2f epochs/s\n",
                    p.path.c_str(), p.us_per_iteration.median, p.us_per_iteration.min,
                    p.us_per_iteration.max, p.samples_per_second, p.epochs_per_second);
      out << line;
    }
    if (!r.kernels.empty()) {
      out << "  kernels over one epoch (" << r.kernel_iterations << " minibatches):\n";
      for (const runtime::KernelTime& k : r.kernels) {
        std::snprintf(line, sizeof line, "    %-30s %6zu calls %10.3f ms total %9.2f us mean\n",
                      k.kernel.c_str(), k.calls, k.total_seconds * 1e3,
                      k.total_seconds * 1e6 / static_cast<double>(k.calls));
        out << line;
      }
    }
    if (!r.sweep.empty()) {
      out << "  batch sweep:";
      for (const SweepPoint& s : r.sweep) {
        out << "  " << s.batch_size << ": " << fmt("%.0f", s.samples_per_second) << " samples/s";
      }
      out << "\n";
    }
    out << "  kernels: " << r.plan << "; settings: " << r.tuning_source
        << (r.tunables.empty() ? "" : " " + r.tunables)
        << (r.tuned_at.empty() ? "" : ", tuned " + r.tuned_at + " in " +
                                          fmt("%.0f s", r.tune_seconds))
        << "\n";
    out << "  ceilings: " << fmt("%.1f", r.ceilings.bandwidth_gb_s) << " GB/s copy, "
        << fmt("%.1f", r.ceilings.fma_gflop_s) << " GFLOP/s FMA, "
        << fmt("%.1f", r.ceilings.launch_us) << " us a launch ("
        << fmt("%.1f", r.ceilings.round_trip_us) << " us enqueue to finish); training reaches "
        << fmt("%.1f", r.train_gflop_s) << " GFLOP/s (counting the dense product's FLOPs) and "
        << fmt("%.2f", r.train_gb_s) << " GB/s of pixels\n";
    if (r.launches_per_step > 0 && r.ceilings.launch_us > 0) {
      out << "  launch-latency ceiling: " << fmt("%.1f", r.launches_per_step)
          << " launches a step x " << fmt("%.1f", r.ceilings.launch_us) << " us = "
          << fmt("%.1f", r.launches_per_step * r.ceilings.launch_us) << " us; a step takes "
          << fmt("%.1f", r.train.us_per_iteration.median) << " us ("
          << fmt("%.0f", 100.0 * latency_fraction(r)) << " % of the ceiling)\n";
    }
    if (r.tta_measured) {
      out << "  time to accuracy: " << fmt("%.2f s", r.tta_target_seconds)
          << " to 7.5 % validation error, " << fmt("%.2f s", r.tta_total_seconds)
          << " to the end of early stopping (" << r.tta_epochs << " epochs, best "
          << fmt("%f %%", r.tta_best_validation_error * 100) << ", test "
          << fmt("%f %%", r.tta_test_error * 100) << ")\n";
    }
  }
}

std::string bench_json(const std::vector<DeviceBench>& results, const BenchOptions& options) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["schema_version"] = kBenchSchemaVersion;
  j["protocol"] = {{"preset", options.preset},
                   {"batch_size", results.empty() ? 0 : results.front().batch_size},
                   {"timed_runs", options.runs}};
  j["devices"] = ordered_json::array();
  for (const DeviceBench& r : results) {
    ordered_json d;
    d["device"] = {{"name", r.device.name},
                   {"vendor", r.device.vendor},
                   {"platform", r.device.platform},
                   {"type", runtime::to_string(r.device.type)},
                   {"driver", r.device.driver_version},
                   {"address", r.device.address()}};
    d["correctness"] = {
        {"passed", r.passed}, {"max_abs_error", r.max_abs_error}, {"failure", r.failure}};
    if (r.passed) {
      auto timing = [](const PathTiming& p) {
        return ordered_json{{"path", p.path},
                            {"us_per_iteration", p.us_per_iteration.median},
                            {"us_per_iteration_min", p.us_per_iteration.min},
                            {"us_per_iteration_max", p.us_per_iteration.max},
                            {"samples_per_second", p.samples_per_second},
                            {"epochs_per_second", p.epochs_per_second}};
      };
      d["train"] = timing(r.train);
      d["train"]["batch_size"] = r.batch_size;
      d["train"]["gflop_per_second"] = r.train_gflop_s;
      d["train"]["pixel_gb_per_second"] = r.train_gb_s;
      d["gemm_paths"] = ordered_json::array();
      for (const PathTiming& p : r.paths) d["gemm_paths"].push_back(timing(p));
      d["gemm_auto"] = r.auto_path;
      d["kernels"] = ordered_json::array();
      for (const runtime::KernelTime& k : r.kernels) {
        d["kernels"].push_back({{"name", k.kernel},
                                {"calls", k.calls},
                                {"total_seconds", k.total_seconds},
                                {"mean_us", k.total_seconds * 1e6 / static_cast<double>(k.calls)}});
      }
      d["build"] = {{"cold_seconds", r.build_cold_seconds}, {"warm_seconds", r.build_warm_seconds}};
      d["evaluation"] = {{"samples_per_second", r.eval_samples_per_second}};
      d["ceilings"] = {{"bandwidth_gb_per_second", r.ceilings.bandwidth_gb_s},
                       {"fma_gflop_per_second", r.ceilings.fma_gflop_s},
                       {"fraction_of_fma", r.train_gflop_s / r.ceilings.fma_gflop_s},
                       {"fraction_of_bandwidth", r.train_gb_s / r.ceilings.bandwidth_gb_s},
                       {"launch_us", measured(r.ceilings.launch_us)},
                       {"round_trip_us", measured(r.ceilings.round_trip_us)},
                       {"launches_per_step", measured(r.launches_per_step)},
                       {"fraction_of_launch_latency", measured(latency_fraction(r))}};
      d["kernels_used"] = {{"plan", r.plan},
                           {"settings", r.tuning_source},
                           {"tunables", r.tunables},
                           {"tuned_at", r.tuned_at.empty() ? ordered_json(nullptr)
                                                           : ordered_json(r.tuned_at)},
                           {"tune_seconds", r.tune_seconds < 0 ? ordered_json(nullptr)
                                                               : ordered_json(r.tune_seconds)}};
      d["time_to_accuracy"] = {{"measured", r.tta_measured},
                               {"seconds_to_7_5_percent", r.tta_target_seconds},
                               {"seconds_to_early_stop", r.tta_total_seconds},
                               {"epochs", r.tta_epochs},
                               {"best_validation_error", r.tta_best_validation_error},
                               {"test_error", r.tta_test_error}};
      d["batch_sweep"] = ordered_json::array();
      for (const SweepPoint& s : r.sweep) {
        d["batch_sweep"].push_back({{"batch_size", s.batch_size},
                                    {"us_per_iteration", s.us_per_iteration},
                                    {"samples_per_second", s.samples_per_second}});
      }
      d["device_memory_bytes"] = r.device_bytes;
    }
    j["devices"].push_back(d);
  }
  return model::json_text(j, 2) + "\n";
}

std::string bench_csv(const std::vector<DeviceBench>& results) {
  std::ostringstream o;
  o << "schema_version,name,vendor,platform,type,driver,passed,max_abs_error,path,us_per_iteration,"
       "samples_per_second,epochs_per_second,eval_samples_per_second,build_cold_seconds,"
       "build_warm_seconds,seconds_to_7_5_percent,seconds_to_early_stop,bandwidth_gb_per_second,"
       "fma_gflop_per_second,train_gflop_per_second,launch_us,fraction_of_launch_latency,"
       "settings\n";
  auto quoted = [](std::string s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const DeviceBench& r : results) {
    o << kBenchSchemaVersion << "," << quoted(r.device.name) << "," << quoted(r.device.vendor)
      << "," << quoted(r.device.platform) << "," << runtime::to_string(r.device.type) << ","
      << quoted(r.device.driver_version) << "," << (r.passed ? "true" : "false") << ","
      << r.max_abs_error << "," << r.train.path << "," << r.train.us_per_iteration.median << ","
      << r.train.samples_per_second << "," << r.train.epochs_per_second << ","
      << r.eval_samples_per_second << "," << r.build_cold_seconds << "," << r.build_warm_seconds
      << "," << r.tta_target_seconds << "," << r.tta_total_seconds << ","
      << r.ceilings.bandwidth_gb_s << "," << r.ceilings.fma_gflop_s << "," << r.train_gflop_s
      << "," << r.ceilings.launch_us << "," << latency_fraction(r) << "," << r.tuning_source
      << "\n";
  }
  return o.str();
}

}  // namespace clmnist::apps
