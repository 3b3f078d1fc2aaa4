// Device descriptions: names of types, the host backend's entry and the listing table.
#include "device_info.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "shown_text.hpp"
#include "text.hpp"

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
  d.platform_short = "host";
  d.stable_address = "host";
  d.compute_units = 1;
  d.fp64 = true;
  return d;
}

std::string platform_short_name(const std::string& platform_name) {
  const std::string lower = lowercase(platform_name);
  static const struct {
    const char* contains;
    const char* short_name;
  } kKnown[] = {{"portable computing language", "pocl"}, {"rusticl", "rusticl"},
                {"clover", "clover"},   {"nvidia", "nvidia"},
                {"amd accelerated", "amd"}, {"intel", "intel"},
                {"apple", "apple"},     {"oclgrind", "oclgrind"}};
  for (const auto& k : kKnown) {
    if (lower.find(k.contains) != std::string::npos) return k.short_name;
  }
  std::string word;
  for (char c : lower) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      word += c;
    } else if (!word.empty()) {
      break;
    }
  }
  return word.empty() ? "platform" : word;
}

void assign_stable_addresses(std::vector<DeviceDesc>& devices) {
  std::map<std::string, int> seen;
  for (DeviceDesc& d : devices) {
    if (d.is_host()) {
      d.stable_address = "host";
      continue;
    }
    const std::string base = d.platform_short + "/" + d.name;
    const int n = ++seen[base];
    d.stable_address = n == 1 ? base : base + "#" + std::to_string(n);
  }
}

std::string empty_platform_hint(const std::string& platform_name) {
  if (platform_short_name(platform_name) == "rusticl") {
    return "Mesa's rusticl enables no driver by default: set RUSTICL_ENABLE=<driver>, e.g. "
           "RUSTICL_ENABLE=llvmpipe (CPU), radeonsi (AMD) or iris (Intel)";
  }
  return "the platform's driver found no device it supports (check its installation and that "
         "the hardware is visible to this user)";
}

namespace {

// Left-aligned columns, each as wide as its longest cell; the last column is not padded. With a
// `width`, the last column's cells are wrapped to what is left of it, continued under the column.
std::string aligned(const std::vector<std::vector<std::string>>& rows, std::size_t width = 0) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::size_t start = 0;
    for (std::size_t c = 0; c + 1 < row.size(); ++c) {
      out += row[c] + std::string(widths[c] - display_width(row[c]) + 2, ' ');
      start += widths[c] + 2;
    }
    std::string last = row.empty() ? "" : row.back();
    if (width > start) {
      last = wrap_line(last, width - start, 0);
      for (std::size_t at = last.find('\n'); at != std::string::npos;
           at = last.find('\n', at + 1)) {
        last.insert(at + 1, start, ' ');
      }
    }
    out += last + "\n";
  }
  return out;
}

// The memory column: GiB of global memory, or "system" for the host backend.
std::string memory_cell(const DeviceDesc& d) {
  if (d.is_host()) return "system";
  char mem[32];
  std::snprintf(mem, sizeof mem, "%.1f GiB",
                static_cast<double>(d.global_memory) / (1024.0 * 1024.0 * 1024.0));
  return mem;
}

}  // namespace

std::string format_device_table(const std::vector<DeviceDesc>& devices) {
  std::vector<std::vector<std::string>> rows = {{"#", "P:D", "address", "type", "CUs", "memory",
                                                 "OpenCL C", "fp64",
                                                 "name / vendor / platform / driver"}};
  for (const DeviceDesc& d : devices) {
    std::string cver = d.opencl_c_version;
    if (cver.rfind("OpenCL C ", 0) == 0) cver = cver.substr(9, 3);
    // The driver's texts are shown escaped: a table line never holds a control byte.
    rows.push_back(
        {std::to_string(d.flat_index), d.address(),
         shown_text(d.stable_address.empty() ? d.address() : d.stable_address), to_string(d.type),
         std::to_string(d.compute_units), memory_cell(d), shown_text(cver), d.fp64 ? "yes" : "no",
         shown_text(d.name + " / " + d.vendor + " / " + d.platform + " / " + d.driver_version)});
  }
  return aligned(rows);
}

std::string format_device_table_compact(const std::vector<DeviceDesc>& devices, std::size_t width) {
  std::vector<std::vector<std::string>> rows = {
      {"#", "P:D", "type", "CUs", "memory", "address / name"}};
  for (const DeviceDesc& d : devices) {
    // The stable address of an OpenCL device holds its name; the host's ("host") does not.
    const std::string address = d.stable_address.empty() ? d.address() : d.stable_address;
    rows.push_back({std::to_string(d.flat_index), d.address(), to_string(d.type),
                    std::to_string(d.compute_units), memory_cell(d),
                    shown_text(address.find(d.name) == std::string::npos ? address + " / " + d.name
                                                                         : address)});
  }
  return aligned(rows, width);
}

std::string format_platform_notes(const std::vector<PlatformDesc>& platforms) {
  std::string out;
  for (const PlatformDesc& p : platforms) {
    if (p.error.empty() && p.device_count > 0) continue;
    out += "platform " + std::to_string(p.index) + " (" + shown_text(p.name + ", " + p.version) +
           "): ";
    out += p.error.empty() ? "no devices; " + p.hint : "devices not listed: " + shown_text(p.error);
    out += "\n";
  }
  return out;
}

}  // namespace clmnist::runtime
