// `clmnist train`: minibatch SGD on MNIST with the tutorial's early stopping and log lines.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <sstream>
#include <vector>

#include "checkpoint.hpp"
#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "mnist.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "presets.hpp"
#include "progress.hpp"
#include "safetensors.hpp"
#include "shown_text.hpp"
#include "stop_signals.hpp"
#include "text.hpp"
#include "train_args.hpp"
#include "train_outputs.hpp"
#include "trainer.hpp"
#include "tuning_choice.hpp"

namespace clmnist::apps {

using runtime::shown_text;  // file names the user gave, as the log shows them
namespace {

std::string format_g(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

// --quiet: of the training log, only the result lines reach standard output, each with the
// indented lines that continue it.
void print_result_lines(const std::string& log) {
  std::istringstream lines(log);
  bool result = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0) {
      result = line.rfind("Optimization complete", 0) == 0 || line.rfind("The code run", 0) == 0 ||
               line.rfind("Over every sample", 0) == 0 || line.rfind("Interrupted", 0) == 0;
    }
    if (result) std::cout << line << "\n";
  }
}

// Whether an output of the run is standard output (written as a stream there).
bool claims_stdout(const TrainArgs& a) {
  for (const std::string* p : {&a.save_model, &a.summary_json, &a.checkpoint, &a.history}) {
    if (model::output_stream_fd(*p) == 1) return true;
  }
  return false;
}

// While it lives, std::cout's text goes to standard error, so that an output written to
// standard output (--summary-json -) has it alone (output_file.cpp writes descriptor 1 itself).
class TextToStderr {
 public:
  explicit TextToStderr(bool on) : saved_(on ? std::cout.rdbuf(std::cerr.rdbuf()) : nullptr) {}
  ~TextToStderr() {
    if (saved_ != nullptr) std::cout.rdbuf(saved_);
  }
  TextToStderr(const TextToStderr&) = delete;
  TextToStderr& operator=(const TextToStderr&) = delete;

 private:
  std::streambuf* saved_;
};

// One run of `clmnist train` once its command line is checked, step by step in the order of its
// log: open the device while MNIST loads, compile, train, then the files and the closing lines.
class TrainRun {
 public:
  explicit TrainRun(TrainArgs& args) : a_(args), out_(args.quiet ? discard_ : std::cout) {}

  int run() {
    open_device_and_load_data();
    compile();
    // From here to the last file a stop signal is only recorded (runtime/stop_signals.hpp): the
    // training stops after its minibatch, and files being written are finished.
    const runtime::StopPolled polled;
    const model::TrainResult r = train();
    // The history first: an interrupted run keeps the validations it made too.
    write_history();
    if (r.interrupted) return report_interrupted();
    keep_best_model(r);
    // The training's device memory (the pictures below upload the test set once more).
    const std::size_t device_bytes = opened_.backend->device_bytes();
    // The summary before the pictures: a picture that cannot be written does not lose it.
    if (!a_.summary_json.empty()) {
      model::write_file_atomic(
          a_.summary_json,
          summary_json_text({info(), plan_, net_, compile_, tuning_, a_.cfg}, r, device_bytes));
    }
    if (!a_.plot_dir.empty()) write_plots(r);
    if (device_bytes != 0) {
      char mem[96];
      std::snprintf(mem, sizeof mem, "Device memory: %.1f MB (datasets resident as uint8)\n",
                    static_cast<double>(device_bytes) / 1e6);
      out_ << mem;
    }
    if (const int sig = runtime::stop_signal(); sig != 0) {
      std::cout << "Stopped by " << runtime::stop_signal_name(sig)
                << " after training, while its files were written; every file above is "
                   "complete.\n";
      return 128 + sig;
    }
    return 0;
  }

 private:
  const runtime::BackendInfo& info() const { return opened_.backend->info(); }

  // MNIST loads on a second thread while the OpenCL drivers are listed and opened (about 0.1 s
  // each here, most of the drivers' share in the dynamic linker). Its errors are thrown by get(),
  // where the loading is reported; a failing device waits for it (the future's destructor).
  void open_device_and_load_data() {
    std::future<model::TrainData> loading =
        std::async(std::launch::async, [&files = a_.files, &cfg = a_.cfg] {
          return model::split_for_training(
              model::load_labeled_images(files.train_images, files.train_labels),
              model::load_labeled_images(files.test_images, files.test_labels), cfg);
        });
    opened_ = open_backend(a_.dev, out_);
    if (a_.verbose) out_ << device_address_line(opened_.device);
    out_ << "Loading MNIST from " << shown_text(a_.data_dir) << " ...\n" << std::flush;
    data_ = loading.get();
    if (a_.cfg.batch_size > data_.train.count) {
      throw UsageError("--batch-size " + std::to_string(a_.cfg.batch_size) +
                       " is larger than the training set (" + std::to_string(data_.train.count) +
                       " images); use 1 to " + std::to_string(data_.train.count));
    }
    out_ << "train " << data_.train.count << ", validation " << data_.valid.count << ", test "
         << data_.test.count << " images of " << data_.train.image_rows << "x"
         << data_.train.image_cols << ", " << data_.classes << " classes\n";
    // Once the data says how many minibatches an epoch has; fitted to the terminal.
    out_ << runtime::wrap_line(
                "Settings: " + model::describe(a_.cfg, data_.train.count / a_.cfg.batch_size),
                text_width(), 2)
         << "\n";
    if (a_.verbose) {  // every setting of the table, as a config file would give it
      for (const model::Setting& setting : model::train_settings()) {
        out_ << "  " << (setting.option != nullptr ? setting.option : setting.key) << " = "
             << model::setting_text(a_.cfg, setting) << "\n";
      }
    }
  }

