// Enumeration of every OpenCL platform and device, plus the host backend.
#pragma once

#include <vector>

#include "device_info.hpp"

namespace clmnist::runtime {

// OpenCL devices in platform order, then the host backend. An ICD loader with no platform
// (CL_PLATFORM_NOT_FOUND_KHR) or no OpenCL support compiled in means zero OpenCL devices.
std::vector<DeviceDesc> list_devices();

// The platforms too, also those with no device or whose devices could not be listed (with the
// error: one failing platform hides none of the others).
DeviceListing list_platforms();

}  // namespace clmnist::runtime
