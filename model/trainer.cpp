// The training loop of logistic_sgd.py and mlp.py, over an Executable.
#include "trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ostream>
#include <utility>

#include "early_stopping.hpp"
#include "errors.hpp"
#include "presets.hpp"

namespace clmnist::model {
namespace {

void print(std::ostream& log, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void print(std::ostream& log, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  log << buf << '\n' << std::flush;
}

}  // namespace

std::size_t reference_rows(std::size_t rows, std::size_t batch_size) {
  const std::size_t whole = rows / batch_size * batch_size;
  return whole == 0 ? rows : whole;
}

namespace {

// A resume must continue the same run: same data, same settings.
void check_resumable(const TrainState& s, const TrainData& data, const TrainConfig& cfg,
                     const runtime::NetworkSpec& net) {
  if (s.data_fingerprint != data_fingerprint(data)) {
    throw DataError(
        "the checkpoint was made on other data (fingerprint differs); resume with "
        "the --data-dir and settings of the interrupted run");
  }
  for (const Setting& setting : train_settings()) {
    if (setting.fixes_run && !same_setting(s.config, cfg, setting)) {
      throw DataError(std::string("the checkpoint's ") + setting.key + " (" +
                      setting_text(s.config, setting) + ") differs from this run's (" +
                      setting_text(cfg, setting) + ")");
    }
  }
  if (!(s.network == net)) {
    throw DataError("the checkpoint's network (" + s.network.describe() +
                    ") differs from the one its settings build (" + net.describe() + ")");
  }
  try {
    runtime::check_params(net, s.params);
  } catch (const std::invalid_argument& e) {
    throw DataError(std::string("the checkpoint's parameters do not fit the network: ") + e.what());
  }
}

// The minibatches of an epoch, once `exec` is known to fit the data and the batch size.
std::size_t checked_minibatches(const runtime::Executable& exec, const TrainData& data,
                                const TrainConfig& cfg) {
  const std::size_t batch = cfg.batch_size;
  const std::size_t n_train_batches = data.train.count / batch;
  if (n_train_batches == 0) {
    throw DataError("batch size " + std::to_string(batch) + " is larger than the " +
                    std::to_string(data.train.count) + " training images");
  }
  const runtime::NetworkSpec& net = exec.network();
  if (net.features() != data.train.features() || net.classes() != data.classes ||
      exec.max_batch() < batch) {
    throw std::invalid_argument("the executable was compiled for another network or batch");
  }
  return n_train_batches;
}

// Steps are queued without waiting, so a fast host can run an epoch ahead of the device. Where a
// signal or the progress line must follow the device, wait for it about every 50 ms: the
// number of steps between waits adapts to what the last ones took.
class QueuePacer {
 public:
  void after_step(runtime::Backend& backend) {
    if (++since_wait_ < pace_steps_) return;
    backend.finish();
    const auto now = std::chrono::steady_clock::now();
    const double took = std::chrono::duration<double>(now - last_wait_).count();
    const double scaled = static_cast<double>(pace_steps_) * 0.05 / std::max(took, 1e-6);
    pace_steps_ = static_cast<std::size_t>(std::clamp(scaled, 1.0, 65536.0));
    since_wait_ = 0;
    last_wait_ = now;
  }

