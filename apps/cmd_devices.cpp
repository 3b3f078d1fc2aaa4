// `clmnist devices`: every platform and device, and the host backend, as a table or JSON.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "device_json.hpp"
#include "json_text.hpp"
#include "platforms.hpp"

namespace clmnist::apps {

int run_devices(int argc, char** argv) {
  bool json = false;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("json", po::bool_switch(&json),
       "print JSON instead of the table: every platform (also one without devices, with a hint, "
       "or one that failed, with its error) and its devices with versions, compute units, "
       "clock, memory sizes, limits, PCI bus id and UUID (null where not reported)");
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist devices [--json]\n\nLists every OpenCL platform and device (flat "
          "index, P:D address, stable address, type, compute units, global memory, OpenCL C "
          "version, fp64, name, vendor, platform, driver) and the built-in host backend, then "
          "the platforms that list no device (with what to try) or failed. Use the index, P:D, "
          "the stable address (platform/name[#n]; it does not move when another platform "
          "appears), pci:BUS-ID, uuid:UUID or part of the name with --device.\n\n"
          "Example:\n  clmnist devices\n  clmnist train --device 0:0\n"
          "  clmnist train --device 'pocl/cpu-haswell-AMD EPYC 7763 64-Core Processor'",
          vm)) {
    return 0;
  }
  const runtime::DeviceListing listing = runtime::list_platforms();
  if (json) {
    std::cout << model::json_text(devices_json(listing), 2) << "\n";
    return 0;
  }
  std::cout << runtime::format_device_table(listing.devices);
  const std::string notes = runtime::format_platform_notes(listing.platforms);
  if (!notes.empty()) std::cout << "\n" << notes;
  return 0;
}

}  // namespace clmnist::apps
