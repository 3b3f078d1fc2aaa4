// The benchmark records: JSON (schema in docs/PERFORMANCE.md) and CSV, both with the run context.
// A value that was not measured is null in JSON and an empty cell in CSV, never 0 or -1.
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench.hpp"
#include "device_json.hpp"
#include "json_text.hpp"

namespace clmnist::apps {
namespace {

using nlohmann::ordered_json;
using Maybe = std::optional<double>;

// A figure, or nothing where it was not measured (the host backend launches no kernels).
Maybe measured(double v) { return v > 0 ? Maybe(v) : std::nullopt; }

template <typename T>
ordered_json or_null(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

Maybe ratio(double num, double den) { return den > 0 ? measured(num / den) : std::nullopt; }

// Every figure of one device, measured or not, in the order of the CSV columns after the device.
struct Figures {
  Maybe max_abs_error, fraction_of_fma, fraction_of_bandwidth, tta_target, tta_total,
      tta_best_validation, tta_test;
};

Figures figures_of(const DeviceBench& r) {
  Figures f;
  // 0 with a failure: the check never ran (0 after a passed check is a measured agreement)
  if (r.passed || r.max_abs_error > 0) f.max_abs_error = r.max_abs_error;
  f.fraction_of_fma = ratio(r.train_gflop_s, r.ceilings.fma_gflop_s);
  f.fraction_of_bandwidth = ratio(r.train_gb_s, r.ceilings.bandwidth_gb_s);
  if (r.tta_measured) {
    if (r.tta_target_seconds >= 0) f.tta_target = r.tta_target_seconds;
    f.tta_total = r.tta_total_seconds;
    f.tta_best_validation = r.tta_best_validation_error;
    f.tta_test = r.tta_test_error;
  }
  return f;
}

ordered_json load_json(const std::optional<LoadAverage>& l) {
  if (!l) return nullptr;
  return ordered_json::array({(*l)[0], (*l)[1], (*l)[2]});
}

// A family that failed has its error and no figures.
ordered_json timing(const PathTiming& p) {
  if (!p.failure.empty()) {
    return ordered_json{{"path", p.path},
                        {"us_per_iteration", nullptr},
                        {"us_per_iteration_min", nullptr},
                        {"us_per_iteration_max", nullptr},
                        {"samples_per_second", nullptr},
                        {"epochs_per_second", nullptr},
                        {"failure", p.failure}};
  }
  return ordered_json{{"path", p.path},
                      {"us_per_iteration", p.us_per_iteration.median},
                      {"us_per_iteration_min", p.us_per_iteration.min},
                      {"us_per_iteration_max", p.us_per_iteration.max},
                      {"samples_per_second", p.samples_per_second},
                      {"epochs_per_second", p.epochs_per_second},
                      {"failure", nullptr}};
}

ordered_json family_timings(const DeviceBench& r) {
  ordered_json a = ordered_json::array();
  for (const PathTiming& p : r.paths) a.push_back(timing(p));
  return a;
}

// The measurements of a device that passed its check.
void add_measurements(const DeviceBench& r, const Figures& f, ordered_json& d) {
  d["train"] = timing(r.train);
  d["train"]["batch_size"] = r.batch_size;
  d["train"]["gflop_per_second"] = r.train_gflop_s;
  d["train"]["pixel_gb_per_second"] = r.train_gb_s;
  d["gemm_paths"] = family_timings(r);
  d["gemm_auto"] = r.auto_path;
  d["kernels"] = ordered_json::array();
  for (const runtime::KernelTime& k : r.kernels) {
    d["kernels"].push_back({{"name", k.kernel},
                            {"calls", k.calls},
                            {"total_seconds", k.total_seconds},
                            {"mean_us", k.total_seconds * 1e6 / static_cast<double>(k.calls)}});
  }
  d["build"] = {{"cold_seconds", r.build_cold_seconds},
                {"warm_seconds", r.build_warm_seconds},
                {"programs", ordered_json::array()}};
  for (const runtime::BuildRecord& b : r.builds_cold) {
    d["build"]["programs"].push_back({{"program", b.program},
                                      {"options", b.options},
                                      {"seconds", b.seconds},
                                      {"driver_log", text_or_null(b.log)}});
  }
  d["evaluation"] = {{"samples_per_second", or_null(measured(r.eval_samples_per_second))}};
  d["ceilings"] = {{"bandwidth_gb_per_second", or_null(measured(r.ceilings.bandwidth_gb_s))},
                   {"fma_gflop_per_second", or_null(measured(r.ceilings.fma_gflop_s))},
                   {"fraction_of_fma", or_null(f.fraction_of_fma)},
                   {"fraction_of_bandwidth", or_null(f.fraction_of_bandwidth)},
                   {"launch_us", or_null(measured(r.ceilings.launch_us))},
                   {"round_trip_us", or_null(measured(r.ceilings.round_trip_us))},
                   {"launches_per_step", or_null(measured(r.launches_per_step))},
                   {"fraction_of_launch_latency", or_null(measured(latency_fraction(r)))}};
  d["kernels_used"] = {{"plan", r.plan},
                       {"settings", r.tuning_source},
                       {"tunables", text_or_null(r.tunables)},
                       {"tuned_at", text_or_null(r.tuned_at)},
                       {"tune_seconds", r.tune_seconds < 0 ? ordered_json(nullptr)
                                                           : ordered_json(r.tune_seconds)}};
  d["time_to_accuracy"] = {{"measured", r.tta_measured},
                           {"seconds_to_7_5_percent", or_null(f.tta_target)},
                           {"seconds_to_early_stop", or_null(f.tta_total)},
                           {"epochs", r.tta_measured ? ordered_json(r.tta_epochs) : nullptr},
                           {"best_validation_error", or_null(f.tta_best_validation)},
                           {"test_error", or_null(f.tta_test)}};
  d["batch_sweep"] = ordered_json::array();
  for (const SweepPoint& s : r.sweep) {
    d["batch_sweep"].push_back({{"batch_size", s.batch_size},
                                {"us_per_iteration", s.us_per_iteration},
                                {"samples_per_second", s.samples_per_second}});
  }
  d["device_memory_bytes"] = r.device_bytes > 0 ? ordered_json(r.device_bytes) : nullptr;
}

std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string cell(const Maybe& v) { return v ? shortest(*v) : ""; }
std::string cell(const std::optional<std::string>& v) { return v ? quoted(*v) : ""; }
std::string load_cell(const std::optional<LoadAverage>& l) { return l ? shortest((*l)[0]) : ""; }

}  // namespace

std::string bench_json(const std::vector<DeviceBench>& results, const BenchOptions& options,
                       const RunContext& c) {
  ordered_json j;
  j["schema_version"] = kBenchSchemaVersion;
  j["context"] = {{"clmnist_version", c.clmnist_version},
                  {"commit", or_null(c.commit)},
                  {"dirty", or_null(c.dirty)},
                  {"started_at", c.started_at},
                  {"finished_at", c.finished_at},
                  {"host_name", or_null(c.host_name)},
                  {"cpu_model", or_null(c.cpu_model)},
                  {"cpu_threads", or_null(c.cpu_threads)},
                  {"os", or_null(c.os)},
                  {"kernel", or_null(c.kernel)},
                  {"machine", or_null(c.machine)},
                  {"icd_loader", or_null(c.icd_loader)},
                  {"clblast", or_null(c.clblast)},
                  {"load_average_before", load_json(c.load_before)},
                  {"load_average_after", load_json(c.load_after)}};
  j["options"] = {{"device", options.device_spec},
                  {"preset", options.preset},
                  {"runs", options.runs},
                  {"quick", options.quick},
                  {"families", options.families},
                  {"impl", runtime::to_string(options.impl)},
                  {"batch_sweep", options.sweep},
                  {"time_to_accuracy", options.time_to_accuracy},
                  {"tuning_file", options.tuning_file},
                  {"tune", options.tune}};
  j["protocol"] = {{"preset", options.preset},
                   {"batch_size", results.empty() ? 0 : results.front().batch_size},
                   {"timed_runs", options.runs}};
  j["devices"] = ordered_json::array();
  for (const DeviceBench& r : results) {
    const Figures f = figures_of(r);
    ordered_json d;
    d["device"] = device_json(r.device);
    d["correctness"] = {{"passed", r.passed},
                        {"max_abs_error", or_null(f.max_abs_error)},
                        {"failure", text_or_null(r.failure)}};
    if (r.passed) {
      add_measurements(r, f, d);
    } else if (!r.paths.empty()) {  // the other families, timed though the headline failed
      d["gemm_paths"] = family_timings(r);
    }
    j["devices"].push_back(d);
  }
  return model::json_text(j, 2) + "\n";
}

std::string bench_csv(const std::vector<DeviceBench>& results, const BenchOptions& options,
                      const RunContext& c) {
  std::ostringstream o;
  o << "schema_version,clmnist_version,commit,started_at,host_name,cpu_model,os,kernel,preset,"
       "runs,quick,load_1min_before,load_1min_after,name,vendor,platform,platform_version,type,"
       "driver,address,stable_address,pci_bus_id,uuid,passed,max_abs_error,path,"
       "us_per_iteration,us_per_iteration_min,us_per_iteration_max,samples_per_second,"
       "epochs_per_second,eval_samples_per_second,build_cold_seconds,build_warm_seconds,"
       "seconds_to_7_5_percent,seconds_to_early_stop,bandwidth_gb_per_second,"
       "fma_gflop_per_second,train_gflop_per_second,launch_us,fraction_of_launch_latency,"
       "settings,plan,tunables\n";
  auto text = [](const std::string& s) { return s.empty() ? std::string() : quoted(s); };
  for (const DeviceBench& r : results) {
    const Figures f = figures_of(r);
    const bool m = r.passed;  // a failed device has no measurements past its check
    auto fig = [&](double v) { return m ? cell(measured(v)) : std::string(); };
    o << kBenchSchemaVersion << "," << quoted(c.clmnist_version) << "," << cell(c.commit) << ","
      << c.started_at << "," << cell(c.host_name) << "," << cell(c.cpu_model) << ","
      << cell(c.os) << "," << cell(c.kernel) << "," << quoted(options.preset) << ","
      << options.runs << "," << (options.quick ? "true" : "false") << ","
      << load_cell(c.load_before) << "," << load_cell(c.load_after) << ","
      << quoted(r.device.name) << "," << quoted(r.device.vendor) << ","
      << quoted(r.device.platform) << "," << text(r.device.platform_version) << ","
      << runtime::to_string(r.device.type) << "," << quoted(r.device.driver_version) << ","
      << r.device.address() << "," << quoted(r.device.stable_address) << ","
      << r.device.pci_bus_id << "," << r.device.uuid << "," << (r.passed ? "true" : "false")
      << "," << cell(f.max_abs_error) << "," << (m ? r.train.path : "") << ","
      << fig(r.train.us_per_iteration.median) << "," << fig(r.train.us_per_iteration.min) << ","
      << fig(r.train.us_per_iteration.max) << "," << fig(r.train.samples_per_second) << ","
      << fig(r.train.epochs_per_second) << "," << fig(r.eval_samples_per_second) << ","
      << (m ? shortest(r.build_cold_seconds) : "") << ","
      << (m ? shortest(r.build_warm_seconds) : "") << "," << cell(f.tta_target) << ","
      << cell(f.tta_total) << "," << fig(r.ceilings.bandwidth_gb_s) << ","
      << fig(r.ceilings.fma_gflop_s) << "," << fig(r.train_gflop_s) << ","
      << fig(r.ceilings.launch_us) << "," << fig(latency_fraction(r)) << ","
      << (m ? r.tuning_source : "") << "," << (m ? text(r.plan) : "") << ","
      << (m ? text(r.tunables) : "") << "\n";
  }
  return o.str();
}

}  // namespace clmnist::apps
