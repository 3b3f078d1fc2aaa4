#include "tuner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "errors.hpp"
#include "network_model.hpp"
#include "presets.hpp"
#include "tunables.hpp"

namespace clmnist::apps {
namespace {

using clock_type = std::chrono::steady_clock;
using runtime::Impl;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// After `steps` SGD steps from the initial parameters on `be`: the parameters.
runtime::ParamValues train_steps(runtime::Backend& be, runtime::Executable& exec,
                                 runtime::DatasetId id, const model::TrainConfig& cfg,
                                 std::size_t steps, const runtime::NetworkSpec& net) {
  exec.write_params(model::initial_params(net, cfg.seed));
  const runtime::SgdStep step{static_cast<float>(cfg.learning_rate), static_cast<float>(cfg.l1),
                              static_cast<float>(cfg.l2)};
  for (std::size_t i = 0; i < steps; ++i) exec.sgd_step(id, i * cfg.batch_size, cfg.batch_size, step);
  be.finish();
  return exec.read_params();
}

// "" when every parameter is within float rounding of the host's, else the largest difference.
std::string compare(const runtime::ParamValues& got, const runtime::ParamValues& want) {
  double worst = 0.0;
  std::string where;
  for (const auto& [name, v] : want) {
    const std::vector<float>& g = got.at(name);
    for (std::size_t n = 0; n < v.size(); ++n) {
      const double d = std::fabs(static_cast<double>(g[n]) - v[n]) /
                       std::max(1.0, std::fabs(static_cast<double>(v[n])));
      if (!(d <= worst)) {
        worst = d;
        where = name + "[" + std::to_string(n) + "]";
      }
    }
  }
  // Steps from the same start differ only by the order of float sums: about 1e-7 relative.
  if (worst <= 1e-4) return "";
  return "differs from the host backend by " + std::to_string(worst) + " at " + where;
}

}  // namespace

std::string Candidate::label() const {
  if (impl == Impl::kAuto) return "default";
  const std::string t = runtime::to_string(tunables);
  return std::string(runtime::to_string(impl)) + (t.empty() ? "" : " " + t);
}

// The registry's families with their grids (runtime/kernel_families.cpp), each that can run the
// network; the device class's own family first so that a --budget cut leaves out the least
// likely (GPUs: gpu; CPUs: the registry's order, fused and dense before gpu).
std::vector<Candidate> tuning_candidates(const runtime::NetworkSpec& net, bool weight_decay,
                                         Impl only, bool gpu_first) {
  runtime::CompileOptions o;
  o.weight_decay = weight_decay;
  std::vector<runtime::FamilyInfo> families = runtime::kernel_families();
  const auto fits = [&](Impl impl) {
    for (const runtime::FamilyInfo& f : families) {
      if (f.impl == impl) return f.unfit == nullptr || f.unfit(net, o).empty();
    }
    return false;
  };
  const Impl cpu_family = fits(Impl::kFused) ? Impl::kFused : Impl::kDense;
  if (gpu_first) {
    std::stable_partition(families.begin(), families.end(),
                          [](const runtime::FamilyInfo& f) { return f.impl == Impl::kGpu; });
  }
  std::vector<Candidate> out{{Impl::kAuto, {}}};
  for (const runtime::FamilyInfo& f : families) {
    const bool wanted = only == Impl::kAuto || only == f.impl ||
                        (only == Impl::kCpu && f.impl == cpu_family);
    if (!wanted || !fits(f.impl)) continue;
    if (f.grid == nullptr) {
      out.push_back({f.impl, {}});
      continue;
    }
    for (const runtime::Tunables& t : f.grid(net)) out.push_back({f.impl, t});
  }
  return out;
}

TuneResult tune_device(const runtime::DeviceDesc& device, const runtime::BackendOptions& options,
                       const model::TrainConfig& cfg, const model::TrainData& data,
                       const TuneOptions& opt, std::ostream& log) {
  const runtime::NetworkSpec net = model::network_for(cfg, data.train.image_rows,
                                                      data.train.image_cols, data.classes);
  const runtime::CompileOptions base = model::compile_options(cfg, Impl::kAuto);
  const std::size_t check_steps = 3;
  // The reference: the host backend's parameters after the same steps.
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  const runtime::DatasetId host_id = host->upload(data.train.view());
  auto host_exec = host->compile(net, base);
  const runtime::ParamValues want =
      train_steps(*host, *host_exec, host_id, cfg, check_steps, net);

  auto be = runtime::make_backend(device, options);
  const runtime::DatasetId id = be->upload(data.train.view());
  TuneResult r;
  std::vector<std::unique_ptr<runtime::Executable>> execs;
  // The first candidate that ran each set of kernels (family and plan), by that set.
  std::map<std::string, std::size_t> first_with;
  const auto t_start = clock_type::now();
  for (const Candidate& c : tuning_candidates(net, base.weight_decay, opt.only,
                                              device.type != runtime::DeviceType::kCpu)) {
    CandidateResult cr;
    cr.candidate = c;
    std::unique_ptr<runtime::Executable> exec;
    if (since(t_start) > opt.budget_seconds && c.impl != Impl::kAuto) {
      ++r.left_out;
      continue;
    }
    try {
      runtime::CompileOptions o = base;
      o.impl = c.impl;
      o.tunables = c.tunables;
      exec = be->compile(net, o);
      cr.plan = runtime::describe(exec->plan());
      cr.family = runtime::plan_impls(exec->plan());
      cr.impl = c.impl != Impl::kAuto ? runtime::to_string(c.impl) : exec->plan().back().impl;
      // Settings that compile to kernels an earlier candidate ran (the default's spelt out, a
      // value the family clamps): timing them twice would only let noise pick one.
      const auto seen = first_with.find(cr.family + " " + cr.plan);
      if (seen != first_with.end()) {
        cr.same_as = static_cast<int>(seen->second);
      } else {
        cr.rejected = compare(train_steps(*be, *exec, id, cfg, check_steps, net), want);
        if (cr.rejected.empty()) first_with[cr.family + " " + cr.plan] = r.results.size();
      }
    } catch (const std::exception& e) {
      cr.rejected = e.what();
    }
    if (!cr.rejected.empty()) {
      log << "  REJECTED " << c.label() << ": " << cr.rejected << "\n";
    } else if (cr.same_as >= 0) {
      log << "  same     " << c.label() << ": the kernels of "
          << r.results[static_cast<std::size_t>(cr.same_as)].candidate.label() << ", timed once\n";
    } else {
      log << "  ok       " << c.label() << "\n";
    }
    log << std::flush;
    if (!cr.rejected.empty() || cr.same_as >= 0) exec.reset();
    r.results.push_back(cr);
    execs.push_back(std::move(exec));
  }
  // Timing in alternating rounds: every candidate once per round, so drifts of a shared machine
  // fall on all alike. Steps per timing: enough for round_seconds, from a first measurement.
  const std::size_t per_epoch = data.train.count / cfg.batch_size;
  const runtime::SgdStep step{static_cast<float>(cfg.learning_rate), static_cast<float>(cfg.l1),
                              static_cast<float>(cfg.l2)};
  std::vector<std::vector<double>> us(execs.size());
  std::vector<std::size_t> steps(execs.size(), 1);
  std::size_t cursor = 0;
  for (std::size_t round = 0; round <= opt.rounds; ++round) {  // round 0: warm-up and sizing
    for (std::size_t k = 0; k < execs.size(); ++k) {
      if (!execs[k]) continue;
      const auto t0 = clock_type::now();
      for (std::size_t s = 0; s < steps[k]; ++s) {
        execs[k]->sgd_step(id, (cursor++ % per_epoch) * cfg.batch_size, cfg.batch_size, step);
      }
      be->finish();
      const double seconds = since(t0);
      if (round == 0) {
        steps[k] = std::clamp<std::size_t>(
            static_cast<std::size_t>(opt.round_seconds / std::max(seconds, 1e-7)), 1, 5000);
      } else {
        us[k].push_back(seconds * 1e6 / static_cast<double>(steps[k]));
      }
    }
  }
  for (std::size_t k = 0; k < execs.size(); ++k) {
    if (!execs[k] || us[k].empty()) continue;
    std::sort(us[k].begin(), us[k].end());
    r.results[k].median_step_us = us[k][us[k].size() / 2];
    if (r.results[r.winner].median_step_us == 0 ||
        r.results[k].median_step_us < r.results[r.winner].median_step_us) {
      r.winner = k;
    }
  }
  if (!execs[r.winner]) {
    throw Error("no implementation ran " + net.describe() + " on " + device.name +
                " in agreement with the host backend (the rejections are listed above)");
  }
  // The winner again on a longer run: more steps against the host, and a whole evaluation of the
  // validation set with the same error count.
  const std::size_t long_steps = std::min<std::size_t>(10, per_epoch);
  runtime::Executable& win = *execs[r.winner];
  host_exec = host->compile(net, base);
  const runtime::ParamValues want_long =
      train_steps(*host, *host_exec, host_id, cfg, long_steps, net);
  r.final_check = compare(train_steps(*be, win, id, cfg, long_steps, net), want_long);
  if (r.final_check.empty()) {
    const runtime::DatasetId hv = host->upload(data.valid.view());
    const runtime::DatasetId dv = be->upload(data.valid.view());
    const auto he = host_exec->evaluate(hv, data.valid.count);
    const auto de = win.evaluate(dv, data.valid.count);
    // A row at a near tie may go either way in float; more than 2 in 10,000 is a fault.
    const auto diff = static_cast<long long>(he.errors_all) - static_cast<long long>(de.errors_all);
    if (std::llabs(diff) > 2) {
      r.final_check = "validation errors " + std::to_string(de.errors_all) + " vs the host's " +
                      std::to_string(he.errors_all);
    }
  }
  return r;
}

}  // namespace clmnist::apps
