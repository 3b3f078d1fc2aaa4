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
  std::string opencl_c_version;  // e.g. "OpenCL C 1.2 pocl"
  bool unified_memory = true;    // CL_DEVICE_HOST_UNIFIED_MEMORY; false means a discrete device
  std::uint32_t compute_units = 0;
  std::uint64_t global_memory = 0;
  std::uint64_t max_allocation = 0;
  std::size_t max_work_group = 0;
  std::uint32_t preferred_float_vector = 0;
  bool fp64 = false;

  bool is_host() const { return type == DeviceType::kHost; }
  // "P:D" for OpenCL devices, "host" for the host backend.
  std::string address() const;
};

// The entry for the built-in host backend, listed after the OpenCL devices.
DeviceDesc host_device_desc(std::size_t flat_index);

// A table of every device, one per line, as `clmnist devices` prints it.
std::string format_device_table(const std::vector<DeviceDesc>& devices);

}  // namespace clmnist::runtime
