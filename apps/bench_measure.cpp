// Benchmark measurements: correctness against the host, builds, per-kernel times, steady-state
// training per GEMM path, evaluation, time to accuracy, batch sweep and ceilings.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "kernel_cache.hpp"

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

runtime::BackendOptions options_for(runtime::GemmPath path, bool profiling,
                                    const std::string& cache_dir = "") {
  runtime::BackendOptions o;
  o.gemm = path;
  o.profiling = profiling;
  o.kernel_cache = true;
  o.cache_dir = cache_dir;
  return o;
}

// A backend ready to train on `data` with the given batch size.
struct Session {
  std::unique_ptr<runtime::Backend> backend;
  runtime::DatasetId train = 0, valid = 0;
};
Session open_session(const runtime::DeviceDesc& d, const runtime::BackendOptions& o,
                     const model::TrainData& data, std::size_t batch, float scale) {
  Session s;
  s.backend = runtime::make_backend(d, o);
  s.backend->configure(data.train.features(), data.classes, batch, scale);
  s.train = s.backend->upload(data.train.view());
  s.valid = s.backend->upload(data.valid.view());
  return s;
}

// Runs `steps` minibatches from the start of the epoch, wrapping around, then waits.
void run_steps(Session& s, std::size_t steps, std::size_t batch, std::size_t batches_per_epoch,
               float lr) {
  for (std::size_t i = 0; i < steps; ++i) {
    s.backend->sgd_step(s.train, (i % batches_per_epoch) * batch, batch, lr);
  }
  s.backend->finish();
}

PathTiming time_path(const runtime::DeviceDesc& d, runtime::GemmPath path,
                     const model::TrainData& data, const BenchOptions& opt, float scale, float lr,
                     std::size_t batch) {
  Session s = open_session(d, options_for(path, false), data, batch, scale);
  const std::size_t per_epoch = data.train.count / batch;
  run_steps(s, per_epoch, batch, per_epoch, lr);  // warm-up epoch
  std::vector<double> us;
  for (std::size_t r = 0; r < opt.runs; ++r) {
    const auto t0 = clock_type::now();
    run_steps(s, per_epoch, batch, per_epoch, lr);
    us.push_back(since(t0) * 1e6 / static_cast<double>(per_epoch));
  }
  PathTiming t;
  t.path = s.backend->info().gemm_path;
  t.us_per_iteration = spread(us);
  t.samples_per_second = static_cast<double>(batch) / (t.us_per_iteration.median * 1e-6);
  t.epochs_per_second = 1.0 / (t.us_per_iteration.median * 1e-6 * static_cast<double>(per_epoch));
  return t;
}