  // The network of the settings, its tuning for this device, and its kernels.
  void compile() {
    try {
      net_ = model::network_for(a_.cfg, data_.train.image_rows, data_.train.image_cols,
                                data_.classes);
    } catch (const std::invalid_argument& e) {  // at the data's shape: its images are too large
      throw DataError(a_.data_dir + ": " + e.what());
    }
    compile_ = model::compile_options(a_.cfg, impl_choice(a_.dev));
    tuning_ = apply_tuning(a_.dev, opened_.device, net_, compile_, out_);
    hint_untuned(tuning_, opened_.device);
    exec_ = compile_network(*opened_.backend, net_, compile_);
    plan_ = exec_->plan();
    out_ << "Building kernels and uploading the data (" << runtime::plan_impls(plan_)
         << " path) ...\n"
         << std::flush;
    if (a_.verbose) {
      out_ << "Network " << net_.describe() << "; plan: " << runtime::describe(plan_) << "\n";
    }
  }

  // Trains with the hooks that save, checkpoint, record the history, draw the progress line and
  // stop on SIGINT, SIGTERM or SIGHUP.
  model::TrainResult train() {
    model::TrainHooks hooks;
    if (!a_.save_model.empty()) hooks.on_best = [this](const model::Model& m) { save_best(m); };
    if (!a_.checkpoint.empty()) {
      hooks.on_state = [this](const model::TrainState& st) {
        model::TrainState with_model = st;  // a resumed run saves its model where this one does
        with_model.save_model = a_.save_model;
        model::save_checkpoint(a_.checkpoint, with_model);
      };
    }
    hooks.interrupted = [] { return runtime::stop_signal() != 0; };
    ProgressLine progress(!a_.quiet && ::isatty(STDERR_FILENO) == 1, a_.cfg.batch_size,
                          ::isatty(STDOUT_FILENO) == 1);
    auto epoch_start = std::chrono::steady_clock::now();
    hooks.on_minibatch = [&](const model::Progress& p) {
      progress.update(p);
      if (a_.verbose && p.minibatch == p.minibatches) {  // the end of an epoch
        const auto now = std::chrono::steady_clock::now();
        progress.before_stdout();
        char line[64];
        std::snprintf(line, sizeof line, "     epoch %zu took %.3f s\n", p.epoch,
                      std::chrono::duration<double>(now - epoch_start).count());
        std::cout << line << std::flush;
        epoch_start = now;
      }
    };
    hooks.on_validation = [&](const model::ValidationRecord& v) {
      seen_.push_back(v);
      if (!a_.verbose) return;
      progress.before_stdout();
      char line[128];
      std::snprintf(line, sizeof line,
                    "     training loss %f (this epoch), validation loss %f (every sample)\n",
                    v.train_loss, v.validation_loss);
      std::cout << line << std::flush;
    };
    StdoutBelowProgress log_buf(progress);
    std::ostream tty_log(&log_buf);
    std::ostringstream quiet_log;
    std::ostream& log = a_.quiet ? static_cast<std::ostream&>(quiet_log) : tty_log;
    if (a_.resume_state) {
      out_ << "Resuming " << shown_text(a_.resume) << " at epoch " << a_.resume_state->epoch
           << ", minibatch " << a_.resume_state->next_minibatch + 1 << "\n";
    }
    const model::TrainResult r = [&] {
      try {
        return model::train(*opened_.backend, *exec_, data_, a_.cfg, log, hooks,
                            a_.resume_state.get());
      } catch (const Error&) {  // divergence, a device fault, a failed save: the validations
        keep_history_after_error();  // made before it still make a history
        throw;
      }
    }();
    progress.clear();
    if (a_.quiet) print_result_lines(quiet_log.str());
    return r;
  }

