// The --device grammar: auto, host, cpu, gpu, accelerator, all, P:D, a stable address
// (platform/name[#n] as `clmnist devices` lists it, pci:DOMAIN:BUS:DEV.FN, uuid:UUID), a flat
// index, or a case-insensitive substring of a device's name, vendor, platform or version strings.
// Pure logic over a device list.
#pragma once

#include <string>
#include <vector>

#include "device_info.hpp"

namespace clmnist::runtime {

struct Selection {
  std::size_t index;   // into the device list
  std::string reason;  // why this device, for the user
};

// Picks one device. Throws DeviceNotFound (listing every device) when the spec matches none,
// also for an empty spec.
Selection select_device(const std::vector<DeviceDesc>& devices, const std::string& spec);

// Every device the spec names: `all` gives the whole list, anything else one device.
std::vector<Selection> select_devices(const std::vector<DeviceDesc>& devices,
                                      const std::string& spec);

// The spec from --device if given, else CLMNIST_DEVICE, else "auto".
std::string effective_device_spec(const std::string& flag_value, const char* env_value);

}  // namespace clmnist::runtime
