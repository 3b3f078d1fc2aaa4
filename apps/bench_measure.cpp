// Benchmark measurements: correctness against the host, builds, per-kernel times, steady-state
// training per GEMM path, evaluation, time to accuracy, batch sweep and ceilings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "errors.hpp"
#include "kernel_cache.hpp"
#include "presets.hpp"
#include "shown_text.hpp"
#include "temp_dir.hpp"
#include "tunables.hpp"
#include "tuning_choice.hpp"
#include "user_dirs.hpp"

namespace clmnist::apps {
namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Spread s;
  s.min = v.front();
  s.max = v.back();
  const std::size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return s;
}

runtime::BackendOptions options_for(
    bool profiling, const std::string& cache_dir = model::default_kernel_cache_dir()) {
  runtime::BackendOptions o;
  o.profiling = profiling;
  o.kernel_cache = true;
  o.cache_dir = cache_dir;
  o.warn = warn_once;
  return o;
}

// What every measurement trains: the preset's network and SGD step.
struct Work {
  model::TrainConfig cfg;
  runtime::NetworkSpec net;
  runtime::SgdStep step;
  runtime::Impl headline = runtime::Impl::kAuto;  // after the tuning file was consulted
  runtime::Tunables tunables;                     // the headline's
};

// Compile options for `impl`; the headline family gets its tuned or overridden settings.
runtime::CompileOptions options_of(const Work& w, runtime::Impl impl, std::size_t batch) {
  model::TrainConfig cfg = w.cfg;
  cfg.batch_size = batch;
  runtime::CompileOptions o = model::compile_options(cfg, impl);
  if (impl == w.headline) o.tunables = w.tunables;
  return o;
}

// A backend with the network compiled for `batch` rows (initial parameters written) and the
// training and validation sets resident.
struct Session {
  std::unique_ptr<runtime::Backend> backend;
  std::unique_ptr<runtime::Executable> exec;
  runtime::DatasetId train = 0, valid = 0;
};
Session open_session(const runtime::DeviceDesc& d, const runtime::BackendOptions& o,
                     runtime::Impl impl, const Work& w, const model::TrainData& data,
                     std::size_t batch) {
  Session s;
  s.backend = runtime::make_backend(d, o);
  s.exec = s.backend->compile(w.net, options_of(w, impl, batch));
  s.exec->write_params(model::initial_params(w.net, w.cfg.seed));
  s.train = s.backend->upload(data.train.view());
  s.valid = s.backend->upload(data.valid.view());
  return s;
}

// Runs `steps` minibatches from the start of the epoch, wrapping around, then waits.
void run_steps(Session& s, std::size_t steps, std::size_t batch, std::size_t batches_per_epoch,
               const runtime::SgdStep& step) {
  for (std::size_t i = 0; i < steps; ++i) {
    s.exec->sgd_step(s.train, (i % batches_per_epoch) * batch, batch, step);
  }
  s.backend->finish();
}

PathTiming time_path(const runtime::DeviceDesc& d, runtime::Impl impl, const Work& w,
                     const model::TrainData& data, const BenchOptions& opt) {
  const std::size_t batch = w.cfg.batch_size;
  Session s = open_session(d, options_for(false), impl, w, data, batch);
  const std::size_t per_epoch = data.train.count / batch;
  run_steps(s, per_epoch, batch, per_epoch, w.step);  // warm-up epoch
  std::vector<double> us;
  for (std::size_t r = 0; r < opt.runs; ++r) {
    const auto t0 = clock_type::now();
    run_steps(s, per_epoch, batch, per_epoch, w.step);
    us.push_back(since(t0) * 1e6 / static_cast<double>(per_epoch));
  }
  PathTiming t;
  t.path = runtime::plan_impls(s.exec->plan());
  t.us_per_iteration = spread(us);
  t.samples_per_second = static_cast<double>(batch) / (t.us_per_iteration.median * 1e-6);
  t.epochs_per_second = 1.0 / (t.us_per_iteration.median * 1e-6 * static_cast<double>(per_epoch));
  return t;
}

