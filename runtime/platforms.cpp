// Platform and device enumeration through the C++ bindings.
#include "platforms.hpp"

#include <cstdio>

#include "errors.hpp"
#include "fault_injection.hpp"
#include "opencl_api.hpp"

namespace clmnist::runtime {
namespace {

DeviceType type_of(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return DeviceType::kGpu;
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return DeviceType::kAccelerator;
  if (t & CL_DEVICE_TYPE_CPU) return DeviceType::kCpu;
  return DeviceType::kOther;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<cl::Platform> get_platforms() {
  std::vector<cl::Platform> platforms;
  try {
    fault_point("clGetPlatformIDs");
    cl::Platform::get(&platforms);
  } catch (const cl::Error& e) {
    if (e.err() == CL_PLATFORM_NOT_FOUND_KHR) return {};
    rethrow_cl_error(e, "listing OpenCL platforms");
  }
  return platforms;
}

// The PCI address in the usual domain:bus:device.function form, where the device reports one.
std::string pci_bus_id(const cl::Device& dev, const std::string& extensions) {
  if (extensions.find("cl_khr_pci_bus_info") == std::string::npos) return "";
  cl_device_pci_bus_info_khr info{};
  if (clGetDeviceInfo(dev(), CL_DEVICE_PCI_BUS_INFO_KHR, sizeof info, &info, nullptr) != CL_SUCCESS)
    return "";
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x", info.pci_domain, info.pci_bus,
                info.pci_device, info.pci_function);
  return text;
}

std::string device_uuid(const cl::Device& dev, const std::string& extensions) {
  if (extensions.find("cl_khr_device_uuid") == std::string::npos) return "";
  cl_uchar bytes[CL_UUID_SIZE_KHR] = {};
  if (clGetDeviceInfo(dev(), CL_DEVICE_UUID_KHR, sizeof bytes, bytes, nullptr) != CL_SUCCESS)
    return "";
  std::string text;
  char hex[3];
  for (std::size_t i = 0; i < CL_UUID_SIZE_KHR; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
    text += hex;
  }
  return text;
}

DeviceDesc describe(const cl::Device& dev, const PlatformDesc& platform) {
  DeviceDesc desc;
  desc.type = type_of(dev.getInfo<CL_DEVICE_TYPE>());
  desc.name = trimmed(dev.getInfo<CL_DEVICE_NAME>());
  desc.vendor = trimmed(dev.getInfo<CL_DEVICE_VENDOR>());
  desc.platform = platform.name;
  desc.platform_short = platform.short_name;
  desc.platform_version = platform.version;
  desc.driver_version = trimmed(dev.getInfo<CL_DRIVER_VERSION>());
  desc.opencl_c_version = trimmed(dev.getInfo<CL_DEVICE_OPENCL_C_VERSION>());
  desc.device_version = trimmed(dev.getInfo<CL_DEVICE_VERSION>());
  desc.versions = desc.device_version + " / " + platform.version;
  desc.unified_memory = dev.getInfo<CL_DEVICE_HOST_UNIFIED_MEMORY>() != CL_FALSE;
  desc.compute_units = dev.getInfo<CL_DEVICE_MAX_COMPUTE_UNITS>();
  desc.max_clock_mhz = dev.getInfo<CL_DEVICE_MAX_CLOCK_FREQUENCY>();
  desc.global_memory = dev.getInfo<CL_DEVICE_GLOBAL_MEM_SIZE>();
  desc.local_memory = dev.getInfo<CL_DEVICE_LOCAL_MEM_SIZE>();
  desc.max_allocation = dev.getInfo<CL_DEVICE_MAX_MEM_ALLOC_SIZE>();
  desc.max_work_group = dev.getInfo<CL_DEVICE_MAX_WORK_GROUP_SIZE>();
  desc.preferred_float_vector = dev.getInfo<CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT>();
  const std::string extensions = dev.getInfo<CL_DEVICE_EXTENSIONS>();
  desc.fp64 = extensions.find("cl_khr_fp64") != std::string::npos;
  desc.pci_bus_id = pci_bus_id(dev, extensions);
  desc.uuid = device_uuid(dev, extensions);
  return desc;
}

}  // namespace

DeviceListing list_platforms() {
  DeviceListing out;
  const std::vector<cl::Platform> platforms = get_platforms();
  for (std::size_t p = 0; p < platforms.size(); ++p) {
    PlatformDesc pd;
    pd.index = static_cast<int>(p);
    std::vector<DeviceDesc> found;
    // A platform that fails is listed with its error; the others are still listed.
    try {
      pd.name = trimmed(platforms[p].getInfo<CL_PLATFORM_NAME>());
      pd.short_name = platform_short_name(pd.name);
      pd.vendor = trimmed(platforms[p].getInfo<CL_PLATFORM_VENDOR>());
      pd.version = trimmed(platforms[p].getInfo<CL_PLATFORM_VERSION>());
      std::vector<cl::Device> devices;
      try {
        fault_point("clGetDeviceIDs");
        platforms[p].getDevices(CL_DEVICE_TYPE_ALL, &devices);
      } catch (const cl::Error& e) {
        if (e.err() != CL_DEVICE_NOT_FOUND) throw;
      }
      for (const cl::Device& dev : devices) found.push_back(describe(dev, pd));
    } catch (const cl::Error& e) {
      pd.error = std::string(e.what()) + " failed with " + cl_error_name(e.err()) + " (" +
                 std::to_string(e.err()) + ")";
      found.clear();
    } catch (const DeviceError& e) {
      pd.error = e.what();
      found.clear();
    }
    pd.device_count = found.size();
    if (pd.error.empty() && found.empty()) pd.hint = empty_platform_hint(pd.name);
    for (std::size_t d = 0; d < found.size(); ++d) {
      found[d].flat_index = out.devices.size();
      found[d].platform_index = static_cast<int>(p);
      found[d].device_index = static_cast<int>(d);
      out.devices.push_back(std::move(found[d]));
    }
    out.platforms.push_back(std::move(pd));
  }
  out.devices.push_back(host_device_desc(out.devices.size()));
  assign_stable_addresses(out.devices);
  return out;
}

std::vector<DeviceDesc> list_devices() { return list_platforms().devices; }

}  // namespace clmnist::runtime
