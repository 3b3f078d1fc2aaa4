// Device listing for a build without OpenCL: the host backend alone.
#include "platforms.hpp"

namespace clmnist::runtime {

std::vector<DeviceDesc> list_devices() { return {host_device_desc(0)}; }

DeviceListing list_platforms() { return {{}, list_devices()}; }

}  // namespace clmnist::runtime
