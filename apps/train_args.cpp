// `clmnist train`'s command line: the options (every training setting from the one table), the
// --resume checkpoint, the effective settings and the paths, checked in that order.
#include "train_args.hpp"

#include <stdexcept>
#include <type_traits>
#include <variant>
#include <vector>

#include "checkpoint.hpp"
#include "output_file.hpp"
#include "pictures.hpp"
#include "presets.hpp"

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

// The options, bound to `args`: the command's own, every training setting, the device's.
void add_train_options(po::options_description& desc, TrainArgs& args) {
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("data-dir", po::value(&args.data_dir)->value_name("DIR"),
       "directory with the four MNIST IDX files, raw or .gz (default: $CLMNIST_DATA_DIR, else "
       "$XDG_DATA_HOME/clmnist/mnist, else ~/.local/share/clmnist/mnist)")  //
      ("save-model",
       po::value(&args.save_model)->default_value("best_model.safetensors")->value_name("FILE"),
       "where the best model goes (safetensors); empty: do not save")  //
      ("summary-json", po::value(&args.summary_json)->value_name("FILE"),
       "write a JSON summary of the run here (- or /dev/stdout: to standard output, after the "
       "log, which then goes to standard error)")  //
      ("plot-dir", po::value(&args.plot_dir)->value_name("DIR"),
       "write learning_curves, weights and confusion pictures (SVG and PNG) into DIR, after the "
       "model and the summary, as one group: all new or all as they were")                  //
      ("quiet,q", po::bool_switch(&args.quiet), "print only errors and the final results")  //
      ("verbose,v", po::bool_switch(&args.verbose),
       "also print the training and validation loss at every validation")  //
      ("checkpoint", po::value(&args.checkpoint)->value_name("FILE"),
       "keep the full training state in FILE, updated atomically at every validation and on "
       "SIGINT, SIGTERM or SIGHUP")  //
      ("resume", po::value(&args.resume)->value_name("FILE"),
       "continue the run saved in checkpoint FILE (its settings, and its --save-model unless "
       "one is given; with --checkpoint defaulting to FILE)")  //
      ("history", po::value(&args.history)->value_name("FILE"),
       "write one row per validation into FILE, CSV or JSON by its extension (.csv, .json): "
       "epoch, iteration, train_loss (mean minibatch cost since the previous validation), "
       "validation_error, test_error (null where not evaluated), learning_rate, seconds; "
       "written atomically at the end or when stopped by a signal (- or /dev/stdout: CSV to "
       "standard output, and the log to standard error)");
  // Every training setting, from the one table (train_config.hpp).
  for (const model::Setting& setting : model::train_settings()) {
    if (setting.option != nullptr) {
      desc.add_options()(setting.option, setting_value(setting), setting.help);
    }
  }
  add_device_options(desc, args.dev, false);
}

bool given(const po::variables_map& vm, const char* option) {
  return option != nullptr && vm.count(option) != 0U;
}

// A setting's error names where its value came from, when not from the command line.
std::string origin_prefix(const ValueOrigins& origins, const char* option) {
  auto it = origins.find(option);
  return it == origins.end() ? std::string() : it->second + ": ";
}

// Whether a setting's value from the environment or a config file is the checkpoint's own.
bool same_as_checkpoint(const model::TrainConfig& saved, const model::Setting& setting,
                        const std::string& value) {
  model::TrainConfig given_cfg = saved;
  try {
    model::parse_setting(given_cfg, setting, value);
  } catch (const std::invalid_argument&) {
    return false;
  }
  return model::setting_text(given_cfg, setting) == model::setting_text(saved, setting);
}

// --resume: the checkpoint fixes the run's settings, and is where --checkpoint goes by default.
// A setting typed on the command line conflicts; one from the environment or a config file (an
// interrupted run's variables may well be still set) conflicts only when it differs from the
// checkpoint's, and the error names where it came from.
void load_resume(TrainArgs& args, const po::variables_map& vm, const ValueOrigins& origins) {
  require_readable_file("resume", args.resume);
  args.resume_state = std::make_unique<model::TrainState>(model::load_checkpoint(args.resume));
  const model::TrainConfig& saved = args.resume_state->config;
  for (const model::Setting& setting : model::train_settings()) {
    if (!setting.fixes_run || !given(vm, setting.option)) continue;
    const auto from = origins.find(setting.option);
    if (from == origins.end()) {
      throw UsageError("--" + std::string(setting.option) +
                       " conflicts with --resume: a resumed run keeps "
                       "the settings saved in its checkpoint");
    }
    const std::string value = vm[setting.option].as<std::string>();
    if (same_as_checkpoint(saved, setting, value)) continue;
    throw UsageError(from->second + ": " + setting.option + " = " + value +
                     " conflicts with --resume: the checkpoint " + args.resume + " was made with " +
                     model::setting_text(saved, setting) +
                     ", and a resumed run keeps its settings; unset it or make it match");
  }
  if (args.checkpoint.empty()) args.checkpoint = args.resume;
  // The run's --save-model, unless one is given now (a checkpoint without it: the default).
  if (args.resume_state->save_model && vm["save-model"].defaulted()) {
    args.save_model = *args.resume_state->save_model;
  }
}