// Trains 10 minibatches on the device and on the host from the initial parameters; compares the
// parameters and the validation errors.
void check_against_host(const runtime::DeviceDesc& d, runtime::Impl impl, const Work& w,
                        const model::TrainData& data, DeviceBench& out) {
  runtime::ParamValues params[2];
  runtime::EvalCounts ev[2];
  const runtime::DeviceDesc devices[2] = {d, runtime::host_device_desc(0)};
  const std::size_t batch = w.cfg.batch_size;
  for (int i = 0; i < 2; ++i) {
    Session s = open_session(devices[i], options_for(false), i == 0 ? impl : runtime::Impl::kAuto,
                             w, data, batch);
    run_steps(s, 10, batch, data.train.count / batch, w.step);
    params[i] = s.exec->read_params();
    ev[i] = s.exec->evaluate(s.valid, data.valid.count);
  }
  double err = 0.0;
  for (const auto& [name, v] : params[0]) {
    const std::vector<float>& h = params[1].at(name);
    for (std::size_t n = 0; n < v.size(); ++n) {
      err = std::max(err, static_cast<double>(std::fabs(v[n] - h[n])));
    }
  }
  out.max_abs_error = err;
  // Weights after 10 steps are of order 1e-2; float rounding differences stay near 1e-7.
  const double kTolerance = 1e-4;
  const auto diff =
      static_cast<long long>(ev[0].errors_all) - static_cast<long long>(ev[1].errors_all);
  if (!(err <= kTolerance)) {
    out.failure = "parameters differ from the host backend by " + std::to_string(err) +
                  " after 10 minibatches (tolerance 1e-4)";
  } else if (std::llabs(diff) > 2) {
    out.failure = "validation errors differ from the host backend (" +
                  std::to_string(ev[0].errors_all) + " vs " + std::to_string(ev[1].errors_all) +
                  ")";
  }
  out.passed = out.failure.empty();
}

// The headline kernels: --impl, with the tuned settings for this device where `clmnist tune`
// stored some.
void choose_headline(const runtime::DeviceDesc& d, const BenchOptions& opt, Work& w,
                     DeviceBench& r) {
  DeviceOptions dev;
  dev.tuning_file = opt.tuning_file;
  dev.tune = opt.tune;
  runtime::CompileOptions o =
      model::compile_options(w.cfg, d.is_host() ? runtime::Impl::kAuto : opt.impl);
  std::ostringstream said;
  const TuningChoice c = apply_tuning(dev, d, w.net, o, said);
  w.headline = o.impl;
  w.tunables = o.tunables;
  r.tuning_source = c.source;
  r.tunables = runtime::to_string(o.tunables);
  r.tuned_at = c.tuned_at;
  r.tune_seconds = c.tune_seconds;
}

// Program builds, cold (an empty binary cache) and warm.
void measure_builds(const runtime::DeviceDesc& d, const Work& w, std::size_t batch,
                    DeviceBench& r) {
  // A fresh private directory: a predictable name could be pre-created or read by another user.
  const model::TempDir cache("clmnist-bench-cache");
  for (int warm = 0; warm < 2; ++warm) {
    runtime::BackendOptions o = options_for(false, cache.path());
    o.build_logs = !warm;  // the driver's logs of the source builds (NVIDIA: registers, spills)
    auto be = runtime::make_backend(d, o);
    const auto t0 = clock_type::now();
    be->compile(w.net, options_of(w, w.headline, batch));
    (warm ? r.build_warm_seconds : r.build_cold_seconds) = since(t0);
    (warm ? r.builds_warm : r.builds_cold) = be->builds();
  }
}

// The headline plan's kernels over one profiled epoch, launches a step, evaluation speed and the
// plan the planner would choose unforced.
void measure_kernels(const runtime::DeviceDesc& d, const Work& w, const model::TrainData& data,
                     DeviceBench& r) {
  const std::size_t batch = w.cfg.batch_size;
  Session s = open_session(d, options_for(true), w.headline, w, data, batch);
  r.info = s.backend->info();
  r.device_bytes = s.backend->device_bytes();
  run_steps(s, r.iterations_per_epoch, batch, r.iterations_per_epoch, w.step);
  s.backend->take_kernel_times();
  run_steps(s, r.iterations_per_epoch, batch, r.iterations_per_epoch, w.step);
  r.kernels = s.backend->take_kernel_times();
  r.kernel_iterations = r.iterations_per_epoch;
  r.plan = runtime::describe(s.exec->plan());
  r.train.path = runtime::plan_impls(s.exec->plan());
  double calls = 0;
  for (const runtime::KernelTime& k : r.kernels) calls += static_cast<double>(k.calls);
  r.launches_per_step = calls / static_cast<double>(r.iterations_per_epoch);
  const auto t0 = clock_type::now();
  for (int i = 0; i < 3; ++i) s.exec->evaluate(s.valid, data.valid.count);
  r.eval_samples_per_second = 3.0 * static_cast<double>(data.valid.count) / since(t0);
  r.auto_path = runtime::plan_impls(
      s.backend->compile(w.net, model::compile_options(w.cfg, runtime::Impl::kAuto))->plan());
}

