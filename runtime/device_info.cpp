// Device descriptions: names of types, the host backend's entry and the listing table.
#include "device_info.hpp"

#include <cstdio>
#include <sstream>

namespace clmnist::runtime {

const char* to_string(DeviceType type) {
  switch (type) {
    case DeviceType::kGpu:
      return "GPU";
    case DeviceType::kAccelerator:
      return "accelerator";
    case DeviceType::kCpu:
      return "CPU";
    case DeviceType::kHost:
      return "host";
    case DeviceType::kOther:
      break;
  }
  return "other";
}

std::string DeviceDesc::address() const {
  if (is_host()) return "host";
  return std::to_string(platform_index) + ":" + std::to_string(device_index);
}

DeviceDesc host_device_desc(std::size_t flat_index) {
  DeviceDesc d;
  d.flat_index = flat_index;
  d.type = DeviceType::kHost;
  d.name = "clmnist host backend (C++, 1 thread)";
  d.vendor = "clmnist";
  d.platform = "host";
  d.driver_version = "built-in";
  d.opencl_c_version = "-";
  d.compute_units = 1;
  d.fp64 = true;
  return d;
}

std::string format_device_table(const std::vector<DeviceDesc>& devices) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-3s %-5s %-11s %-6s %-9s %-8s %-4s  %s\n", "#", "P:D", "type",
                "CUs", "memory", "OpenCL C", "fp64", "name / vendor / platform / driver");
  out << line;
  for (const DeviceDesc& d : devices) {
    std::string cver = d.opencl_c_version;
    if (cver.rfind("OpenCL C ", 0) == 0) cver = cver.substr(9, 3);
    const double gib = static_cast<double>(d.global_memory) / (1024.0 * 1024.0 * 1024.0);
    char mem[32];
    if (d.is_host()) {
      std::snprintf(mem, sizeof mem, "%s", "system");
    } else {
      std::snprintf(mem, sizeof mem, "%.1f GiB", gib);
    }
    std::snprintf(line, sizeof line, "%-3zu %-5s %-11s %-6u %-9s %-8s %-4s  %s / %s / %s / %s\n",
                  d.flat_index, d.address().c_str(), to_string(d.type), d.compute_units, mem,
                  cver.c_str(), d.fp64 ? "yes" : "no", d.name.c_str(), d.vendor.c_str(),
                  d.platform.c_str(), d.driver_version.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace clmnist::runtime
