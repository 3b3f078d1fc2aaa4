// `clmnist train`: minibatch SGD on MNIST with the tutorial's early stopping and log lines.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <vector>

#include "checkpoint.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "mnist.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "presets.hpp"
#include "progress.hpp"
#include "safetensors.hpp"
#include "train_outputs.hpp"
#include "trainer.hpp"
#include "tuning_choice.hpp"

namespace clmnist::apps {
namespace {

const char* kTrainUsage =
    "Usage: clmnist train [options]\n"
    "\n"
    "Trains a network on MNIST with minibatch SGD and prints the log lines of the Theano\n"
    "tutorial it reproduces (logistic_sgd.py or mlp.py), then the errors over every sample. The\n"
    "best model (lowest validation error, with every preset: without early stopping too) is\n"
    "saved whenever it improves.\n"
    "\n"
    "Presets (`clmnist presets` lists what each reproduces): theano = theano-logreg (default;\n"
    "softmax regression, lr 0.13, batch 600, patience 5000, pixels / 256), theano-mlp (784-500\n"
    "tanh-10, lr 0.01, L2 0.0001, batch 20, patience 10000) and tensorflow (softmax regression,\n"
    "valid = first 5,000, lr 0.5, batch 100, 1000 shuffled steps, pixels / 255). Any option given\n"
    "overrides the preset; the effective settings are printed.\n"
    "\n"
    "Examples:\n"
    "  clmnist train\n"
    "  clmnist train --preset theano-mlp --max-epochs 10\n"
    "  clmnist train --preset theano-mlp --hidden 800 --activation relu\n"
    "  clmnist train --device pocl --summary-json run.json\n"
    "  clmnist train --preset tensorflow --device host\n"
    "  clmnist train --learning-rate 0.05 --batch-size 100 --save-model small-lr.safetensors\n";

// Set by SIGINT/SIGTERM; the trainer polls it after every minibatch. A second signal while the
// first is being handled ends the process the default way.
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_signal != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

// A training setting's value in --help: a placeholder by its type; a true/false setting is also
// a switch (--shuffle alone means --shuffle true).
po::typed_value<std::string>* setting_value(const model::Setting& setting) {
  po::typed_value<std::string>* v = po::value<std::string>();
  std::visit(
      [v](auto member) {
        using T = std::decay_t<decltype(std::declval<model::TrainConfig&>().*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          v->value_name("BOOL")->implicit_value("true");
        } else if constexpr (std::is_same_v<T, double>) {
          v->value_name("X");
        } else if constexpr (std::is_same_v<T, std::string>) {
          v->value_name("NAME");
        } else {
          v->value_name("N");
        }
      },
      setting.field);
  return v;
}

std::string format_g(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

}  // namespace

int run_train(int argc, char** argv) {
  std::string data_dir, save_model = "best_model.safetensors", summary_json;
  std::string checkpoint, resume, plot_dir, history;
  bool quiet = false, verbose = false;
  DeviceOptions dev;
  po::options_description desc("Options");
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("data-dir", po::value(&data_dir)->value_name("DIR"),
       "directory with the four MNIST IDX files, raw or .gz (default: $CLMNIST_DATA_DIR, else "
       "$XDG_DATA_HOME/clmnist/mnist, else ~/.local/share/clmnist/mnist)")  //
      ("save-model",
       po::value(&save_model)->default_value("best_model.safetensors")->value_name("FILE"),
       "where the best model goes (safetensors); empty: do not save")  //
      ("summary-json", po::value(&summary_json)->value_name("FILE"),
       "write a JSON summary of the run here")  //
      ("plot-dir", po::value(&plot_dir)->value_name("DIR"),
       "write learning_curves, weights and confusion pictures (SVG and PNG) into DIR, after the "
       "model and the summary, as one group: all new or all as they were")             //
      ("quiet,q", po::bool_switch(&quiet), "print only errors and the final results")  //
      ("verbose,v", po::bool_switch(&verbose),
       "also print the training and validation loss at every validation")  //
      ("checkpoint", po::value(&checkpoint)->value_name("FILE"),
       "keep the full training state in FILE, updated atomically at every validation and on "
       "SIGINT/SIGTERM")  //
      ("resume", po::value(&resume)->value_name("FILE"),
       "continue the run saved in checkpoint FILE (its settings; with --checkpoint defaulting "
       "to FILE)")  //
      ("history", po::value(&history)->value_name("FILE"),
       "write one row per validation into FILE, CSV or JSON by its extension (.csv, .json): "
       "epoch, iteration, train_loss (mean minibatch cost since the previous validation), "
       "validation_error, test_error (null where not evaluated), learning_rate, seconds; "
       "written atomically at the end or when stopped by a signal");
  // Every training setting, from the one table (train_config.hpp).
  for (const model::Setting& setting : model::train_settings()) {
    if (setting.option != nullptr) {
      desc.add_options()(setting.option, setting_value(setting), setting.help);
    }
  }
  add_device_options(desc, dev, false);
  po::variables_map vm;
  ValueOrigins origins;
  if (!parse_command_line(argc, argv, desc, kTrainUsage, vm, nullptr, &origins)) return 0;
  // A setting's error names where its value came from, when not from the command line.
  auto from = [&](const char* option) {
    auto it = origins.find(option);
    return it == origins.end() ? std::string() : it->second + ": ";
  };

  if (quiet && verbose) throw UsageError("--quiet and --verbose conflict; give one");
  auto given = [&](const char* opt) { return opt != nullptr && vm.count(opt) != 0U; };
  std::unique_ptr<model::TrainState> resume_state;
  if (!resume.empty()) {
    require_readable_file("resume", resume);
    for (const model::Setting& setting : model::train_settings()) {
      if (setting.fixes_run && given(setting.option)) {
        throw UsageError("--" + std::string(setting.option) +
                         " conflicts with --resume: a resumed run keeps "
                         "the settings saved in its checkpoint");
      }
    }
    if (checkpoint.empty()) checkpoint = resume;
    resume_state = std::make_unique<model::TrainState>(model::load_checkpoint(resume));
  }
  model::TrainConfig cfg;
  try {
    cfg = resume_state ? resume_state->config
                       : model::preset_config(given("preset") ? vm["preset"].as<std::string>()
                                                              : std::string("theano"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(from("preset") + "--preset: " + e.what());
  }
  for (const model::Setting& setting : model::train_settings()) {
    if (given(setting.option) && std::string(setting.option) != "preset") {
      try {
        model::parse_setting(cfg, setting, vm[setting.option].as<std::string>());
      } catch (const std::invalid_argument& e) {
        throw UsageError(from(setting.option) + e.what());
      }
    }
  }
  try {
    model::validate(cfg);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (cfg.validation_frequency == 0 && given("validation-frequency")) {
    throw UsageError("--validation-frequency must be at least 1");
  }
  backend_options(dev);  // rejects a bad --impl before any work
  if (!data_dir.empty()) require_directory("data-dir", data_dir);
  if (!save_model.empty()) require_writable_target("save-model", save_model);
  if (!summary_json.empty()) require_writable_target("summary-json", summary_json);
  if (!plot_dir.empty()) require_output_dir("plot-dir", plot_dir, training_picture_files());
  if (!checkpoint.empty()) require_writable_target("checkpoint", checkpoint);
  const HistoryFormat history_fmt = history.empty() ? HistoryFormat::kCsv : history_format(history);
  if (!history.empty()) require_writable_target("history", history);
  if (data_dir.empty()) data_dir = model::default_data_dir();
  const model::MnistFiles files = model::find_mnist_files(data_dir);
  // --checkpoint defaults to the --resume file: that one is read and then rewritten on purpose.
  std::vector<NamedPath> outputs = {{"save-model", save_model},
                                    {"summary-json", summary_json},
                                    {"checkpoint", checkpoint},
                                    {"history", history}};
  for (const std::string& f : training_picture_files()) {
    if (!plot_dir.empty()) outputs.push_back({"plot-dir", plot_dir + "/" + f});
  }
  require_distinct_files(
      outputs, {{"data file", files.train_images},
                {"data file", files.train_labels},
                {"data file", files.test_images},
                {"data file", files.test_labels},
                {"config", vm.count("config") != 0U ? vm["config"].as<std::string>() : ""},
                {"resume checkpoint", resume == checkpoint ? std::string() : resume}});

  // MNIST loads on a second thread while the OpenCL drivers are listed and opened (about 0.1 s
  // each here, most of the drivers' share in the dynamic linker). Its errors are thrown by get(),
  // where the loading is reported; a failing device waits for it (the future's destructor).
  std::future<model::TrainData> loading = std::async(std::launch::async, [&files, &cfg] {
    return model::split_for_training(
        model::load_labeled_images(files.train_images, files.train_labels),
        model::load_labeled_images(files.test_images, files.test_labels), cfg);
  });
  std::ostringstream discard;
  std::ostream& out = quiet ? static_cast<std::ostream&>(discard) : std::cout;
  OpenedBackend opened = open_backend(dev, out);
  const runtime::BackendInfo& info = opened.backend->info();
  if (verbose) out << device_address_line(opened.device);
  out << "Settings: " << model::describe(cfg) << "\n";
  if (verbose) {  // every setting of the table, as a config file would give it
    for (const model::Setting& setting : model::train_settings()) {
      out << "  " << (setting.option != nullptr ? setting.option : setting.key) << " = "
          << model::setting_text(cfg, setting) << "\n";
    }
  }
  out << "Loading MNIST from " << data_dir << " ...\n" << std::flush;
  model::TrainData data = loading.get();
  if (cfg.batch_size > data.train.count) {
    throw UsageError("--batch-size " + std::to_string(cfg.batch_size) +
                     " is larger than the training set (" + std::to_string(data.train.count) +
                     " images); use 1 to " + std::to_string(data.train.count));
  }
  out << "train " << data.train.count << ", validation " << data.valid.count << ", test "
      << data.test.count << " images of " << data.train.image_rows << "x" << data.train.image_cols
      << ", " << data.classes << " classes\n";

  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  runtime::CompileOptions compile = model::compile_options(cfg, impl_choice(dev));
  const TuningChoice tuning = apply_tuning(dev, opened.device, net, compile, out);
  hint_untuned(tuning, opened.device);
  std::unique_ptr<runtime::Executable> exec = compile_network(*opened.backend, net, compile);
  const std::vector<runtime::PlanStep> plan = exec->plan();
  out << "Building kernels and uploading the data (" << runtime::plan_impls(plan) << " path) ...\n"
      << std::flush;
  if (verbose) out << "Network " << net.describe() << "; plan: " << runtime::describe(plan) << "\n";

  model::TrainHooks hooks;
  bool saved = false;  // by this process
  auto save_best = [&](const model::Model& m) {
    model::Model copy = m;
    copy.metadata["backend"] = info.backend;
    copy.metadata["device"] = info.name;
    copy.metadata["platform"] = info.platform;
    copy.metadata["preset"] = cfg.preset;
    copy.metadata["plan"] = runtime::describe(plan);
    copy.metadata["tuning"] = tuning.source;
    for (const char* key : {"learning_rate", "l1", "l2", "batch_size", "seed", "shuffle"}) {
      const model::Setting& s = model::find_setting(key);
      copy.metadata[key] = s.key == std::string("learning_rate") ? format_g(cfg.learning_rate)
                                                                 : model::setting_text(cfg, s);
    }
    model::save_model(save_model, copy);
    saved = true;
  };
  if (!save_model.empty()) hooks.on_best = save_best;
  if (!checkpoint.empty()) {
    hooks.on_state = [&](const model::TrainState& st) { model::save_checkpoint(checkpoint, st); };
  }
  g_signal = 0;
  hooks.interrupted = [] { return g_signal != 0; };
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  ProgressLine progress(!quiet && ::isatty(STDERR_FILENO) == 1, cfg.batch_size,
                        ::isatty(STDOUT_FILENO) == 1);
  auto epoch_start = std::chrono::steady_clock::now();
  hooks.on_minibatch = [&](const model::Progress& p) {
    progress.update(p);
    if (verbose && p.minibatch == p.minibatches) {  // the end of an epoch
      const auto now = std::chrono::steady_clock::now();
      progress.before_stdout();
      std::printf("     epoch %zu took %.3f s\n", p.epoch,
                  std::chrono::duration<double>(now - epoch_start).count());
      epoch_start = now;
    }
  };
  std::vector<model::ValidationRecord> seen;  // --history: every validation, whatever ends the run
  const auto write_history = [&] {
    if (!history.empty()) model::write_file_atomic(history, history_text(seen, history_fmt));
  };
  hooks.on_validation = [&](const model::ValidationRecord& v) {
    seen.push_back(v);
    if (!verbose) return;
    progress.before_stdout();
    std::printf("     training loss %f (this epoch), validation loss %f (every sample)\n",
                v.train_loss, v.validation_loss);
  };
  StdoutBelowProgress log_buf(progress);
  std::ostream tty_log(&log_buf);
  std::ostringstream quiet_log;
  std::ostream& log = quiet ? static_cast<std::ostream&>(quiet_log) : tty_log;
  if (resume_state) {
    out << "Resuming " << resume << " at epoch " << resume_state->epoch << ", minibatch "
        << resume_state->next_minibatch + 1 << "\n";
  }
  const model::TrainResult r = [&] {
    try {
      return model::train(*opened.backend, *exec, data, cfg, log, hooks, resume_state.get());
    } catch (const DivergenceError&) {  // the validations before it still make a history
      write_history();
      throw;
    }
  }();
  progress.clear();
  if (quiet) {  // the result lines only
    std::istringstream lines(quiet_log.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Optimization complete", 0) == 0 || line.rfind("The code run", 0) == 0 ||
          line.rfind("Over every sample", 0) == 0 || line.rfind("Interrupted", 0) == 0) {
        std::cout << line << "\n";
      }
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  // The history first: an interrupted run keeps the validations it made too.
  write_history();
  if (r.interrupted) {
    const int sig = g_signal;
    std::cout << "Stopped by " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << " after the current minibatch. ";
    if (checkpoint.empty()) {
      std::cout << "No --checkpoint was given, so the run cannot be resumed";
      if (!save_model.empty()) std::cout << "; the best model so far is in " << save_model;
      std::cout << ".\n";
    } else {
      std::cout << "Checkpoint saved to " << checkpoint
                << "; continue with:\n  clmnist train --resume " << checkpoint
                << (data_dir != model::default_data_dir() ? " --data-dir " + data_dir : "")
                << (save_model == "best_model.safetensors" ? std::string()
                    : save_model.empty()                   ? std::string(" --save-model \"\"")
                                                           : " --save-model " + save_model)
                << "\n";
    }
    return 128 + sig;
  }
  if (!save_model.empty() && !saved && !r.best_model.empty()) {
    save_best(r.best_model);  // a resumed run that found no better model: the checkpoint's best
  }
  if (saved) {
    out << "Best model saved to " << save_model << "\n";
  } else if (!save_model.empty()) {
    out << "No validation has run, so no model was saved to " << save_model << "\n";
  }
  // The training's device memory (the pictures below upload the test set once more).
  const std::size_t device_bytes = opened.backend->device_bytes();
  // The summary before the pictures: a picture that cannot be written does not lose it.
  if (!summary_json.empty()) {
    model::write_file_atomic(
        summary_json, summary_json_text({info, plan, net, compile, tuning, cfg}, r, device_bytes));
  }
  if (!plot_dir.empty()) {
    // The best model's test-set confusion matrix (none before a validation), then the pictures.
    const std::size_t k = data.classes;
    std::vector<std::size_t> confusion(k * k, 0);
    if (!r.best_model.empty()) exec->write_params(r.best_model.params);
    const runtime::DatasetId test_id = opened.backend->upload(data.test.view());
    for (std::size_t first = 0; first < data.test.count && !r.best_model.empty();
         first += cfg.batch_size) {
      const std::size_t n = std::min(cfg.batch_size, data.test.count - first);
      const std::vector<float> probs = exec->predict(test_id, first, n);
      for (std::size_t i = 0; i < n; ++i) {
        const float* p = probs.data() + i * k;
        const auto predicted = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        ++confusion[std::size_t{data.test.labels[first + i]} * k + predicted];
      }
    }
    write_pictures(plot_dir, training_pictures(plot_dir, r, confusion));  // all or none
    out << "Pictures written to " << plot_dir
        << (r.best_model.empty() ? " (learning_curves; no model for weights and confusion)"
                                 : " (learning_curves, weights, confusion; .svg and .png)")
        << "\n";
  }
  if (device_bytes != 0) {
    char mem[96];
    std::snprintf(mem, sizeof mem, "Device memory: %.1f MB (datasets resident as uint8)\n",
                  static_cast<double>(device_bytes) / 1e6);
    out << mem;
  }

  return 0;
}

}  // namespace clmnist::apps