// Trains 10 minibatches on the device and on the host from zero; compares the parameters.
void check_against_host(const runtime::DeviceDesc& d, const model::TrainData& data, float scale,
                        float lr, std::size_t batch, DeviceBench& out) {
  std::vector<float> wt[2], b[2];
  runtime::EvalCounts ev[2];
  const runtime::DeviceDesc devices[2] = {d, runtime::host_device_desc(0)};
  for (int i = 0; i < 2; ++i) {
    Session s =
        open_session(devices[i], options_for(runtime::GemmPath::kAuto, false), data, batch, scale);
    run_steps(s, 10, batch, data.train.count / batch, lr);
    s.backend->get_params(wt[i], b[i]);
    ev[i] = s.backend->evaluate(s.valid, data.valid.count);
  }
  double err = 0.0;
  for (std::size_t n = 0; n < wt[0].size(); ++n) {
    err = std::max(err, static_cast<double>(std::fabs(wt[0][n] - wt[1][n])));
  }
  for (std::size_t n = 0; n < b[0].size(); ++n) {
    err = std::max(err, static_cast<double>(std::fabs(b[0][n] - b[1][n])));
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

}  // namespace

DeviceBench bench_device(const runtime::DeviceDesc& d, const model::TrainData& data,
                         const BenchOptions& opt, std::ostream& log) {
  DeviceBench r;
  r.device = d;
  const model::TrainConfig cfg = model::preset_config("theano");
  const float scale = static_cast<float>(1.0 / cfg.pixel_divisor);
  const float lr = static_cast<float>(cfg.learning_rate);
  const std::size_t batch = cfg.batch_size;
  r.batch_size = batch;
  r.iterations_per_epoch = data.train.count / batch;
  runtime::GemmPath headline = runtime::GemmPath::kAuto;
  if (opt.gemm == "fused") headline = runtime::GemmPath::kFused;
  if (opt.gemm == "clblast") headline = runtime::GemmPath::kClblast;
  try {
    log << "[" << d.name << "] checking results against the host backend ...\n" << std::flush;
    check_against_host(d, data, scale, lr, batch, r);
    if (!r.passed) {
      log << "[" << d.name << "] FAILED: " << r.failure << "; not timed\n";
      return r;
    }

    log << "[" << d.name << "] program builds, cold and warm ...\n" << std::flush;
    {
      const std::string cache = (std::filesystem::temp_directory_path() /
                                 ("clmnist-bench-cache-" + std::to_string(::getpid())))
                                    .string();
      std::filesystem::remove_all(cache);
      for (int warm = 0; warm < 2; ++warm) {
        auto be = runtime::make_backend(d, options_for(headline, false, cache));
        const auto t0 = clock_type::now();
        be->configure(data.train.features(), data.classes, batch, scale);
        (warm ? r.build_warm_seconds : r.build_cold_seconds) = since(t0);
        (warm ? r.builds_warm : r.builds_cold) = be->builds();
      }
      std::filesystem::remove_all(cache);
    }

    log << "[" << d.name << "] per-kernel times over one epoch ...\n" << std::flush;
    {
      Session s = open_session(d, options_for(headline, true), data, batch, scale);
      r.info = s.backend->info();
      r.device_bytes = s.backend->device_bytes();
      run_steps(s, r.iterations_per_epoch, batch, r.iterations_per_epoch, lr);
      s.backend->take_kernel_times();
      run_steps(s, r.iterations_per_epoch, batch, r.iterations_per_epoch, lr);
      r.kernels = s.backend->take_kernel_times();
      r.kernel_iterations = r.iterations_per_epoch;
      const auto t0 = clock_type::now();
      for (int i = 0; i < 3; ++i) s.backend->evaluate(s.valid, data.valid.count);
      r.eval_samples_per_second = 3.0 * static_cast<double>(data.valid.count) / since(t0);
    }

    log << "[" << d.name << "] steady-state training, " << opt.runs
        << " timed epochs per path ...\n"
        << std::flush;
    r.auto_path =
        runtime::make_backend(d, options_for(runtime::GemmPath::kAuto, false))->info().gemm_path;
    const std::vector<runtime::GemmPath> paths =
        d.is_host() ? std::vector<runtime::GemmPath>{runtime::GemmPath::kAuto}
                    : std::vector<runtime::GemmPath>{runtime::GemmPath::kFused,
                                                     runtime::GemmPath::kClblast};
    for (runtime::GemmPath p : paths) {
      r.paths.push_back(time_path(d, p, data, opt, scale, lr, batch));
    }
    const std::string want = headline == runtime::GemmPath::kAuto    ? r.auto_path
                             : headline == runtime::GemmPath::kFused ? "fused"
                                                                     : "clblast";
    for (const PathTiming& t : r.paths) {
      if (t.path == want) r.train = t;
    }

    const double flop = 4.0 * static_cast<double>(batch * data.train.features() * data.classes);
    const double bytes = static_cast<double>(batch * data.train.features());
    r.train_gflop_s = flop / (r.train.us_per_iteration.median * 1e-6) * 1e-9;
    r.train_gb_s = bytes / (r.train.us_per_iteration.median * 1e-6) * 1e-9;

    if (opt.sweep) {
      log << "[" << d.name << "] batch-size sweep ...\n" << std::flush;
      for (std::size_t bs : opt.batch_sizes) {
        if (bs > data.train.count) continue;
        Session s = open_session(d, options_for(headline, false), data, bs, scale);
        const std::size_t per_epoch = data.train.count / bs;
        run_steps(s, std::min<std::size_t>(per_epoch, 20), bs, per_epoch, lr);
        // About 50,000 samples or 2,000 steps, whichever is fewer, and at least 10 steps.
        const std::size_t steps =
            std::max<std::size_t>(10, std::min<std::size_t>(2000, 50000 / bs));
        const auto t0 = clock_type::now();
        run_steps(s, steps, bs, per_epoch, lr);
        const double us = since(t0) * 1e6 / static_cast<double>(steps);
        r.sweep.push_back({bs, us, static_cast<double>(bs) / (us * 1e-6)});
      }
    }

    if (opt.time_to_accuracy) {
      log << "[" << d.name << "] time to accuracy (theano preset, from start-up) ...\n"
          << std::flush;
      const auto t0 = clock_type::now();
      auto be = runtime::make_backend(d, options_for(headline, false));
      model::TrainHooks hooks;
      hooks.on_validation = [&](const model::ValidationRecord& v) {
        if (r.tta_target_seconds < 0 && v.validation_error <= 0.075)
          r.tta_target_seconds = since(t0);
      };
      std::ostringstream quiet;
      const model::TrainResult tr = model::train(*be, data, cfg, quiet, hooks);
      r.tta_total_seconds = since(t0);
      r.tta_epochs = tr.epochs;
      r.tta_best_validation_error = tr.best_validation_error;
      r.tta_test_error = tr.test_error;
      r.tta_measured = true;
    }

    log << "[" << d.name << "] device ceilings ...\n" << std::flush;
    r.ceilings =
        runtime::make_backend(d, options_for(runtime::GemmPath::kAuto, false))->measure_ceilings();
  } catch (const std::exception& e) {
    r.passed = false;
    r.failure = e.what();
    log << "[" << d.name << "] FAILED: " << r.failure << "\n";
  }
  return r;
}

}  // namespace clmnist::apps