 private:
  std::size_t pace_steps_ = 16, since_wait_ = 0;
  std::chrono::steady_clock::time_point last_wait_ = std::chrono::steady_clock::now();
};

[[noreturn]] void throw_diverged(std::size_t epoch, std::size_t minibatch, double learning_rate) {
  char lr[32];
  std::snprintf(lr, sizeof lr, "%g", learning_rate);
  throw DivergenceError("training diverged at epoch " + std::to_string(epoch) + ", minibatch " +
                        std::to_string(minibatch) +
                        ": the loss is no longer finite (learning rate " + lr +
                        "). Try a smaller --learning-rate; the best model saved so far is kept.");
}

// The closing lines of the log: the tutorial's, then the errors over every sample.
void print_results(std::ostream& log, const TrainResult& r, LogFormat format) {
  if (!r.has_best()) {  // print only what was measured
    print(log,
          "Optimization complete after %zu minibatches, before any validation: no error was "
          "measured and there is no best model (validate more often with "
          "--validation-frequency)",
          r.iterations);
    print(log, "The code run for %zu epochs, with %f epochs/sec", r.epochs,
          static_cast<double>(r.epochs) / r.train_seconds);
    return;
  }
  if (format == LogFormat::kMlp) {
    print(log,
          "Optimization complete. Best validation score of %f %% obtained at iteration %zu, with "
          "test performance %f %%",
          r.best_validation_error * 100.0, r.best_iteration + 1, r.test_error * 100.0);
  } else {
    print(log,
          "Optimization complete with best validation score of %f %%, with test performance %f %%",
          r.best_validation_error * 100.0, r.test_error * 100.0);
  }
  print(log, "The code run for %zu epochs, with %f epochs/sec", r.epochs,
        static_cast<double>(r.epochs) / r.train_seconds);
  // Three lines that fit 80 columns (the tutorial's own lines above are as published).
  print(log,
        "Over every sample: best validation error %f %% (%zu images),\n  test error %f %% (%zu "
        "images); the lines above count %zu and %zu\n  (whole minibatches only, as the tutorial)",
        r.best_validation_error_all * 100.0, r.valid_rows, r.test_error_all * 100.0, r.test_rows,
        r.valid_counted, r.test_counted);
}

// One call of train(): the data on the device, the result and early stopping so far, and where
// in which epoch the loop is.
class TrainingLoop {
 public:
  // Uploads the three sets (in that order).
  TrainingLoop(runtime::Backend& backend, runtime::Executable& exec, const TrainData& data,
               const TrainConfig& cfg, std::ostream& log, const TrainHooks& hooks,
               std::size_t n_train_batches)
      : backend_(backend),
        exec_(exec),
        data_(data),
        cfg_(cfg),
        log_(log),
        hooks_(hooks),
        batch_(cfg.batch_size),
        n_train_batches_(n_train_batches),
        net_(exec.network()),
        format_(find_preset(cfg.preset).log_format),
        step_{static_cast<float>(cfg.learning_rate), static_cast<float>(cfg.l1),
              static_cast<float>(cfg.l2)},
        train_id_(backend.upload(data.train.view())),
        valid_id_(backend.upload(data.valid.view())),
        test_id_(backend.upload(data.test.view())),
        stopping_(cfg.patience, cfg.patience_increase, cfg.improvement_threshold),
        freq_(validation_interval(cfg, n_train_batches)) {}

  TrainResult run(const TrainState* resume) {
    if (resume != nullptr) restore(*resume);
    r_.interrupted = false;
    r_.valid_rows = data_.valid.count;
    r_.test_rows = data_.test.count;
    r_.valid_counted = reference_rows(r_.valid_rows, batch_);
    r_.test_counted = reference_rows(r_.test_rows, batch_);
    if (resume == nullptr) exec_.write_params(initial_params(net_, cfg_.seed));
    fingerprint_ = hooks_.on_state ? data_fingerprint(data_) : 0;
    start_ = std::chrono::steady_clock::now();
    return run_epochs();
  }

 private:
  // Continues where the checkpoint stopped: its best result, patience, parameters and position.
  void restore(const TrainState& resume) {
    // The position within this data (load_checkpoint checked the rest).
    if (resume.next_minibatch >= n_train_batches_ ||
        resume.iterations > resume.epoch * n_train_batches_) {
      throw DataError((resume.origin.empty() ? "the checkpoint" : resume.origin) +
                      ": its position (epoch " + std::to_string(resume.epoch) + ", minibatch " +
                      std::to_string(resume.next_minibatch) + ", " +
                      std::to_string(resume.iterations) + " minibatches run) is not one of " +
                      std::to_string(n_train_batches_) +
                      " minibatches an epoch; the checkpoint is damaged: start the run again");
    }
    r_ = resume.best;
    r_.history.clear();
    stopping_.restore(resume.patience, resume.best_so_far);
    exec_.write_params(resume.params);
    epoch_ = resume.epoch - 1;
    first_mb_ = resume.next_minibatch;
    seconds_before_ = resume.train_seconds;
    done_ = resume.finished;
    if (done_) epoch_ = resume.best.epochs;
  }

