// `clmnist devices`: every platform and device, and the host backend.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "platforms.hpp"

namespace clmnist::apps {

int run_devices(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help");
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc,
                          "Usage: clmnist devices\n\nLists every OpenCL platform and device (flat "
                          "index, P:D address, type, compute units, global memory, OpenCL C "
                          "version, fp64, name, vendor, platform, driver) and the built-in host "
                          "backend. Use the index, P:D or part of the name with --device.\n\n"
                          "Example:\n  clmnist devices\n  clmnist train --device 0:0",
                          vm)) {
    return 0;
  }
  std::cout << runtime::format_device_table(runtime::list_devices());
  return 0;
}

}  // namespace clmnist::apps
