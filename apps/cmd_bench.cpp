// `clmnist bench`: the same training work on every device (or one), as a table, JSON and CSV.
#include <iostream>
#include <sstream>

#include "bench.hpp"
#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "device_select.hpp"
#include "fitted_lines.hpp"
#include "mnist.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "platforms.hpp"
#include "presets.hpp"
#include "safetensors.hpp"
#include "tuning_cache.hpp"

namespace clmnist::apps {
namespace {

const char* kBenchUsage =
    "Usage: clmnist bench [--device all|SPEC] [--json FILE] [--csv FILE] [options]\n"
    "       clmnist bench compare A.json B.json ... [--baseline N|DEVICE] [--plot FILE]\n"
    "       clmnist bench report DIR|FILE... --html FILE\n\n"
    "Benchmarks devices on a preset's training work (theano: batch 600, 83 minibatches an "
    "epoch; theano-mlp: batch 20, 2,500 minibatches an epoch). Each "
    "device is first checked against the host backend on real data; a device that "
    "disagrees is reported as failed and not timed. Then: program builds cold and warm, "
    "per-kernel times from profiling events, steady-state training (median of --runs "
    "epochs after a warm-up epoch) for every implementation, evaluation speed, a batch-size "
    "sweep (1, 20, 100, 600, 4096), time to 7.5 % validation error and to the end of "
    "early stopping (not for theano-mlp), and the device's own bandwidth and FMA ceilings. "
    "GFLOP/s and %FMA count the FLOPs of the dense products, derived from the network "
    "(4 x batch x 784 x 10 an iteration for softmax regression); kernels "
    "that skip all-zero pixel blocks execute fewer, so on CPUs these are effective "
    "rates. The JSON and CSV records carry the run context: clmnist version, date, host, CPU, "
    "OS and kernel, ICD loader, options and the load average before and after (schema "
    "version 2; unmeasured values are null, or empty in CSV). `clmnist bench compare` puts "
    "records of several runs and machines side by side and judges each difference by the runs' "
    "own spread; `clmnist bench report` writes records of every preset as one self-contained "
    "HTML page (see their --help).\n\nExamples:\n"
    "  clmnist bench\n  clmnist bench --device pocl --quick --json pocl.json\n"
    "  clmnist bench compare laptop.json desktop.json --plot compare.svg\n"
    "  clmnist bench report results/ --html results.html";

// The command line of one bench run.
struct BenchArgs {
  std::string data_dir, json_path, csv_path, device_spec, impl = "auto", gemm, plot_dir;
  std::string families;  // as given ("": all, or none with --quick)
  BenchOptions opt;
  Whole runs{opt.runs};
  bool quick = false;
};

void add_bench_options(po::options_description& desc, BenchArgs& a) {
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("device,d", po::value(&a.device_spec)->value_name("DEVICE"),
       "all (default: every OpenCL device and the host backend), or one device as for clmnist "
       "train (auto, host, cpu, gpu, P:D, index, name)")  //
      ("data-dir", po::value(&a.data_dir)->value_name("DIR"),
       "MNIST directory (default as for clmnist train)")  //
      ("json", po::value(&a.json_path)->value_name("FILE"),
       "write results as JSON (schema: docs/PERFORMANCE.md; - or /dev/stdout: to standard "
       "output, and the text to standard error)")  //
      ("csv", po::value(&a.csv_path)->value_name("FILE"),
       "write one CSV row per device (- or /dev/stdout: to standard output, and the text to "
       "standard error)")  //
      ("plot-dir", po::value(&a.plot_dir)->value_name("DIR"),
       "write a device comparison picture (devices.svg and devices.png) into DIR")  //
      ("preset", po::value(&a.opt.preset)->default_value("theano")->value_name("NAME"),
       ("the work: a preset of clmnist train (" + model::preset_list() + ")").c_str())  //
      ("runs", po::value(&a.runs)->default_value(a.runs)->value_name("N"),
       "timed epochs per implementation")  //
      ("impl", po::value(&a.impl)->default_value("auto")->value_name("NAME"),
       "implementation of the headline figures: auto (the tuned choice of `clmnist tune`, else "
       "the device class's default), cpu, gpu, clblast, fused or dense (every one that runs the "
       "network is timed anyway)")  //
      ("tuning-file", po::value(&a.opt.tuning_file)->value_name("FILE"),
       "tuned choices of `clmnist tune` (default as for clmnist train)")  //
      ("tune", po::value(&a.opt.tune)->value_name("NAME=N,..."),
       "tunables of the headline implementation for this run, overriding a tuned or default "
       "choice, as for clmnist train (one OpenCL device only: give --device)")    //
      ("gemm", po::value(&a.gemm)->value_name("NAME"), "the old name of --impl")  //
      ("families", po::value(&a.families)->value_name("LIST"),
       "the kernel families timed besides the headline's: all, none, or names as --impl takes "
       "them (fused,dense,gpu,clblast,conv); default all, none with --quick; on CPUs the gpu "
       "family takes minutes an epoch for the MLP and LeNet")  //
      ("quick", po::bool_switch(&a.quick),
       "the headline only: no batch sweep, no time to accuracy, no other family unless "
       "--families names it (steady state, kernels, builds, ceilings)");
}

// --families: all, none, or a comma list of the families `clmnist tune --list` names.
void check_families(const std::string& families) {
  if (families == "all" || families == "none") return;
  std::istringstream in(families);
  for (std::string n; std::getline(in, n, ',');) {
    bool known = false;
    for (const runtime::FamilyInfo& f : runtime::kernel_families()) known = known || f.name == n;
    if (!known) {
      throw UsageError("--families: '" + n +
                       "' is no kernel family (`clmnist tune --list` "
                       "names them); give all, none or a comma list such as dense,gpu");
    }
  }
}

// The options into a.opt, every one checked before any device is listed.
void resolve_bench_options(BenchArgs& a) {
  BenchOptions& opt = a.opt;
  opt.runs = a.runs.value;
  require_at_least("runs", opt.runs, 1);
  DeviceOptions dev;
  dev.impl = a.impl;
  dev.gemm = a.gemm;
  opt.impl = impl_choice(dev);
  if (opt.tuning_file.empty()) opt.tuning_file = model::default_tuning_file();
  try {
    model::find_preset(opt.preset);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--preset: ") + e.what());
  }
  if (!a.data_dir.empty()) require_directory("data-dir", a.data_dir);
  if (!a.json_path.empty()) require_writable_target("json", a.json_path);
  if (!a.csv_path.empty()) require_writable_target("csv", a.csv_path);
  if (!a.plot_dir.empty()) require_output_dir("plot-dir", a.plot_dir, bench_picture_files());
  opt.quick = a.quick;
  opt.families = !a.families.empty() ? a.families : a.quick ? "none" : "all";
  check_families(opt.families);
  if (a.quick) {
    opt.sweep = false;
    opt.time_to_accuracy = false;
  }
  if (a.device_spec.empty()) {
    const char* env = std::getenv("CLMNIST_DEVICE");
    a.device_spec = env != nullptr && *env != '\0' ? env : "all";
  }
  opt.device_spec = a.device_spec;
}

// The devices of --device; --tune only with one OpenCL device.
std::vector<runtime::Selection> choose_devices(const BenchArgs& a,
                                               const runtime::DeviceListing& listing) {
  const std::vector<runtime::DeviceDesc>& devices = listing.devices;
  const std::vector<runtime::Selection> chosen =
      select_devices_checked(listing, a.device_spec, std::cerr);
  // Tunables belong to one device's family: on several devices most would refuse them.
  if (!a.opt.tune.empty() && (chosen.size() != 1 || devices[chosen.front().index].is_host())) {
    throw UsageError("--tune '" + a.opt.tune +
                     "' sets one OpenCL device's tunables, but --device '" + a.device_spec +
                     "' selects " +
                     (chosen.size() != 1 ? std::to_string(chosen.size()) + " devices"
                                         : std::string("the host backend")) +
                     "; give --device with one OpenCL device (for example --device pocl)");
  }
  return chosen;
}

// MNIST, split as the preset's training does (after checking no output overwrites it).
model::TrainData load_bench_data(BenchArgs& a, const po::variables_map& vm) {
  if (a.data_dir.empty()) a.data_dir = model::default_data_dir();
  const model::MnistFiles files = model::find_mnist_files(a.data_dir);
  std::vector<NamedPath> outputs = {{"json", a.json_path}, {"csv", a.csv_path}};
  for (const std::string& f : bench_picture_files()) {
    if (!a.plot_dir.empty()) outputs.push_back({"plot-dir", a.plot_dir + "/" + f});
  }
  std::vector<NamedPath> inputs = data_inputs(files);
  inputs.push_back(config_input(vm));
  inputs.push_back(tuning_input(a.opt.tuning_file));
  require_distinct_files(outputs, inputs);
  const model::TrainConfig cfg = model::preset_config(a.opt.preset);
  return model::split_for_training(
      model::load_labeled_images(files.train_images, files.train_labels),
      model::load_labeled_images(files.test_images, files.test_labels), cfg);
}

}  // namespace

int run_bench(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "compare") return run_bench_compare(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "report") return run_bench_report(argc - 1, argv + 1);
  BenchArgs a;
  po::options_description desc("Options");
  add_bench_options(desc, a);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, kBenchUsage, vm)) return 0;
  resolve_bench_options(a);
  RunContext context = context_at_start();
  // A record written to standard output (--json -) gets it alone; the text goes to stderr.
  const bool record_on_stdout =
      model::output_stream_fd(a.json_path) == 1 || model::output_stream_fd(a.csv_path) == 1;
  // Every line fitted to the terminal (80 columns where it is not one).
  const std::size_t width = text_width();
  FittedLines text_lines(record_on_stdout ? std::cerr : std::cout, width);
  FittedLines log_lines(std::cerr, width);
  std::ostream text(&text_lines), log(&log_lines);
  print_bench_header(context, a.opt, text);
  text << std::flush;
  const runtime::DeviceListing listing = runtime::list_platforms();
  const std::vector<runtime::Selection> chosen = choose_devices(a, listing);
  const model::TrainData data = load_bench_data(a, vm);

  std::vector<DeviceBench> results;
  for (const runtime::Selection& s : chosen) {
    results.push_back(bench_device(listing.devices[s.index], data, a.opt, log));
  }
  finish_context(context);
  text << "\n";
  print_bench_table(results, text, width);
  print_bench_warnings(results, context, text);
  if (!a.json_path.empty()) {
    model::write_file_atomic(a.json_path, bench_json(results, a.opt, context));
  }
  if (!a.csv_path.empty()) model::write_file_atomic(a.csv_path, bench_csv(results, a.opt, context));
  if (!a.plot_dir.empty()) write_pictures(a.plot_dir, bench_pictures(a.plot_dir, results));
  for (const DeviceBench& r : results) {
    if (!r.passed) return 1;
  }
  return 0;
}

}  // namespace clmnist::apps
