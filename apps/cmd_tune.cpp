// `clmnist tune`: measures which kernels run a preset's network fastest on a device, checks them
// against the host backend, and stores the winner in the per-user tuning file.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "mnist.hpp"
#include "presets.hpp"
#include "run_context.hpp"
#include "text.hpp"
#include "tunables.hpp"
#include "tuner.hpp"
#include "tuning_cache.hpp"
#include "version.hpp"

namespace clmnist::apps {
namespace {

// Every kernel build option set the tuner may choose for both presets' networks, and the
// defaults a GPU gets: "<role> cl/<file>.cl <defines>" (ci/lint-kernels.sh compiles each).
void list_variants(std::ostream& out) {
  runtime::DeviceDesc gpu, cpu;
  gpu.type = runtime::DeviceType::kGpu;
  gpu.max_work_group = cpu.max_work_group = 1024;
  cpu.type = runtime::DeviceType::kCpu;
  cpu.preferred_float_vector = 16;
  cpu.compute_units = 2;                       // so the fused default splits the rows in 8 chunks
  std::map<std::string, std::string> role_of;  // a GPU default is listed as one, first
  const auto emit = [&](const char* role, const std::vector<std::string>& lines) {
    for (const std::string& l : lines) {
      if (role_of.count(l) == 0 || std::string(role) == "gpu-default") role_of[l] = role;
    }
  };
  for (const char* preset : {"theano", "theano-mlp", "theano-lenet"}) {
    const model::TrainConfig cfg = model::preset_config(preset);
    const runtime::NetworkSpec net = model::network_for(cfg, 28, 28, 10);
    runtime::CompileOptions o = model::compile_options(cfg, runtime::Impl::kAuto);
    // The conv family is CPU-shaped for now (private arrays of outputs): a candidate on GPUs.
    if (net.all_dense()) {
      emit("gpu-default", runtime::program_variants(runtime::Impl::kGpu, gpu, net, o));
    } else {
      emit("candidate", runtime::program_variants(runtime::Impl::kConv, gpu, net, o));
    }
    for (const Candidate& c : tuning_candidates(net, o.weight_decay, runtime::Impl::kAuto, true)) {
      if (c.impl == runtime::Impl::kAuto || c.impl == runtime::Impl::kClblast) continue;
      o.tunables = c.tunables;
      emit("candidate",
           runtime::program_variants(c.impl, c.impl == runtime::Impl::kGpu ? gpu : cpu, net, o));
    }
  }
  for (const char* role : {"gpu-default", "candidate"}) {
    for (const auto& [line, r] : role_of) {
      if (r == role) out << role << " " << line << "\n";
    }
  }
}

const char* kTuneUsage =
    "Usage: clmnist tune [--preset P] [--device D] [--impl FAMILY] [options]\n\n"
    "Measures the implementation families (cpu: fused or dense; gpu; clblast; conv, with the "
    "conv front end's blocking) and their "
    "tunables on one device for a preset's network and minibatch. Each candidate first "
    "trains 3 minibatches from the preset's initial parameters and must agree with the "
    "host backend; the survivors are timed in alternating rounds and the median kept. "
    "The winner is checked again (10 minibatches and a whole validation pass against the "
    "host) and stored in the tuning file, keyed by device, vendor, driver version, "
    "kernel sources and problem shape; `--impl auto` in train, eval, predict and bench "
    "then uses it. A driver or clmnist update invalidates the entry.\n\n"
    "Examples:\n  clmnist tune --device gpu\n"
    "  clmnist tune --preset theano-mlp --device 0:0 --quick";

// The command line of one tune run.
struct TuneArgs {
  std::string preset = "theano", data_dir;
  DeviceOptions dev;
  Whole rounds{5};
  double budget = 300;
  bool quick = false, list = false, variants = false;
};

void add_tune_options(po::options_description& desc, TuneArgs& a) {
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("preset", po::value(&a.preset)->default_value(a.preset)->value_name("NAME"),
       ("the network and minibatch to tune for (" + model::preset_list() + ")").c_str())  //
      ("data-dir", po::value(&a.data_dir)->value_name("DIR"),
       "MNIST directory (default as for clmnist train)")  //
      ("rounds", po::value(&a.rounds)->default_value(a.rounds)->value_name("N"),
       "alternating timing rounds; each candidate's median is kept")  //
      ("budget", po::value(&a.budget)->default_value(a.budget)->value_name("SECONDS"),
       "seconds after which no further candidate is checked (those left out are counted)")  //
      ("quick", po::bool_switch(&a.quick), "3 rounds and a 60 s budget")                    //
      ("list", po::bool_switch(&a.list), "print the tunables of each family and exit")      //
      ("list-variants", po::bool_switch(&a.variants),
       "print every kernel build option set the tuner may choose (for the compile matrix)");
  add_device_options(desc, a.dev, false);
}

// --list: the tunables of each kernel family, a family a line fitted to the terminal.
void list_families(std::ostream& out) {
  // From the registered families themselves, which refuse any other name.
  const std::vector<runtime::FamilyInfo> families = runtime::kernel_families();
  for (const runtime::FamilyInfo& f : families) {
    const std::string line = f.name +
                             (f.tunable_scope.empty() ? "" : " (" + f.tunable_scope + ")") + ": " +
                             (f.tunables.empty() ? "none" : f.tunables) + " (" + f.programs + ")";
    out << runtime::wrap_line(line, text_width(), 2) << "\n";
  }
  if (families.empty()) {
    out << "none: this clmnist was built without OpenCL (the host backend has no "
           "tunables)\n";
  }
}

// The rounds, budget and implementation family to measure.
TuneOptions checked_tune_options(const TuneArgs& a) {
  if (!a.dev.tune.empty()) throw UsageError("--tune sets tunables for a run; tune measures them");
  require_positive_finite("budget", a.budget);
  TuneOptions opt;
  opt.only = impl_choice(a.dev);
  opt.rounds = a.quick ? 3 : a.rounds.value;
  opt.budget_seconds = a.quick ? std::min(a.budget, 60.0) : a.budget;
  require_at_least("rounds", opt.rounds, 1);
  return opt;
}

model::TrainConfig preset_to_tune(const std::string& preset) {
  try {
    return model::preset_config(preset);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--preset: ") + e.what());
  }
}

// Where the winner goes: a writable tuning file (or none yet), refused before any work if it is
// something else.
std::string checked_tuning_file(const DeviceOptions& dev) {
  const std::string file = dev.tuning_file.empty() ? model::default_tuning_file() : dev.tuning_file;
  if (file.empty()) throw UsageError("no tuning file: set --tuning-file, HOME or XDG_CACHE_HOME");
  // A fresh account has no ~/.cache/clmnist yet; a --tuning-file in a missing directory is a typo.
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (dev.tuning_file.empty() && !dir.empty() && !std::filesystem::create_directories(dir, ec) &&
      ec) {
    throw UsageError("cannot create the tuning file's directory '" + dir.string() +
                     "': " + ec.message() + "; set --tuning-file or XDG_CACHE_HOME");
  }
  require_writable_target("tuning-file", file);
  // A file that is not a tuning file is refused before any work; bad entries are dropped.
  std::vector<std::string> skipped;
  model::read_tuning_file(file, &skipped);
  for (const std::string& s : skipped) warn_once(s + "; tune leaves it out of the file");
  return file;
}

// The median step time of every distinct candidate that passed, the winner marked.
void print_step_times(const TuneResult& r, const TuneOptions& opt) {
  std::cout << "\nMedian time per SGD step over " << opt.rounds << " rounds:\n";
  for (const CandidateResult& c : r.results) {
    if (!c.rejected.empty() || c.same_as >= 0) continue;
    std::cout << "  " << std::setw(10) << std::fixed << std::setprecision(1) << c.median_step_us
              << " us  " << c.candidate.label() << (&c == &r.results[r.winner] ? "  <- best" : "")
              << "\n";
  }
  if (r.left_out != 0) {
    std::cout << r.left_out << " candidates left out after the " << opt.budget_seconds
              << " s budget (--budget)\n";
  }
}

// The tuning file's entry for the winner, keyed by device, network and compile options.
model::TuningEntry winner_entry(const runtime::DeviceDesc& device, const model::TrainConfig& cfg,
                                const model::TrainData& data, const TuneResult& r, double seconds) {
  const CandidateResult& win = r.results[r.winner];
  model::TuningEntry e;
  runtime::CompileOptions o = model::compile_options(cfg, win.candidate.impl);
  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  e.key = model::tuning_key(device, net, o);
  e.impl = win.impl;  // what ran, also when the built-in default won
  e.tunables = win.candidate.tunables;
  e.plan = win.plan;
  e.step_us = win.median_step_us;
  e.default_step_us = r.results[0].median_step_us;
  e.tune_seconds = seconds;
  e.tuned_at = utc_now_iso8601();
  e.clmnist_version = CLMNIST_VERSION_STRING;
  return e;
}

// The winner, its gain over the built-in default and where it is stored.
void print_best(const CandidateResult& win, const model::TuningEntry& e, const std::string& file,
                double seconds) {
  std::cout << "Best: "
            << (win.candidate.impl == runtime::Impl::kAuto
                    ? "the built-in default (" + win.plan + ")"
                    : win.candidate.label())
            << ", " << std::setprecision(1) << win.median_step_us << " us a step (built-in default "
            << e.default_step_us << " us, " << std::setprecision(2)
            << e.default_step_us / win.median_step_us
            << "x); checked against the host on 10 minibatches and the validation set.\n"
            << "Stored in " << file << " (tuning took " << std::setprecision(0) << seconds
            << " s); --impl auto uses it from now on.\n";
}

}  // namespace

int run_tune(int argc, char** argv) {
  TuneArgs a;
  po::options_description desc("Options");
  add_tune_options(desc, a);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, kTuneUsage, vm)) return 0;
  if (a.variants) {
    list_variants(std::cout);
    return 0;
  }
  if (a.list) {
    list_families(std::cout);
    return 0;
  }
  const TuneOptions opt = checked_tune_options(a);
  const model::TrainConfig cfg = preset_to_tune(a.preset);
  if (!a.data_dir.empty()) require_directory("data-dir", a.data_dir);
  if (a.data_dir.empty()) a.data_dir = model::default_data_dir();
  const model::MnistFiles files = model::find_mnist_files(a.data_dir);
  std::vector<NamedPath> inputs = data_inputs(files);
  inputs.push_back(config_input(vm));
  require_distinct_files({tuning_input(a.dev.tuning_file)}, inputs);
  const std::string file = checked_tuning_file(a.dev);
  OpenedBackend opened = open_backend(a.dev, std::cout);
  if (opened.device.is_host()) throw UsageError("the host backend has nothing to tune");
  opened.backend.reset();  // the tuner opens its own
  const model::TrainData data = model::split_for_training(
      model::load_labeled_images(files.train_images, files.train_labels),
      model::load_labeled_images(files.test_images, files.test_labels), cfg);

  std::cout << "Checking candidates against the host backend (" << a.preset << ", batch "
            << cfg.batch_size << ") ...\n";
  const auto t0 = std::chrono::steady_clock::now();
  const TuneResult r =
      tune_device(opened.device, backend_options(a.dev), cfg, data, opt, std::cout);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_step_times(r, opt);
  const CandidateResult& win = r.results[r.winner];
  if (!r.final_check.empty()) {
    throw Error("the fastest candidate (" + win.candidate.label() +
                ") failed the longer check against the host: " + r.final_check +
                "; nothing was stored");
  }
  const model::TuningEntry e = winner_entry(opened.device, cfg, data, r, seconds);
  model::store_tuning(file, e);
  print_best(win, e, file, seconds);
  return 0;
}

}  // namespace clmnist::apps