// The preset's settings (or the checkpoint's), then every setting given, then their checks.
model::TrainConfig effective_config(const TrainArgs& args, const po::variables_map& vm,
                                    const ValueOrigins& origins) {
  model::TrainConfig cfg;
  try {
    cfg = args.resume_state
              ? args.resume_state->config
              : model::preset_config(given(vm, "preset") ? vm["preset"].as<std::string>()
                                                         : std::string("theano"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(origin_prefix(origins, "preset") + "--preset: " + e.what());
  }
  for (const model::Setting& setting : model::train_settings()) {
    if (given(vm, setting.option) && std::string(setting.option) != "preset") {
      try {
        model::parse_setting(cfg, setting, vm[setting.option].as<std::string>());
      } catch (const std::invalid_argument& e) {
        throw UsageError(origin_prefix(origins, setting.option) + e.what());
      }
    }
  }
  try {
    model::validate(cfg);
    model::network_for(cfg, 28, 28, 10);  // the settings' network at MNIST's shape, before loading
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (cfg.validation_frequency == 0 && given(vm, "validation-frequency")) {
    throw UsageError("--validation-frequency must be at least 1");
  }
  return cfg;
}

// Every path before any work: inputs readable, outputs writable, no file given twice.
void check_paths(TrainArgs& args, const po::variables_map& vm) {
  backend_options(args.dev);  // rejects a bad --impl before any work
  if (!args.data_dir.empty()) require_directory("data-dir", args.data_dir);
  if (!args.save_model.empty()) require_writable_target("save-model", args.save_model);
  if (!args.summary_json.empty()) require_writable_target("summary-json", args.summary_json);
  if (!args.plot_dir.empty()) {
    require_output_dir("plot-dir", args.plot_dir, training_picture_files());
  }
  if (!args.checkpoint.empty()) require_writable_target("checkpoint", args.checkpoint);
  if (!args.history.empty()) {
    args.history_fmt = history_format(args.history);
    require_writable_target("history", args.history);
  }
  // A model and a checkpoint are replaced at every better validation: a stream would hold each
  // copy after the other, a file nothing reads back.
  for (const NamedPath& replaced :
       {NamedPath{"save-model", args.save_model}, NamedPath{"checkpoint", args.checkpoint}}) {
    if (model::output_stream_fd(replaced.path) >= 0) {
      throw UsageError("--" + replaced.option + " '" + replaced.path +
                       "' is a stream, but the file is replaced at every better validation; "
                       "give a file name (/dev/null keeps nothing)");
    }
  }
  if (args.data_dir.empty()) args.data_dir = model::default_data_dir();
  args.files = model::find_mnist_files(args.data_dir);
  // --checkpoint defaults to the --resume file: that one is read and then rewritten on purpose.
  std::vector<NamedPath> outputs = {{"save-model", args.save_model},
                                    {"summary-json", args.summary_json},
                                    {"checkpoint", args.checkpoint},
                                    {"history", args.history}};
  for (const std::string& f : training_picture_files()) {
    if (!args.plot_dir.empty()) outputs.push_back({"plot-dir", args.plot_dir + "/" + f});
  }
  std::vector<NamedPath> inputs = data_inputs(args.files);
  inputs.push_back(config_input(vm));
  inputs.push_back(tuning_input(args.dev.tuning_file));
  inputs.push_back({"resume checkpoint", args.resume == args.checkpoint ? "" : args.resume});
  require_distinct_files(outputs, inputs);
}

}  // namespace

bool parse_train_args(int argc, char** argv, TrainArgs& args) {
  po::options_description desc("Options");
  add_train_options(desc, args);
  po::variables_map vm;
  ValueOrigins origins;
  if (!parse_command_line(argc, argv, desc, kTrainUsage, vm, nullptr, &origins)) return false;
  if (args.quiet && args.verbose) throw UsageError("--quiet and --verbose conflict; give one");
  if (vm.count("resume") != 0U && args.resume.empty()) {
    throw UsageError("--resume '' names no checkpoint; give the checkpoint file, or leave "
                     "--resume out to start a new run");
  }
  if (!args.resume.empty()) load_resume(args, vm, origins);
  args.cfg = effective_config(args, vm, origins);
  check_paths(args, vm);
  return true;
}

}  // namespace clmnist::apps