  // --save-model: the model with what made it in its metadata.
  void save_best(const model::Model& m) {
    model::Model copy = m;
    copy.metadata["backend"] = info().backend;
    copy.metadata["device"] = info().name;
    copy.metadata["platform"] = info().platform;
    copy.metadata["preset"] = a_.cfg.preset;
    copy.metadata["plan"] = runtime::describe(plan_);
    copy.metadata["tuning"] = tuning_.source;
    for (const char* key : {"learning_rate", "l1", "l2", "batch_size", "seed", "shuffle"}) {
      const model::Setting& s = model::find_setting(key);
      copy.metadata[key] = s.key == std::string("learning_rate") ? format_g(a_.cfg.learning_rate)
                                                                 : model::setting_text(a_.cfg, s);
    }
    model::save_model(a_.save_model, copy);
    saved_ = true;
  }

  // The history of a run an error ends; a history that cannot be written either is said, and
  // the run's own error is the one reported.
  void keep_history_after_error() {
    try {
      write_history();
    } catch (const Error& e) {
      std::cerr << "clmnist: warning: " << e.what() << "\n";
    }
  }

  // --history: every validation, whatever ends the run.
  void write_history() {
    if (!a_.history.empty()) {
      model::write_file_atomic(a_.history, history_text(seen_, a_.history_fmt));
    }
  }

  // A run stopped by a signal: how to continue it, and the exit code of that signal.
  int report_interrupted() const {
    const int sig = runtime::stop_signal();
    std::cout << "Stopped by " << runtime::stop_signal_name(sig)
              << " after the current minibatch. ";
    if (a_.checkpoint.empty()) {
      std::cout << "No --checkpoint was given, so the run cannot be resumed";
      if (!a_.save_model.empty())
        std::cout << "; the best model so far is in " << shown_text(a_.save_model);
      std::cout << ".\n";
    } else {
      std::cout << "Checkpoint saved to " << shown_text(a_.checkpoint)
                << "; continue with:\n  clmnist train --resume " << shown_text(a_.checkpoint)
                << (a_.dev.device.empty() ? std::string()
                                          : " --device " + shown_text(a_.dev.device))
                << (a_.data_dir != model::default_data_dir()
                        ? " --data-dir " + shown_text(a_.data_dir)
                        : "")
                << "\n";  // --save-model is in the checkpoint
    }
    return 128 + sig;
  }

  // The best model is saved as it is found; this says where it went, or why nowhere.
  void keep_best_model(const model::TrainResult& r) {
    if (!a_.save_model.empty() && !saved_ && !r.best_model.empty()) {
      save_best(r.best_model);  // a resumed run that found no better model: the checkpoint's best
    }
    if (saved_) {
      out_ << "Best model saved to " << shown_text(a_.save_model) << "\n";
    } else if (!a_.save_model.empty()) {
      out_ << "No validation has run, so no model was saved to " << shown_text(a_.save_model)
           << "\n";
    }
  }

  // The best model's test-set confusion matrix, label by prediction (none before a validation).
  std::vector<std::size_t> test_confusion(const model::TrainResult& r) {
    const std::size_t k = data_.classes;
    std::vector<std::size_t> confusion(k * k, 0);
    if (!r.best_model.empty()) exec_->write_params(r.best_model.params);
    const runtime::DatasetId test_id = opened_.backend->upload(data_.test.view());
    for (std::size_t first = 0; first < data_.test.count && !r.best_model.empty();
         first += a_.cfg.batch_size) {
      const std::size_t n = std::min(a_.cfg.batch_size, data_.test.count - first);
      const std::vector<float> probs = exec_->predict(test_id, first, n);
      for (std::size_t i = 0; i < n; ++i) {
        const float* p = probs.data() + i * k;
        const auto predicted = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        ++confusion[std::size_t{data_.test.labels[first + i]} * k + predicted];
      }
    }
    return confusion;
  }

  // --plot-dir: the learning curves, and the best model's weights and confusion.
  void write_plots(const model::TrainResult& r) {
    const std::vector<std::size_t> confusion = test_confusion(r);
    write_pictures(a_.plot_dir, training_pictures(a_.plot_dir, r, confusion));  // all or none
    out_ << "Pictures written to " << shown_text(a_.plot_dir)
         << (r.best_model.empty() ? " (learning_curves; no model for weights and confusion)"
                                  : " (learning_curves, weights, confusion; .svg and .png)")
         << "\n";
  }

  TrainArgs& a_;
  std::ostringstream discard_;  // the log lines of --quiet
  std::ostream& out_;
  OpenedBackend opened_;
  model::TrainData data_;
  runtime::NetworkSpec net_;
  runtime::CompileOptions compile_;
  TuningChoice tuning_;
  std::unique_ptr<runtime::Executable> exec_;
  std::vector<runtime::PlanStep> plan_;
  bool saved_ = false;                         // by this process
  std::vector<model::ValidationRecord> seen_;  // for --history
};

}  // namespace

int run_train(int argc, char** argv) {
  TrainArgs args;
  if (!parse_train_args(argc, argv, args)) return 0;
  const TextToStderr text(claims_stdout(args));
  return TrainRun(args).run();
}

}  // namespace clmnist::apps
