// Device selection: one ranking for `auto`, exact matches for types, addresses and indices, and
// substring matches for names, with an error that lists what exists when nothing matches.
#include "device_select.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include "errors.hpp"
#include "text.hpp"

namespace clmnist::runtime {
namespace {

[[noreturn]] void not_found(const std::vector<DeviceDesc>& devices, const std::string& spec,
                            const std::string& why) {
  throw DeviceNotFound("no device matches --device '" + spec + "': " + why +
                       ".\nDevices on this machine:\n" + format_device_table(devices) +
                       "Use one of: auto, host, cpu, gpu, accelerator, P:D, a listed address "
                       "(platform/name[#n], pci:BUS-ID, uuid:UUID), a listed index, or a part of a "
                       "name or vendor.");
}

// auto: discrete GPU, then any GPU, an accelerator, an OpenCL CPU device, then the host backend.
Selection select_auto(const std::vector<DeviceDesc>& devices) {
  struct Rank {
    int rank;
    const char* why;
  };
  auto rank_of = [](const DeviceDesc& d) -> Rank {
    switch (d.type) {
      case DeviceType::kGpu:
        return d.unified_memory ? Rank{1, "a GPU (integrated; no discrete GPU found)"}
                                : Rank{0, "a discrete GPU"};
      case DeviceType::kAccelerator:
        return {2, "an accelerator (no GPU found)"};
      case DeviceType::kCpu:
        return {3, "an OpenCL CPU device (no GPU or accelerator found)"};
      case DeviceType::kOther:
        return {4, "an OpenCL device of another type"};
      case DeviceType::kHost:
        return {5, "the host backend (no OpenCL device found)"};
    }
    return {6, ""};
  };
  std::size_t best = devices.size();
  Rank best_rank{99, ""};
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const Rank r = rank_of(devices[i]);
    if (r.rank < best_rank.rank) {
      best = i;
      best_rank = r;
    }
  }
  if (best == devices.size()) not_found(devices, "auto", "the device list is empty");
  return {best, std::string("auto chose ") + best_rank.why};
}

}  // namespace

Selection select_device(const std::vector<DeviceDesc>& devices, const std::string& spec_in) {
  const std::string spec = lowercase(spec_in);
  if (spec.empty()) not_found(devices, spec_in, "the device name is empty");
  if (spec == "auto") return select_auto(devices);
  if (spec == "all") not_found(devices, spec_in, "'all' is only accepted by `clmnist bench`");

  const struct {
    const char* word;
    DeviceType type;
  } kTypes[] = {{"host", DeviceType::kHost},
                {"cpu", DeviceType::kCpu},
                {"gpu", DeviceType::kGpu},
                {"accelerator", DeviceType::kAccelerator}};
  for (const auto& t : kTypes) {
    if (spec != t.word) continue;
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (devices[i].type == t.type) return {i, "first " + std::string(t.word) + " device"};
    }
    std::string why = std::string("there is no ") + t.word + " device";
    if (t.type == DeviceType::kCpu) why += " in OpenCL (use --device host for the built-in one)";
    not_found(devices, spec_in, why);
  }

  static const std::regex kAddress(R"(^(\d+):(\d+)$)");
  std::smatch m;
  if (std::regex_match(spec, m, kAddress)) {
    const int p = std::stoi(m[1]);
    const int d = std::stoi(m[2]);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (devices[i].platform_index == p && devices[i].device_index == d) {
        return {i, "platform " + m[1].str() + ", device " + m[2].str()};
      }
    }
    not_found(devices, spec_in, "there is no device " + spec);
  }
  // Stable addresses: they name the same device whatever platforms come before it.
  const struct {
    const char* prefix;
    std::string DeviceDesc::*field;
    const char* what;
  } kIds[] = {{"pci:", &DeviceDesc::pci_bus_id, "PCI bus id"}, {"uuid:", &DeviceDesc::uuid, "UUID"}};
  for (const auto& id : kIds) {
    if (spec.rfind(id.prefix, 0) != 0) continue;
    const std::string want = spec.substr(std::string(id.prefix).size());
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (!(devices[i].*id.field).empty() && lowercase(devices[i].*id.field) == want) {
        return {i, std::string("the device with ") + id.what + " " + want};
      }
    }
    not_found(devices, spec_in, std::string("no device reports the ") + id.what + " " + want);
  }
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (spec.find('/') != std::string::npos && lowercase(devices[i].stable_address) == spec) {
      return {i, "the device at " + devices[i].stable_address};
    }
  }
  static const std::regex kIndex(R"(^\d+$)");
  if (std::regex_match(spec, kIndex)) {
    const unsigned long long n = std::strtoull(spec.c_str(), nullptr, 10);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (devices[i].flat_index == n) return {i, "device #" + spec};
    }
    not_found(devices, spec_in, "there is no device #" + spec);
  }
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const DeviceDesc& d = devices[i];
    if (lowercase(d.name).find(spec) != std::string::npos ||
        lowercase(d.vendor).find(spec) != std::string::npos ||
        lowercase(d.platform).find(spec) != std::string::npos ||
        lowercase(d.versions).find(spec) != std::string::npos) {
      return {i, "first device whose name, vendor, platform or version contains '" + spec_in + "'"};
    }
  }
  not_found(devices, spec_in, "no name, vendor, platform or version contains it");
}

std::vector<Selection> select_devices(const std::vector<DeviceDesc>& devices,
                                      const std::string& spec) {
  if (lowercase(spec) != "all") return {select_device(devices, spec)};
  std::vector<Selection> all;
  for (std::size_t i = 0; i < devices.size(); ++i) all.push_back({i, "all devices"});
  return all;
}

std::string effective_device_spec(const std::string& flag_value, const char* env_value) {
  if (!flag_value.empty()) return flag_value;
  if (env_value != nullptr && *env_value != '\0') return env_value;
  return "auto";
}

}  // namespace clmnist::runtime
