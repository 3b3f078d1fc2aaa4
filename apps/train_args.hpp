// The command line of `clmnist train`: its options, the resumed checkpoint, the effective
// settings and the files it reads and writes, all checked before any work starts.
#pragma once

#include <memory>
#include <string>

#include "cli_common.hpp"
#include "mnist.hpp"
#include "train_config.hpp"
#include "train_outputs.hpp"
#include "trainer.hpp"

namespace clmnist::apps {

struct TrainArgs {
  std::string data_dir;  // the default data directory where none was given
  std::string save_model = "best_model.safetensors", summary_json;
  std::string checkpoint;  // defaults to the --resume file
  std::string resume, plot_dir, history;
  HistoryFormat history_fmt = HistoryFormat::kCsv;
  bool quiet = false, verbose = false;
  DeviceOptions dev;
  std::unique_ptr<model::TrainState> resume_state;  // the --resume checkpoint, loaded
  model::TrainConfig cfg;                           // preset (or checkpoint) and options
  model::MnistFiles files;
};

// Parses and checks train's argv (argv[0] is "train") into `args`; --help prints the usage and
// returns false. Throws UsageError, or the checkpoint's and the data directory's errors.
bool parse_train_args(int argc, char** argv, TrainArgs& args);

}  // namespace clmnist::apps
