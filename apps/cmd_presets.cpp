// `clmnist presets`: every preset with its model, what it reproduces and the published figures.
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "presets.hpp"

namespace clmnist::apps {

int run_presets(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help");
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc,
                          "Usage: clmnist presets\n\nLists the presets of clmnist train and "
                          "bench: the network (for MNIST's 28x28 images and 10 classes), the "
                          "tutorial and protocol each reproduces, its published figures and "
                          "its settings.\n\nExample:\n  clmnist presets",
                          vm)) {
    return 0;
  }
  // Fitted to the terminal as --help is (80 columns where it is not one).
  std::ostringstream text;
  for (const model::Preset& p : model::presets()) {
    text << p.name;
    for (const std::string& a : p.aliases) {
      text << " (alias " << a << (a == "theano" ? ", the default" : "") << ")";
    }
    const runtime::NetworkSpec net = model::network_for(p.config, 28, 28, 10);
    text << "\n  network:    " << net.describe() << ", " << net.param_count()
         << " parameters\n  reproduces: " << p.reproduces << "\n  published:  " << p.published
         << "\n  settings:   " << model::describe(p.config) << "\n";
  }
  std::cout << wrap_text(text.str(), text_width());
  return 0;
}

}  // namespace clmnist::apps
