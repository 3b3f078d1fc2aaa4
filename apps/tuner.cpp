#include "tuner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>

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
  for (std::size_t i = 0; i < steps; ++i)
    exec.sgd_step(id, i * cfg.batch_size, cfg.batch_size, step);
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
    const bool wanted =
        only == Impl::kAuto || only == f.impl || (only == Impl::kCpu && f.impl == cpu_family);
    if (!wanted || !fits(f.impl)) continue;
    if (f.grid == nullptr) {
      out.push_back({f.impl, {}});
      continue;
    }
    for (const runtime::Tunables& t : f.grid(net)) out.push_back({f.impl, t});
  }
  return out;
}

namespace {

// One tune_device call: the host's reference run, then the device's candidates (checked against
// it, timed, the winner checked again), with what each step leaves for the next.
class DeviceTuner {
 public:
  DeviceTuner(const runtime::DeviceDesc& device, const model::TrainConfig& cfg,
              const model::TrainData& data, const TuneOptions& opt, std::ostream& log)
      : device_(device),
        cfg_(cfg),
        data_(data),
        opt_(opt),
        log_(log),
        net_(model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes)),
        base_(model::compile_options(cfg, Impl::kAuto)) {}

  TuneResult run(const runtime::BackendOptions& options) {
    // The reference: the host backend's parameters after the same steps.
    host_ = runtime::make_backend(runtime::host_device_desc(0), {});
    host_id_ = host_->upload(data_.train.view());
    host_exec_ = host_->compile(net_, base_);
    want_ = train_steps(*host_, *host_exec_, host_id_, cfg_, kCheckSteps, net_);

    be_ = runtime::make_backend(device_, options);
    id_ = be_->upload(data_.train.view());
    check_candidates();
    pick_winner(time_in_rounds());
    if (!execs_[r_.winner]) {
      throw Error("no implementation ran " + net_.describe() + " on " + device_.name +
                  " in agreement with the host backend (the rejections are listed above)");
    }
    check_winner();
    return r_;
  }

 private:
  static constexpr std::size_t kCheckSteps = 3;

  std::size_t minibatches_per_epoch() const { return data_.train.count / cfg_.batch_size; }

  // Every candidate within the budget: compiled, checked against the host and logged. Those that
  // failed, or ran the kernels of an earlier one, keep no executable.
  void check_candidates() {
    const auto t_start = clock_type::now();
    for (const Candidate& c : tuning_candidates(net_, base_.weight_decay, opt_.only,
                                                device_.type != runtime::DeviceType::kCpu)) {
      CandidateResult cr;
      cr.candidate = c;
      if (since(t_start) > opt_.budget_seconds && c.impl != Impl::kAuto) {
        ++r_.left_out;
        continue;
      }
      std::unique_ptr<runtime::Executable> exec = try_candidate(cr);
      log_candidate(cr);
      if (!cr.rejected.empty() || cr.same_as >= 0) exec.reset();
      r_.results.push_back(cr);
      execs_.push_back(std::move(exec));
    }
  }

  // Compiles cr.candidate and checks its first steps against the host's, unless an earlier
  // candidate ran the same kernels: sets cr's plan, family and impl, and same_as or rejected.
  std::unique_ptr<runtime::Executable> try_candidate(CandidateResult& cr) {
    const Candidate& c = cr.candidate;
    std::unique_ptr<runtime::Executable> exec;
    try {
      runtime::CompileOptions o = base_;
      o.impl = c.impl;
      o.tunables = c.tunables;
      exec = be_->compile(net_, o);
      cr.plan = runtime::describe(exec->plan());
      cr.family = runtime::plan_impls(exec->plan());
      cr.impl = c.impl != Impl::kAuto ? runtime::to_string(c.impl) : exec->plan().back().impl;
      // Settings that compile to kernels an earlier candidate ran (the default's spelt out, a
      // value the family clamps): timing them twice would only let noise pick one.
      const auto seen = first_with_.find(cr.family + " " + cr.plan);
      if (seen != first_with_.end()) {
        cr.same_as = static_cast<int>(seen->second);
      } else {
        cr.rejected = compare(train_steps(*be_, *exec, id_, cfg_, kCheckSteps, net_), want_);
        if (cr.rejected.empty()) first_with_[cr.family + " " + cr.plan] = r_.results.size();
      }
    } catch (const std::exception& e) {
      cr.rejected = e.what();
    }
    return exec;
  }

  void log_candidate(const CandidateResult& cr) {
    const Candidate& c = cr.candidate;
    if (!cr.rejected.empty()) {
      log_ << "  REJECTED " << c.label() << ": " << cr.rejected << "\n";
    } else if (cr.same_as >= 0) {
      log_ << "  same     " << c.label() << ": the kernels of "
           << r_.results[static_cast<std::size_t>(cr.same_as)].candidate.label()
           << ", timed once\n";
    } else {
      log_ << "  ok       " << c.label() << "\n";
    }
    log_ << std::flush;
  }