// The programs family `impl` builds for the work ("" where it has none of its own or cannot say).
std::string programs_of(const runtime::DeviceDesc& d, runtime::Impl impl, const Work& w) {
  try {
    std::string s;
    for (const std::string& p : runtime::program_variants(impl, d, w.net,
                                                          options_of(w, impl, w.cfg.batch_size))) {
      s += p + "\n";
    }
    return s;
  } catch (const std::exception&) {
    return "";
  }
}

// Steady-state training of every family that can run the network here, each on its own: one
// that fails to build or run is listed with its error and the others are still measured. A
// family that would run the very programs of one timed before (conv and dense both put LeNet's
// dense layers on dense.cl) is not timed twice. The headline's plan comes first.
void time_families(const runtime::DeviceDesc& d, const Work& w, const model::TrainData& data,
                   const BenchOptions& opt, DeviceBench& r) {
  std::vector<std::pair<runtime::Impl, std::string>> families;
  if (d.is_host()) families.emplace_back(runtime::Impl::kAuto, "host");
  for (const runtime::FamilyInfo& f : d.is_host() ? std::vector<runtime::FamilyInfo>{}
                                                  : runtime::kernel_families()) {
    families.emplace_back(f.impl, f.name);
  }
  // The headline's family: the last stage's in its plan ("conv+dense": dense).
  const std::string headline = r.train.path.substr(r.train.path.rfind('+') + 1);
  const auto listed = [&](const std::string& name) {
    if (opt.families == "all" || name == headline || d.is_host()) return true;
    std::istringstream in(opt.families);
    for (std::string n; std::getline(in, n, ',');) {
      if (n == name) return true;
    }
    return false;
  };
  std::vector<std::string> timed;
  for (const auto& [impl, name] : families) {
    if (!listed(name)) continue;
    const std::string programs = d.is_host() ? "" : programs_of(d, impl, w);
    if (!programs.empty() &&
        std::find(timed.begin(), timed.end(), programs) != timed.end()) {
      continue;
    }
    timed.push_back(programs);
    try {
      r.paths.push_back(time_path(d, impl, w, data, opt));
    } catch (const UnfitError&) {
      // the family cannot run this network (the planner says why; bench skips it)
    } catch (const std::exception& e) {
      PathTiming failed;
      failed.path = name;
      failed.failure = e.what();
      r.paths.push_back(failed);
    }
  }
  std::stable_partition(r.paths.begin(), r.paths.end(), [&](const PathTiming& t) {
    return !r.train.path.empty() && t.path == r.train.path;
  });
  for (const PathTiming& t : r.paths) {
    if (t.failure.empty() && !r.train.path.empty() && t.path == r.train.path) r.train = t;
  }
  const double flop = w.net.train_flops() * static_cast<double>(w.cfg.batch_size);
  const double bytes = static_cast<double>(w.cfg.batch_size * data.train.features());
  if (r.train.us_per_iteration.median > 0) {
    r.train_gflop_s = flop / (r.train.us_per_iteration.median * 1e-6) * 1e-9;
    r.train_gb_s = bytes / (r.train.us_per_iteration.median * 1e-6) * 1e-9;
  }
}

// Samples per second across batch sizes (--sweep).
void measure_sweep(const runtime::DeviceDesc& d, const Work& w, const model::TrainData& data,
                   const BenchOptions& opt, DeviceBench& r) {
  for (std::size_t bs : opt.batch_sizes) {
    if (bs > data.train.count) continue;
    Session s = open_session(d, options_for(false), w.headline, w, data, bs);
    const std::size_t per_epoch = data.train.count / bs;
    run_steps(s, std::min<std::size_t>(per_epoch, 20), bs, per_epoch, w.step);
    // About 50,000 samples or 2,000 steps, whichever is fewer, and at least 10 steps.
    const std::size_t steps = std::max<std::size_t>(10, std::min<std::size_t>(2000, 50000 / bs));
    const auto t0 = clock_type::now();
    run_steps(s, steps, bs, per_epoch, w.step);
    const double us = since(t0) * 1e6 / static_cast<double>(steps);
    r.sweep.push_back({bs, us, static_cast<double>(bs) / (us * 1e-6)});
  }
}

