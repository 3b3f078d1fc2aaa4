// What clmnist knows about a compute device, OpenCL or the built-in host backend. Plain data, no
// OpenCL types, so selection logic and listings are testable on fake device lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clmnist::runtime {

enum class DeviceType { kGpu, kAccelerator, kCpu, kHost, kOther };

const char* to_string(DeviceType type);

struct DeviceDesc {
  std::size_t flat_index = 0;  // position in the `clmnist devices` listing
  int platform_index = -1;     // -1 for the host backend
  int device_index = -1;
  DeviceType type = DeviceType::kOther;
  std::string name;
  std::string vendor;
  std::string platform;
  std::string driver_version;
  std::string versions;          // device and platform version strings ("... PoCL 3.1 ...")
  std::string device_version;    // CL_DEVICE_VERSION alone
  std::string platform_version;  // CL_PLATFORM_VERSION alone
  std::string platform_short;    // "pocl", "rusticl", "nvidia", ...: see platform_short_name
  std::string opencl_c_version;  // e.g. "OpenCL C 1.2 pocl"
  bool unified_memory = true;    // CL_DEVICE_HOST_UNIFIED_MEMORY; false means a discrete device
  std::uint32_t compute_units = 0;
  std::uint64_t global_memory = 0;
  std::uint64_t max_allocation = 0;
  std::size_t max_work_group = 0;
  std::uint32_t preferred_float_vector = 0;
  bool fp64 = false;
  std::uint32_t max_clock_mhz = 0;  // 0: not reported (the host backend)
  std::uint64_t local_memory = 0;   // 0: not reported (the host backend)
  std::string pci_bus_id;           // "0000:01:00.0" (cl_khr_pci_bus_info); empty: not reported
  std::string uuid;                 // cl_khr_device_uuid, 8-4-4-4-12 hex; empty: not reported
  // "<platform short name>/<device name>[#n]": unlike P:D it does not move when a platform is
  // added or removed before this one. Set by assign_stable_addresses; "host" for the host backend.
  std::string stable_address;

  bool is_host() const { return type == DeviceType::kHost; }
  // "P:D" for OpenCL devices, "host" for the host backend.
  std::string address() const;
};

// One OpenCL platform as listed, also one without devices or whose devices could not be listed.
struct PlatformDesc {
  int index = 0;
  std::string name, short_name, vendor, version;
  std::size_t device_count = 0;
  std::string error;  // why its devices could not be listed; empty when they were
  std::string hint;   // what to try when it lists no device; empty when it lists some
};

struct DeviceListing {
  std::vector<PlatformDesc> platforms;
  std::vector<DeviceDesc> devices;  // OpenCL devices in platform order, then the host backend
};

// A short lowercase name for a platform, stable across driver versions: "pocl" for Portable
// Computing Language, "nvidia", "amd", "intel", "rusticl", "clover", ...; else the name's first
// word, lowercased.
std::string platform_short_name(const std::string& platform_name);

// Sets every device's stable_address: the platform short name, '/', the device name, and "#2",
// "#3", ... for the second and later devices of the same platform short name and device name.
void assign_stable_addresses(std::vector<DeviceDesc>& devices);

// What to try when a platform lists no devices (Mesa's rusticl enables none by default).
std::string empty_platform_hint(const std::string& platform_name);

// The entry for the built-in host backend, listed after the OpenCL devices.
DeviceDesc host_device_desc(std::size_t flat_index);

// A table of every device, one per line, as `clmnist devices` prints it; columns as wide as
// their longest entry.
std::string format_device_table(const std::vector<DeviceDesc>& devices);
// The same in fewer columns, for `width` columns: index, P:D, type, compute units, memory and
// the stable address (with the name where the address lacks it), wrapped under its column.
std::string format_device_table_compact(const std::vector<DeviceDesc>& devices, std::size_t width);

// The platforms without devices, and those that failed, one line each with the error or hint;
// empty when every platform listed a device.
std::string format_platform_notes(const std::vector<PlatformDesc>& platforms);

}  // namespace clmnist::runtime