  // Each candidate's microseconds a step, one value a round. Timing in alternating rounds: every
  // candidate once per round, so drifts of a shared machine fall on all alike. Steps per timing:
  // enough for round_seconds, from a first measurement.
  std::vector<std::vector<double>> time_in_rounds() {
    const std::size_t per_epoch = minibatches_per_epoch();
    const runtime::SgdStep step{static_cast<float>(cfg_.learning_rate), static_cast<float>(cfg_.l1),
                                static_cast<float>(cfg_.l2)};
    std::vector<std::vector<double>> us(execs_.size());
    std::vector<std::size_t> steps(execs_.size(), 1);
    std::size_t cursor = 0;
    for (std::size_t round = 0; round <= opt_.rounds; ++round) {  // round 0: warm-up and sizing
      for (std::size_t k = 0; k < execs_.size(); ++k) {
        if (!execs_[k]) continue;
        const auto t0 = clock_type::now();
        for (std::size_t s = 0; s < steps[k]; ++s) {
          execs_[k]->sgd_step(id_, (cursor++ % per_epoch) * cfg_.batch_size, cfg_.batch_size, step);
        }
        be_->finish();
        const double seconds = since(t0);
        if (round == 0) {
          steps[k] = std::clamp<std::size_t>(
              static_cast<std::size_t>(opt_.round_seconds / std::max(seconds, 1e-7)), 1, 5000);
        } else {
          us[k].push_back(seconds * 1e6 / static_cast<double>(steps[k]));
        }
      }
    }
    return us;
  }

  // Each timed candidate's median; the winner is the fastest (the default where none ran).
  void pick_winner(std::vector<std::vector<double>> us) {
    for (std::size_t k = 0; k < execs_.size(); ++k) {
      if (!execs_[k] || us[k].empty()) continue;
      std::sort(us[k].begin(), us[k].end());
      r_.results[k].median_step_us = us[k][us[k].size() / 2];
      if (r_.results[r_.winner].median_step_us == 0 ||
          r_.results[k].median_step_us < r_.results[r_.winner].median_step_us) {
        r_.winner = k;
      }
    }
  }

  // The winner again on a longer run: more steps against the host, and a whole evaluation of the
  // validation set with the same error count.
  void check_winner() {
    const std::size_t long_steps = std::min<std::size_t>(10, minibatches_per_epoch());
    runtime::Executable& win = *execs_[r_.winner];
    host_exec_ = host_->compile(net_, base_);
    const runtime::ParamValues want_long =
        train_steps(*host_, *host_exec_, host_id_, cfg_, long_steps, net_);
    r_.final_check = compare(train_steps(*be_, win, id_, cfg_, long_steps, net_), want_long);
    if (r_.final_check.empty()) {
      const runtime::DatasetId hv = host_->upload(data_.valid.view());
      const runtime::DatasetId dv = be_->upload(data_.valid.view());
      const auto he = host_exec_->evaluate(hv, data_.valid.count);
      const auto de = win.evaluate(dv, data_.valid.count);
      // A row at a near tie may go either way in float; more than 2 in 10,000 is a fault.
      const auto diff =
          static_cast<long long>(he.errors_all) - static_cast<long long>(de.errors_all);
      if (std::llabs(diff) > 2) {
        r_.final_check = "validation errors " + std::to_string(de.errors_all) + " vs the host's " +
                         std::to_string(he.errors_all);
      }
    }
  }

  const runtime::DeviceDesc& device_;
  const model::TrainConfig& cfg_;
  const model::TrainData& data_;
  const TuneOptions& opt_;
  std::ostream& log_;
  const runtime::NetworkSpec net_;
  const runtime::CompileOptions base_;
  std::unique_ptr<runtime::Backend> host_;
  runtime::DatasetId host_id_ = 0;
  std::unique_ptr<runtime::Executable> host_exec_;
  runtime::ParamValues want_;  // the host's parameters after kCheckSteps
  std::unique_ptr<runtime::Backend> be_;
  runtime::DatasetId id_ = 0;
  TuneResult r_;
  std::vector<std::unique_ptr<runtime::Executable>> execs_;  // by candidate; null: not timed
  // The first candidate that ran each set of kernels (family and plan), by that set.
  std::map<std::string, std::size_t> first_with_;
};

}  // namespace

TuneResult tune_device(const runtime::DeviceDesc& device, const runtime::BackendOptions& options,
                       const model::TrainConfig& cfg, const model::TrainData& data,
                       const TuneOptions& opt, std::ostream& log) {
  return DeviceTuner(device, cfg, data, opt, log).run(options);
}

}  // namespace clmnist::apps
