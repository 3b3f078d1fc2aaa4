// The vendor-neutral benchmark: the same training work on every device, checked against the host
// backend before anything is timed. bench_measure.cpp measures, bench_report.cpp prints.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "backend.hpp"
#include "device_info.hpp"
#include "trainer.hpp"

#include "number_text.hpp"
#include "run_context.hpp"

namespace clmnist::apps {

// 2: a run context, the options, stable device addresses and null for every unmeasured value.
constexpr int kBenchSchemaVersion = 2;

struct BenchOptions {
  std::size_t runs = 5;  // timed runs of one epoch each, after one warm-up epoch
  bool time_to_accuracy = true;
  bool sweep = true;
  std::vector<std::size_t> batch_sizes = {1, 20, 100, 600, 4096};
  std::string preset = "theano";             // the work every device does
  runtime::Impl impl = runtime::Impl::kAuto;  // which implementation the headline figures use
  std::string tuning_file;                    // tuned choices (`clmnist tune`) for --impl auto
  std::string tune;                           // --tune NAME=N,...: the headline's, for one device
  std::string device_spec = "all";            // as given, for the record
  bool quick = false;
  // The kernel families timed besides the headline's ("all", or names as --impl takes them;
  // "none": the headline's only).
  std::string families = "all";
};

struct Spread {
  double median = 0.0, min = 0.0, max = 0.0;
};

struct PathTiming {
  std::string path;  // the plan's implementations: "fused", "dense", "clblast" or "host"
  Spread us_per_iteration;
  double samples_per_second = 0.0;
  double epochs_per_second = 0.0;
  std::string failure;  // why the family did not build or run here ("" = timed)
};

struct SweepPoint {
  std::size_t batch_size = 0;
  double us_per_iteration = 0.0;
  double samples_per_second = 0.0;
};

struct DeviceBench {
  runtime::DeviceDesc device;
  runtime::BackendInfo info;
  bool passed = false;
  double max_abs_error = 0.0;
  std::string failure;

  double build_cold_seconds = 0.0, build_warm_seconds = 0.0;
  std::vector<runtime::BuildRecord> builds_cold, builds_warm;
  std::vector<runtime::KernelTime> kernels;  // over one profiled epoch
  std::size_t kernel_iterations = 0;

  std::size_t batch_size = 600;
  std::size_t iterations_per_epoch = 0;
  PathTiming train;               // the implementation auto picks (or --impl)
  std::vector<PathTiming> paths;  // every implementation family that runs the network here
  std::string auto_path;
  double eval_samples_per_second = 0.0;

  bool tta_measured = false;
  double tta_target_seconds = -1.0;  // until the validation error first reaches the target
  double tta_total_seconds = 0.0;    // until early stopping ends the run
  std::size_t tta_epochs = 0;
  double tta_best_validation_error = 0.0, tta_test_error = 0.0;

  std::vector<SweepPoint> sweep;
  runtime::Ceilings ceilings;
  double launches_per_step = 0.0;  // of the headline plan, from the profiled epoch
  // The kernels of the headline figures: plan, and where their settings came from.
  std::string plan, tuning_source, tunables, tuned_at;
  double tune_seconds = -1.0;  // how long `clmnist tune` took for the tuned choice (-1: none)
  double train_gflop_s = 0.0, train_gb_s = 0.0;
  std::size_t device_bytes = 0;
};

// Runs every measurement on one device. Never throws for a device failure: the result says so.
DeviceBench bench_device(const runtime::DeviceDesc& device, const model::TrainData& data,
                         const BenchOptions& options, std::ostream& log);

// The table (in fewer columns where the full one is wider than `width`) and each device's
// details.
void print_bench_table(const std::vector<DeviceBench>& results, std::ostream& out,
                       std::size_t width);
// Before the run: version and commit, date, CPU and its logical CPUs, OS, load, the options.
void print_bench_header(const RunContext& c, const BenchOptions& opt, std::ostream& out);
// After the table: a load above the logical CPUs, runs whose min..max spread over 25 %.
void print_bench_warnings(const std::vector<DeviceBench>& results, const RunContext& c,
                          std::ostream& out);
// The launch-latency floor of a step over its measured time; 0 where not measured.
double latency_fraction(const DeviceBench& r);

// The records (bench_records.cpp): JSON of kBenchSchemaVersion, and one CSV row per device.
std::string bench_json(const std::vector<DeviceBench>& results, const BenchOptions& options,
                       const RunContext& context);
std::string bench_csv(const std::vector<DeviceBench>& results, const BenchOptions& options,
                      const RunContext& context);

// `clmnist bench compare` (bench_compare.cpp).
int run_bench_compare(int argc, char** argv);
// `clmnist bench report` (bench_html.cpp): records as one self-contained HTML page.
int run_bench_report(int argc, char** argv);

}  // namespace clmnist::apps