// A whole training run from start-up, timed to the preset's target error and to its end.
void measure_time_to_accuracy(const runtime::DeviceDesc& d, const Work& w,
                              const model::TrainData& data, const model::Preset& preset,
                              DeviceBench& r) {
  const auto t0 = clock_type::now();
  auto be = runtime::make_backend(d, options_for(false));
  auto exec = be->compile(w.net, options_of(w, w.headline, w.cfg.batch_size));
  model::TrainHooks hooks;
  hooks.on_validation = [&](const model::ValidationRecord& v) {
    if (r.tta_target_seconds < 0 && v.validation_error <= preset.target_error)
      r.tta_target_seconds = since(t0);
  };
  std::ostringstream quiet;
  const model::TrainResult tr = model::train(*be, *exec, data, w.cfg, quiet, hooks);
  r.tta_total_seconds = since(t0);
  r.tta_epochs = tr.epochs;
  r.tta_best_validation_error = tr.best_validation_error;
  r.tta_test_error = tr.test_error;
  r.tta_measured = true;
}

void fail(DeviceBench& r, const std::string& why, std::ostream& log, const std::string& name) {
  r.passed = false;
  if (r.failure.empty()) r.failure = why;
  log << "[" << runtime::shown_text(name) << "] FAILED: " << runtime::shown_lines(why) << "\n";
}

}  // namespace

DeviceBench bench_device(const runtime::DeviceDesc& d, const model::TrainData& data,
                         const BenchOptions& opt, std::ostream& log) {
  DeviceBench r;
  r.device = d;
  const std::string tag = "[" + runtime::shown_text(d.name) + "] ";  // the driver's name, escaped
  Work w;
  try {
    w.cfg = model::preset_config(opt.preset);
    w.net = model::network_for(w.cfg, data.train.image_rows, data.train.image_cols, data.classes);
  } catch (const std::exception& e) {
    fail(r, e.what(), log, d.name);
    return r;
  }
  w.step = {static_cast<float>(w.cfg.learning_rate), static_cast<float>(w.cfg.l1),
            static_cast<float>(w.cfg.l2)};
  r.batch_size = w.cfg.batch_size;
  r.iterations_per_epoch = data.train.count / w.cfg.batch_size;
  // The headline: checked against the host, then its builds and kernels. Its failure fails the
  // device's record (and bench's exit status), but the other families are still timed.
  try {
    choose_headline(d, opt, w, r);
    log << tag << "checking results against the host backend ...\n" << std::flush;
    check_against_host(d, w.headline, w, data, r);
    if (r.passed) {
      log << tag << "program builds, cold and warm ...\n" << std::flush;
      measure_builds(d, w, w.cfg.batch_size, r);
      log << tag << "per-kernel times over one epoch ...\n" << std::flush;
      measure_kernels(d, w, data, r);
    } else {
      log << tag << "FAILED: " << runtime::shown_lines(r.failure) << "\n";
    }
  } catch (const std::exception& e) {
    fail(r, e.what(), log, d.name);
  }
  log << tag << "steady-state training, " << opt.runs << " timed epochs per kernel family ...\n"
      << std::flush;
  time_families(d, w, data, opt, r);
  for (const PathTiming& t : r.paths) {
    if (!t.failure.empty()) {
      log << tag << t.path
          << " failed: " << runtime::shown_text(t.failure.substr(0, t.failure.find('\n'))) << "\n";
    }
  }
  if (!r.passed) return r;
  try {
    if (opt.sweep) {
      log << tag << "batch-size sweep ...\n" << std::flush;
      measure_sweep(d, w, data, opt, r);
    }
    const model::Preset& preset = model::find_preset(opt.preset);
    if (opt.time_to_accuracy && preset.bench_time_to_accuracy) {
      log << tag << "time to accuracy (" << opt.preset << " preset, from start-up) ...\n"
          << std::flush;
      measure_time_to_accuracy(d, w, data, preset, r);
    }
    log << tag << "device ceilings ...\n" << std::flush;
    r.ceilings = runtime::make_backend(d, options_for(false))->measure_ceilings();
  } catch (const std::exception& e) {
    fail(r, e.what(), log, d.name);
  }
  return r;
}

}  // namespace clmnist::apps