  TrainResult run_epochs() {
    const bool pace =
        static_cast<bool>(hooks_.interrupted) || static_cast<bool>(hooks_.on_minibatch);
    QueuePacer pacer;
    while (epoch_ < cfg_.max_epochs && !done_) {
      ++epoch_;
      if (cfg_.shuffle) {
        backend_.set_order(train_id_, shuffled_order(data_.train.count, cfg_.seed, epoch_));
      }
      for (std::size_t mb = first_mb_; mb < n_train_batches_; ++mb) {
        exec_.sgd_step(train_id_, mb * batch_, batch_, step_);
        const std::size_t iter = (epoch_ - 1) * n_train_batches_ + mb;
        r_.iterations = iter + 1;
        const bool last_step = cfg_.max_steps != 0 && iter + 1 >= cfg_.max_steps;
        const bool validate = (iter + 1) % freq_ == 0 || last_step;
        if (validate) validate_after(mb, iter);
        if ((cfg_.early_stopping && stopping_.should_stop(iter)) || last_step) done_ = true;
        if (hooks_.on_minibatch) report_progress(mb, iter);
        if (pace) pacer.after_step(backend_);
        const bool interrupt = !done_ && hooks_.interrupted && hooks_.interrupted();
        if (hooks_.on_state && (validate || done_ || interrupt)) emit_state(mb);
        if (interrupt) return stop_interrupted(mb);
        if (done_) break;
      }
      first_mb_ = 0;
    }
    backend_.finish();
    r_.train_seconds = elapsed();
    r_.epochs = epoch_;
    print_results(log_, r_, format_);
    return r_;
  }

