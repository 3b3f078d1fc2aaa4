// libFuzzer target for the option parser: the bytes are a command line (arguments separated by
// NUL bytes; one that starts with "cfg:" becomes a config file given with --config) for options
// of every kind train has. Only UsageError may escape, and every setting that parses is valid
// text for the settings table or refused with std::invalid_argument.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "train_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace clmnist;
  using namespace clmnist::apps;
  std::vector<std::string> args = {"train"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  args.push_back(current);
  static const std::string cfg = "/tmp/clmnist-fuzz-options-" + std::to_string(::getpid());
  for (std::string& a : args) {
    if (a.rfind("cfg:", 0) != 0) continue;
    if (FILE* f = std::fopen(cfg.c_str(), "wb")) {
      std::fwrite(a.data() + 4, 1, a.size() - 4, f);
      std::fclose(f);
    }
    a = "--config=" + cfg;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());

  std::string save_model, plot_dir;
  bool quiet = false;
  Whole count{10};
  std::vector<std::string> images;
  DeviceOptions dev;
  po::options_description desc("Options");
  desc.add_options()("save-model", po::value(&save_model)->default_value("m.safetensors"), "")(
      "plot-dir", po::value(&plot_dir), "")                     //
      ("quiet,q", po::bool_switch(&quiet), "")                  //
      ("count,n", po::value(&count)->default_value(count), "")  //
      ("image", po::value(&images)->composing(), "");
  for (const model::Setting& s : model::train_settings()) {
    if (s.option != nullptr) desc.add_options()(s.option, po::value<std::string>(), s.help);
  }
  add_device_options(desc, dev, false);
  po::positional_options_description positional;
  positional.add("image", -1);
  po::variables_map vm;
  ValueOrigins origins;
  try {
    if (!parse_command_line(static_cast<int>(argv.size()), argv.data(), desc, "usage", vm,
                            &positional, &origins)) {
      return 0;  // --help
    }
  } catch (const UsageError&) {
    return 0;
  }
  model::TrainConfig c;
  for (const model::Setting& s : model::train_settings()) {
    if (s.option == nullptr || vm.count(s.option) == 0U) continue;
    try {
      model::parse_setting(c, s, vm[s.option].as<std::string>());
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
