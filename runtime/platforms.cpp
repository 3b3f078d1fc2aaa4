// Platform and device enumeration through the C++ bindings.
#include "platforms.hpp"

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

}  // namespace

std::vector<DeviceDesc> list_devices() {
  std::vector<DeviceDesc> out;
  const std::vector<cl::Platform> platforms = get_platforms();
  for (std::size_t p = 0; p < platforms.size(); ++p) {
    std::vector<cl::Device> devices;
    try {
      platforms[p].getDevices(CL_DEVICE_TYPE_ALL, &devices);
    } catch (const cl::Error& e) {
      if (e.err() == CL_DEVICE_NOT_FOUND) continue;
      rethrow_cl_error(e, "listing the devices of platform " + std::to_string(p));
    }
    const std::string platform_name = trimmed(platforms[p].getInfo<CL_PLATFORM_NAME>());
    const std::string platform_version = trimmed(platforms[p].getInfo<CL_PLATFORM_VERSION>());
    for (std::size_t d = 0; d < devices.size(); ++d) {
      const cl::Device& dev = devices[d];
      DeviceDesc desc;
      desc.flat_index = out.size();
      desc.platform_index = static_cast<int>(p);
      desc.device_index = static_cast<int>(d);
      desc.type = type_of(dev.getInfo<CL_DEVICE_TYPE>());
      desc.name = trimmed(dev.getInfo<CL_DEVICE_NAME>());
      desc.vendor = trimmed(dev.getInfo<CL_DEVICE_VENDOR>());
      desc.platform = platform_name;
      desc.driver_version = trimmed(dev.getInfo<CL_DRIVER_VERSION>());
      desc.opencl_c_version = trimmed(dev.getInfo<CL_DEVICE_OPENCL_C_VERSION>());
      desc.versions = trimmed(dev.getInfo<CL_DEVICE_VERSION>()) + " / " + platform_version;
      desc.unified_memory = dev.getInfo<CL_DEVICE_HOST_UNIFIED_MEMORY>() != CL_FALSE;
      desc.compute_units = dev.getInfo<CL_DEVICE_MAX_COMPUTE_UNITS>();
      desc.global_memory = dev.getInfo<CL_DEVICE_GLOBAL_MEM_SIZE>();
      desc.max_allocation = dev.getInfo<CL_DEVICE_MAX_MEM_ALLOC_SIZE>();
      desc.max_work_group = dev.getInfo<CL_DEVICE_MAX_WORK_GROUP_SIZE>();
      desc.preferred_float_vector = dev.getInfo<CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT>();
      desc.fp64 = dev.getInfo<CL_DEVICE_EXTENSIONS>().find("cl_khr_fp64") != std::string::npos;
      out.push_back(std::move(desc));
    }
  }
  out.push_back(host_device_desc(out.size()));
  return out;
}

}  // namespace clmnist::runtime
