// The training loop of logistic_sgd.py, over a Backend.
#include "trainer.hpp"

#include <chrono>
#include <cstdarg>
#include <limits>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <ostream>
#include <random>

#include "early_stopping.hpp"
#include "errors.hpp"

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
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
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

TrainData split_for_training(const LabeledImages& train_file, LabeledImages test,
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
  if (config.valid_first) {
    d.valid = train_file.slice(0, config.valid_size);
    d.train = train_file.slice(config.valid_size, n);
  } else {
    d.train = train_file.slice(0, n - config.valid_size);
    d.valid = train_file.slice(n - config.valid_size, n);
  }
  d.test = std::move(test);
  d.classes = count_classes(d.train, {&d.valid, &d.test});
  return d;
}

TrainResult train(runtime::Backend& backend, const TrainData& data, const TrainConfig& cfg,
                  std::ostream& log, const TrainHooks& hooks) {
  const std::size_t batch = cfg.batch_size;
  const std::size_t n_train_batches = data.train.count / batch;
  if (n_train_batches == 0) {
    throw DataError("batch size " + std::to_string(batch) + " is larger than the " +
                    std::to_string(data.train.count) + " training images");
  }
  backend.configure(data.train.features(), data.classes, batch,
                    static_cast<float>(1.0 / cfg.pixel_divisor));
  const runtime::DatasetId train_id = backend.upload(data.train.view());
  const runtime::DatasetId valid_id = backend.upload(data.valid.view());
  const runtime::DatasetId test_id = backend.upload(data.test.view());

  TrainResult r;
  r.valid_rows = data.valid.count;
  r.test_rows = data.test.count;
  r.valid_counted = reference_rows(r.valid_rows, batch);
  r.test_counted = reference_rows(r.test_rows, batch);
  std::size_t freq = cfg.validation_frequency;
  if (freq == 0) {
    freq = cfg.early_stopping ? std::min(n_train_batches, cfg.patience / 2) : n_train_batches;
    freq = std::max<std::size_t>(freq, 1);
  }
  EarlyStopping stopping(cfg.patience, cfg.patience_increase, cfg.improvement_threshold);

  r.best_model.image_rows = data.train.image_rows;
  r.best_model.image_cols = data.train.image_cols;
  r.best_model.classes = data.classes;
  r.best_model.pixel_divisor = cfg.pixel_divisor;

  const auto start = std::chrono::steady_clock::now();
  std::size_t epoch = 0;
  bool done = false;
  while (epoch < cfg.max_epochs && !done) {
    ++epoch;
    if (cfg.shuffle) backend.set_order(train_id, shuffled_order(data.train.count, cfg.seed, epoch));
    for (std::size_t mb = 0; mb < n_train_batches; ++mb) {
      backend.sgd_step(train_id, mb * batch, batch, static_cast<float>(cfg.learning_rate));
      const std::size_t iter = (epoch - 1) * n_train_batches + mb;
      r.iterations = iter + 1;
      const bool last_step = cfg.max_steps != 0 && iter + 1 >= cfg.max_steps;
      if ((iter + 1) % freq == 0 || last_step) {
        ValidationRecord v;
        v.epoch = epoch;
        v.minibatch = mb + 1;
        v.iteration = iter;
        const runtime::EvalCounts ev = backend.evaluate(valid_id, r.valid_counted);
        v.train_loss = backend.train_loss(train_id, 0, (mb + 1) * batch);
        v.validation_error = static_cast<double>(ev.errors_counted) / static_cast<double>(r.valid_counted);
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
        const bool improved = cfg.early_stopping ? stopping.record(iter, v.validation_error) : true;
        if (improved) {
          const runtime::EvalCounts te = backend.evaluate(test_id, r.test_counted);
          r.best_validation_error = v.validation_error;
          r.best_validation_error_all =
              static_cast<double>(ev.errors_all) / static_cast<double>(r.valid_rows);
          r.test_error = static_cast<double>(te.errors_counted) / static_cast<double>(r.test_counted);
          r.test_error_all = static_cast<double>(te.errors_all) / static_cast<double>(r.test_rows);
          r.best_epoch = epoch;
          r.best_iteration = iter;
          v.test_error = r.test_error;
          print(log, "     epoch %zu, minibatch %zu/%zu, test error of best model %f %%", epoch,
                mb + 1, n_train_batches, r.test_error * 100.0);
          std::vector<float> wt, b;
          backend.get_params(wt, b);
          r.best_model.set_from_wt(wt);
          r.best_model.b = b;
          if (hooks.on_best) hooks.on_best(r.best_model);
        }
        r.history.push_back(v);
        if (hooks.on_validation && !hooks.on_validation(v)) done = true;
      }
      if ((cfg.early_stopping && stopping.should_stop(iter)) || last_step || done) {
        done = true;
        break;
      }
    }
  }
  backend.finish();
  r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.epochs = epoch;
  print(log,
        "Optimization complete with best validation score of %f %%, with test performance %f %%",
        r.best_validation_error * 100.0, r.test_error * 100.0);
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
