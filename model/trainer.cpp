// The training loop of logistic_sgd.py and mlp.py, over an Executable.
#include "trainer.hpp"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <numeric>
#include <ostream>
#include <utility>
#include <random>

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

std::uint64_t bounded(std::mt19937_64& rng, std::uint64_t n) {
  // Rejection sampling: uniform in [0, n).
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

}  // namespace

std::vector<std::uint32_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed ^ (0x9e3779b97f4a7c15ull * (epoch + 1)));
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(bounded(rng, i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

std::size_t reference_rows(std::size_t rows, std::size_t batch_size) {
  const std::size_t whole = rows / batch_size * batch_size;
  return whole == 0 ? rows : whole;
}

TrainData split_for_training(LabeledImages train_file, LabeledImages test,
                             const TrainConfig& config) {
  if (config.valid_size == 0 || config.valid_size >= train_file.count) {
    throw DataError("the validation set size " + std::to_string(config.valid_size) +
                    " must be between 1 and the " + std::to_string(train_file.count - 1) +
                    " training images less one");
  }
  if (test.image_rows != train_file.image_rows || test.image_cols != train_file.image_cols) {
    throw DataError("test images are " + std::to_string(test.image_rows) + "x" +
                    std::to_string(test.image_cols) + " but training images are " +
                    std::to_string(train_file.image_rows) + "x" +
                    std::to_string(train_file.image_cols));
  }
  TrainData d;
  const std::size_t n = train_file.count;
  const std::size_t v = config.valid_size;
  // Only the validation rows are copied out; the training rows are trimmed in place.
  d.valid = config.valid_first ? train_file.slice(0, v) : train_file.slice(n - v, n);
  d.train = std::move(train_file);
  if (config.valid_first) {
    d.train.keep_rows(v, n);
  } else {
    d.train.keep_rows(0, n - v);
  }
  d.test = std::move(test);
  d.classes = count_classes(d.train, {&d.valid, &d.test});
  return d;
}

std::uint64_t data_fingerprint(const TrainData& data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const LabeledImages* set : {&data.train, &data.valid, &data.test}) {
    const std::uint64_t dims[3] = {set->count, set->image_rows, set->image_cols};
    crc = crc32(crc, reinterpret_cast<const Bytef*>(dims), sizeof dims);
    for (std::size_t off = 0; off < set->images.size(); off += 1u << 30) {
      const std::size_t n = std::min<std::size_t>(set->images.size() - off, 1u << 30);
      crc = crc32(crc, set->images.data() + off, static_cast<uInt>(n));
    }
    crc = crc32(crc, set->labels.data(), static_cast<uInt>(set->labels.size()));
  }
  return (std::uint64_t{data.classes} << 32) | crc;
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
  if (resume != nullptr) check_resumable(*resume, data, cfg, net);
  const LogFormat format = find_preset(cfg.preset).log_format;
  const runtime::SgdStep step{static_cast<float>(cfg.learning_rate), static_cast<float>(cfg.l1),
                              static_cast<float>(cfg.l2)};
  const runtime::DatasetId train_id = backend.upload(data.train.view());
  const runtime::DatasetId valid_id = backend.upload(data.valid.view());
  const runtime::DatasetId test_id = backend.upload(data.test.view());

  TrainResult r;
  EarlyStopping stopping(cfg.patience, cfg.patience_increase, cfg.improvement_threshold);
  std::size_t epoch = 0, first_mb = 0;
  double seconds_before = 0.0;
  bool done = false;
  if (resume != nullptr) {
    r = resume->best;
    r.history.clear();
    stopping.restore(resume->patience, resume->best_so_far);
    exec.write_params(resume->params);
    epoch = resume->epoch - 1;
    first_mb = resume->next_minibatch;
    seconds_before = resume->train_seconds;
    done = resume->finished;
    if (done) epoch = resume->best.epochs;
  }
  r.interrupted = false;
  r.valid_rows = data.valid.count;
  r.test_rows = data.test.count;
  r.valid_counted = reference_rows(r.valid_rows, batch);
  r.test_counted = reference_rows(r.test_rows, batch);
  std::size_t freq = cfg.validation_frequency;
  if (freq == 0) {
    freq = cfg.early_stopping ? std::min(n_train_batches, cfg.patience / 2) : n_train_batches;
    freq = std::max<std::size_t>(freq, 1);
  }
  if (resume == nullptr) exec.write_params(initial_params(net, cfg.seed));

  const std::uint64_t fingerprint = hooks.on_state ? data_fingerprint(data) : 0;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return seconds_before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // The state after minibatch mb of `epoch` has run (and any validation and stop check after it).
  auto emit_state = [&](std::size_t mb) {
    TrainState st;
    st.config = cfg;
    st.network = net;
    st.data_fingerprint = fingerprint;
    st.epoch = mb + 1 < n_train_batches ? epoch : epoch + 1;
    st.next_minibatch = mb + 1 < n_train_batches ? mb + 1 : 0;
    st.iterations = r.iterations;
    st.finished = done;
    st.patience = stopping.patience();
    st.best_so_far = stopping.best();
    st.train_seconds = elapsed();
    st.params = exec.read_params();
    st.best = r;
    st.best.epochs = epoch;
    st.best.history.clear();
    hooks.on_state(st);
  };

  // Steps are queued without waiting, so a fast host can run an epoch ahead of the device. Where a
  // signal or the progress line must follow the device, wait for it about every 50 ms: the
  // number of steps between waits adapts to what the last ones took.
  const bool pace = static_cast<bool>(hooks.interrupted) || static_cast<bool>(hooks.on_minibatch);
  std::size_t pace_steps = 16, since_wait = 0;
  auto last_wait = std::chrono::steady_clock::now();
  auto pace_queue = [&] {
    if (++since_wait < pace_steps) return;
    backend.finish();
    const auto now = std::chrono::steady_clock::now();
    const double took = std::chrono::duration<double>(now - last_wait).count();
    const double scaled = static_cast<double>(pace_steps) * 0.05 / std::max(took, 1e-6);
    pace_steps = static_cast<std::size_t>(std::clamp(scaled, 1.0, 65536.0));
    since_wait = 0;
    last_wait = now;
  };
  while (epoch < cfg.max_epochs && !done) {
    ++epoch;
    if (cfg.shuffle) backend.set_order(train_id, shuffled_order(data.train.count, cfg.seed, epoch));
    for (std::size_t mb = first_mb; mb < n_train_batches; ++mb) {
      exec.sgd_step(train_id, mb * batch, batch, step);
      const std::size_t iter = (epoch - 1) * n_train_batches + mb;
      r.iterations = iter + 1;
      const bool last_step = cfg.max_steps != 0 && iter + 1 >= cfg.max_steps;
      const bool validate = (iter + 1) % freq == 0 || last_step;
      if (validate) {
        ValidationRecord v;
        v.epoch = epoch;
        v.minibatch = mb + 1;
        v.minibatches = n_train_batches;
        v.iteration = iter;
        const runtime::EvalCounts ev = exec.evaluate(valid_id, r.valid_counted);
        // This epoch's minibatches run by this process (a resumed epoch starts at first_mb).
        v.train_loss = exec.train_loss(train_id, first_mb * batch, (mb + 1 - first_mb) * batch);
        // Since the previous validation: where one came earlier in this epoch (in this process),
        // the mean of the minibatches after it, from the two running means (no second read).
        v.recent_train_loss = v.train_loss;
        if (!r.history.empty() && r.history.back().epoch == epoch) {
          const double n = static_cast<double>(mb + 1 - first_mb);
          const double n0 = static_cast<double>(r.history.back().minibatch - first_mb);
          v.recent_train_loss = (v.train_loss * n - r.history.back().train_loss * n0) / (n - n0);
        }
        v.learning_rate = cfg.learning_rate;
        v.validation_error =
            static_cast<double>(ev.errors_counted) / static_cast<double>(r.valid_counted);
        v.validation_loss = ev.nll_sum_all / static_cast<double>(r.valid_rows);
        if (!std::isfinite(v.validation_loss) || !std::isfinite(v.train_loss)) {
          char lr[32];
          std::snprintf(lr, sizeof lr, "%g", cfg.learning_rate);
          throw DivergenceError(
              "training diverged at epoch " + std::to_string(epoch) + ", minibatch " +
              std::to_string(mb + 1) + ": the loss is no longer finite (learning rate " + lr +
              "). Try a smaller --learning-rate; the best model saved so far is kept.");
        }
        print(log, "epoch %zu, minibatch %zu/%zu, validation error %f %%", epoch, mb + 1,
              n_train_batches, v.validation_error * 100.0);
        // The best model is the one of the lowest validation error with every preset; without
        // early stopping (tensorflow) the patience it tracks is just never consulted.
        const bool improved = stopping.record(iter, v.validation_error);
        if (improved) {
          const runtime::EvalCounts te = exec.evaluate(test_id, r.test_counted);
          r.best_validation_error = v.validation_error;
          r.best_validation_error_all =
              static_cast<double>(ev.errors_all) / static_cast<double>(r.valid_rows);
          r.test_error =
              static_cast<double>(te.errors_counted) / static_cast<double>(r.test_counted);
          r.test_error_all = static_cast<double>(te.errors_all) / static_cast<double>(r.test_rows);
          r.best_epoch = epoch;
          r.best_iteration = iter;
          v.test_error = r.test_error;
          print(log, "     epoch %zu, minibatch %zu/%zu, test error of best model %f %%", epoch,
                mb + 1, n_train_batches, r.test_error * 100.0);
          r.best_model.network = net;
          r.best_model.params = exec.read_params();
          if (hooks.on_best) hooks.on_best(r.best_model);
        }
        v.seconds = elapsed();
        r.history.push_back(v);
        if (hooks.on_validation) hooks.on_validation(v);
      }
      if ((cfg.early_stopping && stopping.should_stop(iter)) || last_step) done = true;
      if (hooks.on_minibatch) {
        Progress p;
        p.epoch = epoch;
        p.minibatch = mb + 1;
        p.minibatches = n_train_batches;
        p.iteration = iter;
        p.patience = cfg.early_stopping ? stopping.patience() : 0;
        p.max_iterations = cfg.max_epochs * n_train_batches;
        if (cfg.max_steps != 0) p.max_iterations = std::min(p.max_iterations, cfg.max_steps);
        p.last_validation_error = r.history.empty() ? -1.0 : r.history.back().validation_error;
        const std::size_t from = first_mb;
        p.loss = [&exec, train_id, from, mb, batch] {
          return exec.train_loss(train_id, from * batch, (mb + 1 - from) * batch);
        };
        hooks.on_minibatch(p);
      }
      if (pace) pace_queue();
      const bool interrupt = !done && hooks.interrupted && hooks.interrupted();
      if (hooks.on_state && (validate || done || interrupt)) emit_state(mb);
      if (interrupt) {
        r.interrupted = true;
        r.epochs = epoch;
        backend.finish();
        r.train_seconds = elapsed();
        print(log, "Interrupted after epoch %zu, minibatch %zu/%zu.", epoch, mb + 1,
              n_train_batches);
        return r;
      }
      if (done) break;
    }
    first_mb = 0;
  }
  backend.finish();
  r.train_seconds = elapsed();
  r.epochs = epoch;
  if (!r.has_best()) {  // print only what was measured
    print(log,
          "Optimization complete after %zu minibatches, before any validation: no error was "
          "measured and there is no best model (validate more often with "
          "--validation-frequency)",
          r.iterations);
    print(log, "The code run for %zu epochs, with %f epochs/sec", epoch,
          static_cast<double>(epoch) / r.train_seconds);
    return r;
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
  print(log, "The code run for %zu epochs, with %f epochs/sec", epoch,
        static_cast<double>(epoch) / r.train_seconds);
  print(log,
        "Over every sample: best validation error %f %% (%zu images), test error %f %% (%zu "
        "images); the lines above count %zu and %zu (whole minibatches only, as the tutorial)",
        r.best_validation_error_all * 100.0, r.valid_rows, r.test_error_all * 100.0, r.test_rows,
        r.valid_counted, r.test_counted);
  return r;
}

}  // namespace clmnist::model
