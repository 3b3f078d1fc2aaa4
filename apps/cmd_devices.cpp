// `clmnist devices`: every platform and device, and the host backend, as a table or JSON.
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "device_json.hpp"
#include "json_text.hpp"
#include "platforms.hpp"
#include "text.hpp"

namespace clmnist::apps {

int run_devices(int argc, char** argv) {
  bool json = false, verbose = false;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("verbose,v", po::bool_switch(&verbose),
       "every column of the table however wide (by default, where it is wider than the "
       "terminal or 80 columns, the table leaves out OpenCL C, fp64, vendor, platform and "
       "driver)")  //
      ("json", po::bool_switch(&json),
       "print JSON instead of the table: every platform (also one without devices, with a hint, "
       "or one that failed, with its error) and its devices with versions, compute units, "
       "clock, memory sizes, limits, PCI bus id and UUID (null where not reported)");
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist devices [-v] [--json]\n\nLists every OpenCL platform and device (flat "
          "index, P:D address, stable address, type, compute units, global memory, OpenCL C "
          "version, fp64, name, vendor, platform, driver; fewer columns where the terminal is "
          "narrower, -v for all) and the built-in host backend, then the platforms that list no "
          "device (with what to try) or failed. Use the index, P:D, "
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
  // Fitted to the terminal as --help is (80 columns where it is not one).
  const std::size_t width = text_width();
  const std::string table = runtime::format_device_table(listing.devices);
  if (verbose || runtime::widest_line(table) <= width) {
    std::cout << table;
  } else {
    std::cout << runtime::format_device_table_compact(listing.devices, width) << "\n"
              << runtime::wrap_line(
                     "Every column (OpenCL C, fp64, vendor, platform, driver): clmnist devices -v",
                     width, 2)
              << "\n";
  }
  std::istringstream notes(runtime::format_platform_notes(listing.platforms));
  for (std::string line, gap = "\n"; std::getline(notes, line); gap.clear()) {
    std::cout << gap << runtime::wrap_line(line, width, 2) << "\n";
  }
  return 0;
}

}  // namespace clmnist::apps
