// `clmnist --complete-values OPTION`: the values an option takes, one a line, for the shell
// completion (completion/clmnist.bash), from the same tables the options are checked against,
// so the completion cannot drift from the program. Nothing for an option whose value is a file.
#include <iostream>
#include <string>
#include <vector>

#include "backend.hpp"
#include "commands.hpp"
#include "config_file.hpp"
#include "platforms.hpp"
#include "presets.hpp"

namespace clmnist::apps {
namespace {

std::vector<std::string> values_of(const std::string& option) {
  std::vector<std::string> out;
  if (option == "preset") {
    for (const model::Preset& p : model::presets()) {
      out.push_back(p.name);
      out.insert(out.end(), p.aliases.begin(), p.aliases.end());
    }
  } else if (option == "impl" || option == "gemm" || option == "families") {
    out = option == "families" ? std::vector<std::string>{"all", "none"}
                               : std::vector<std::string>{"auto", "cpu"};
    for (const runtime::FamilyInfo& f : runtime::kernel_families()) out.push_back(f.name);
  } else if (option == "format") {
    out = {"npy", "onnx"};
  } else if (option == "activation") {
    out = {"tanh", "relu", "none"};
  } else if (option == "device") {  // the kinds, then every device's address
    out = {"all", "cpu", "gpu", "host"};
    for (const runtime::DeviceDesc& d : runtime::list_platforms().devices) {
      if (!d.is_host()) out.push_back(d.address());
    }
  } else if (option == "help") {  // `clmnist help COMMAND`
    out = command_names();
  }
  return out;
}

}  // namespace

int print_completion_values(const std::string& option) {
  for (const std::string& v : values_of(option)) std::cout << v << "\n";
  return 0;
}

}  // namespace clmnist::apps
