// `clmnist tune`: measures which kernels run a preset's network fastest on a device, checks them
// against the host backend, and stores the winner in the per-user tuning file.
#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>

#include "cli_common.hpp"
#include "commands.hpp"
#include "mnist.hpp"
#include "presets.hpp"
#include "run_context.hpp"
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
  cpu.compute_units = 2;  // so the fused default splits the rows in 8 chunks
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
      emit("candidate", runtime::program_variants(c.impl, c.impl == runtime::Impl::kGpu ? gpu : cpu,
                                                  net, o));
    }
  }
  for (const char* role : {"gpu-default", "candidate"}) {
    for (const auto& [line, r] : role_of) {
      if (r == role) out << role << " " << line << "\n";
    }
  }
}

}  // namespace

int run_tune(int argc, char** argv) {
  std::string preset = "theano", data_dir;
  DeviceOptions dev;
  Whole rounds{5};
  double budget = 300;
  bool quick = false, list = false, variants = false;
  po::options_description desc("Options");
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("preset", po::value(&preset)->default_value(preset)->value_name("NAME"),
       ("the network and minibatch to tune for (" + model::preset_list() + ")").c_str())  //
      ("data-dir", po::value(&data_dir)->value_name("DIR"),
       "MNIST directory (default as for clmnist train)")  //
      ("rounds", po::value(&rounds)->default_value(rounds)->value_name("N"),
       "alternating timing rounds; each candidate's median is kept")  //
      ("budget", po::value(&budget)->default_value(budget)->value_name("SECONDS"),
       "seconds after which no further candidate is checked (those left out are counted)")  //
      ("quick", po::bool_switch(&quick), "3 rounds and a 60 s budget")                      //
      ("list", po::bool_switch(&list), "print the tunables of each family and exit")        //
      ("list-variants", po::bool_switch(&variants),
       "print every kernel build option set the tuner may choose (for the compile matrix)");
  add_device_options(desc, dev, false);
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist tune [--preset P] [--device D] [--impl FAMILY] [options]\n\n"
          "Measures the implementation families (cpu: fused or dense; gpu; clblast) and their "
          "tunables on one device for a preset's network and minibatch. Each candidate first "
          "trains 3 minibatches from the preset's initial parameters and must agree with the "
          "host backend; the survivors are timed in alternating rounds and the median kept. "
          "The winner is checked again (10 minibatches and a whole validation pass against the "
          "host) and stored in the tuning file, keyed by device, vendor, driver version, "
          "kernel sources and problem shape; `--impl auto` in train, eval, predict and bench "
          "then uses it. A driver or clmnist update invalidates the entry.\n\n"
          "Examples:\n  clmnist tune --device gpu\n"
          "  clmnist tune --preset theano-mlp --device 0:0 --quick",
          vm)) {
    return 0;
  }
  if (variants) {
    list_variants(std::cout);
    return 0;
  }
  if (list) {
    // From the registered families themselves, which refuse any other name.
    const std::vector<runtime::FamilyInfo> families = runtime::kernel_families();
    for (const runtime::FamilyInfo& f : families) {
      std::cout << f.name;
      if (!f.tunable_scope.empty()) std::cout << " (" << f.tunable_scope << ")";
      std::cout << ": " << (f.tunables.empty() ? "none" : f.tunables) << " (" << f.programs
                << ")\n";
    }
    if (families.empty()) {
      std::cout << "none: this clmnist was built without OpenCL (the host backend has no "
                   "tunables)\n";
    }
    return 0;
  }
  if (!dev.tune.empty()) throw UsageError("--tune sets tunables for a run; tune measures them");
  require_positive_finite("budget", budget);
  TuneOptions opt;
  opt.only = impl_choice(dev);
  opt.rounds = quick ? 3 : rounds.value;
  opt.budget_seconds = quick ? std::min(budget, 60.0) : budget;
  require_at_least("rounds", opt.rounds, 1);
  model::TrainConfig cfg;
  try {
    cfg = model::preset_config(preset);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--preset: ") + e.what());
  }
  if (!data_dir.empty()) require_directory("data-dir", data_dir);
  const std::string file =
      dev.tuning_file.empty() ? model::default_tuning_file() : dev.tuning_file;
  if (file.empty()) throw UsageError("no tuning file: set --tuning-file, HOME or XDG_CACHE_HOME");
  require_writable_target("tuning-file", file);
  model::read_tuning_file(file);  // a file that is not a tuning file is refused before any work
  OpenedBackend opened = open_backend(dev, std::cout);
  if (opened.device.is_host()) throw UsageError("the host backend has nothing to tune");
  opened.backend.reset();  // the tuner opens its own
  if (data_dir.empty()) data_dir = model::default_data_dir();
  const model::MnistFiles files = model::find_mnist_files(data_dir);
  const model::TrainData data = model::split_for_training(
      model::load_labeled_images(files.train_images, files.train_labels),
      model::load_labeled_images(files.test_images, files.test_labels), cfg);

  std::cout << "Checking candidates against the host backend (" << preset << ", batch "
            << cfg.batch_size << ") ...\n";
  const auto t0 = std::chrono::steady_clock::now();
  const TuneResult r = tune_device(opened.device, backend_options(dev), cfg, data, opt, std::cout);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  const CandidateResult& win = r.results[r.winner];
  if (!r.final_check.empty()) {
    throw Error("the fastest candidate (" + win.candidate.label() +
                ") failed the longer check against the host: " + r.final_check +
                "; nothing was stored");
  }
  model::TuningEntry e;
  runtime::CompileOptions o = model::compile_options(cfg, win.candidate.impl);
  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  e.key = model::tuning_key(opened.device, net, o);
  e.impl = win.impl;  // what ran, also when the built-in default won
  e.tunables = win.candidate.tunables;
  e.plan = win.plan;
  e.step_us = win.median_step_us;
  e.default_step_us = r.results[0].median_step_us;
  e.tune_seconds = seconds;
  e.tuned_at = utc_now_iso8601();
  e.clmnist_version = CLMNIST_VERSION_STRING;
  model::store_tuning(file, e);
  std::cout << "Best: "
            << (win.candidate.impl == runtime::Impl::kAuto ? "the built-in default (" + win.plan + ")"
                                                            : win.candidate.label())
            << ", " << std::setprecision(1)
            << win.median_step_us << " us a step (built-in default " << e.default_step_us
            << " us, " << std::setprecision(2) << e.default_step_us / win.median_step_us
            << "x); checked against the host on 10 minibatches and the validation set.\n"
            << "Stored in " << file << " (tuning took " << std::setprecision(0) << seconds
            << " s); --impl auto uses it from now on.\n";
  return 0;
}

}  // namespace clmnist::apps