  double elapsed() const {
    return seconds_before_ +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // The validation after minibatch mb (iteration iter): its log line, a new best's test error and
  // model, the history and the hooks. Throws DivergenceError when the loss is no longer finite.
  void validate_after(std::size_t mb, std::size_t iter) {
    ValidationRecord v;
    v.epoch = epoch_;
    v.minibatch = mb + 1;
    v.minibatches = n_train_batches_;
    v.iteration = iter;
    const runtime::EvalCounts ev = exec_.evaluate(valid_id_, r_.valid_counted);
    // This epoch's minibatches run by this process (a resumed epoch starts at first_mb).
    v.train_loss = exec_.train_loss(train_id_, first_mb_ * batch_, (mb + 1 - first_mb_) * batch_);
    // Since the previous validation: where one came earlier in this epoch (in this process),
    // the mean of the minibatches after it, from the two running means (no second read).
    v.recent_train_loss = v.train_loss;
    if (!r_.history.empty() && r_.history.back().epoch == epoch_) {
      const double n = static_cast<double>(mb + 1 - first_mb_);
      const double n0 = static_cast<double>(r_.history.back().minibatch - first_mb_);
      v.recent_train_loss = (v.train_loss * n - r_.history.back().train_loss * n0) / (n - n0);
    }
    v.learning_rate = cfg_.learning_rate;
    v.validation_error =
        static_cast<double>(ev.errors_counted) / static_cast<double>(r_.valid_counted);
    v.validation_loss = ev.nll_sum_all / static_cast<double>(r_.valid_rows);
    if (!std::isfinite(v.validation_loss) || !std::isfinite(v.train_loss)) {
      throw_diverged(epoch_, mb + 1, cfg_.learning_rate);
    }
    print(log_, "epoch %zu, minibatch %zu/%zu, validation error %f %%", epoch_, mb + 1,
          n_train_batches_, v.validation_error * 100.0);
    // The best model is the one of the lowest validation error with every preset; without
    // early stopping (tensorflow) the patience it tracks is just never consulted.
    if (stopping_.record(iter, v.validation_error)) record_best(v, ev, mb, iter);
    v.seconds = elapsed();
    r_.history.push_back(v);
    if (hooks_.on_validation) hooks_.on_validation(v);
  }

  // A new best: its errors on the validation and test sets, its log line and its parameters.
  void record_best(ValidationRecord& v, const runtime::EvalCounts& ev, std::size_t mb,
                   std::size_t iter) {
    const runtime::EvalCounts te = exec_.evaluate(test_id_, r_.test_counted);
    r_.best_validation_error = v.validation_error;
    r_.best_validation_error_all =
        static_cast<double>(ev.errors_all) / static_cast<double>(r_.valid_rows);
    r_.test_error = static_cast<double>(te.errors_counted) / static_cast<double>(r_.test_counted);
    r_.test_error_all = static_cast<double>(te.errors_all) / static_cast<double>(r_.test_rows);
    r_.best_epoch = epoch_;
    r_.best_iteration = iter;
    v.test_error = r_.test_error;
    print(log_, "     epoch %zu, minibatch %zu/%zu, test error of best model %f %%", epoch_, mb + 1,
          n_train_batches_, r_.test_error * 100.0);
    r_.best_model.network = net_;
    r_.best_model.params = exec_.read_params();
    if (hooks_.on_best) hooks_.on_best(r_.best_model);
  }

  void report_progress(std::size_t mb, std::size_t iter) {
    Progress p;
    p.epoch = epoch_;
    p.minibatch = mb + 1;
    p.minibatches = n_train_batches_;
    p.iteration = iter;
    p.patience = cfg_.early_stopping ? stopping_.patience() : 0;
    p.max_iterations = cfg_.max_epochs * n_train_batches_;
    if (cfg_.max_steps != 0) p.max_iterations = std::min(p.max_iterations, cfg_.max_steps);
    p.last_validation_error = r_.history.empty() ? -1.0 : r_.history.back().validation_error;
    const std::size_t from = first_mb_;
    p.loss = [this, from, mb] {
      return exec_.train_loss(train_id_, from * batch_, (mb + 1 - from) * batch_);
    };
    hooks_.on_minibatch(p);
  }

  // The state after minibatch mb of the epoch has run (and any validation and stop check after it).
  void emit_state(std::size_t mb) {
    TrainState st;
    st.config = cfg_;
    st.network = net_;
    st.data_fingerprint = fingerprint_;
    st.epoch = mb + 1 < n_train_batches_ ? epoch_ : epoch_ + 1;
    st.next_minibatch = mb + 1 < n_train_batches_ ? mb + 1 : 0;
    st.iterations = r_.iterations;
    st.finished = done_;
    st.patience = stopping_.patience();
    st.best_so_far = stopping_.best();
    st.train_seconds = elapsed();
    st.params = exec_.read_params();
    st.best = r_;
    st.best.epochs = epoch_;
    st.best.history.clear();
    hooks_.on_state(st);
  }

  TrainResult stop_interrupted(std::size_t mb) {
    r_.interrupted = true;
    r_.epochs = epoch_;
    backend_.finish();
    r_.train_seconds = elapsed();
    print(log_, "Interrupted after epoch %zu, minibatch %zu/%zu.", epoch_, mb + 1,
          n_train_batches_);
    return r_;
  }

  runtime::Backend& backend_;
  runtime::Executable& exec_;
  const TrainData& data_;
  const TrainConfig& cfg_;
  std::ostream& log_;
  const TrainHooks& hooks_;
  const std::size_t batch_, n_train_batches_;
  const runtime::NetworkSpec& net_;
  const LogFormat format_;
  const runtime::SgdStep step_;
  const runtime::DatasetId train_id_, valid_id_, test_id_;
  EarlyStopping stopping_;
  const std::size_t freq_;  // validate after every freq_ minibatches
  TrainResult r_;
  std::size_t epoch_ = 0, first_mb_ = 0;  // first_mb_: where a resumed epoch starts
  double seconds_before_ = 0.0;           // the training time before a resume
  bool done_ = false;
  std::uint64_t fingerprint_ = 0;  // of the data, for checkpoints
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

runtime::CompileOptions compile_options(const TrainConfig& config, runtime::Impl impl) {
  runtime::CompileOptions o;
  o.max_batch = config.batch_size;
  o.impl = impl;
  o.weight_decay = config.l1 != 0.0 || config.l2 != 0.0;
  return o;
}

TrainResult train(runtime::Backend& backend, runtime::Executable& exec, const TrainData& data,
                  const TrainConfig& cfg, std::ostream& log, const TrainHooks& hooks,
                  const TrainState* resume) {
  const std::size_t n_train_batches = checked_minibatches(exec, data, cfg);
  if (resume != nullptr) check_resumable(*resume, data, cfg, exec.network());
  TrainingLoop loop(backend, exec, data, cfg, log, hooks, n_train_batches);
  return loop.run(resume);
}

}  // namespace clmnist::model
