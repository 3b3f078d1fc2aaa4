// make_backend (the host backend for the host entry, an OpenCL backend for any other device) and
// the argument checks every backend shares.
#include "backend.hpp"
#include "host_backend.hpp"
#ifdef CLMNIST_WITH_OPENCL
#include "opencl_backend.hpp"
#endif
#include <stdexcept>
#include <string>

#include "errors.hpp"

namespace clmnist::runtime {

void check_dataset_shape(const DatasetView& data, std::size_t features) {
  if (data.features != features) {
    throw std::invalid_argument("dataset has " + std::to_string(data.features) +
                                " features, the backend was configured for " +
                                std::to_string(features));
  }
}

std::string kernel_sources_hash() {
#ifdef CLMNIST_WITH_OPENCL
  return opencl_kernel_sources_hash();
#else
  return "";
#endif
}

std::vector<FamilyInfo> kernel_families() {
#ifdef CLMNIST_WITH_OPENCL
  return opencl_kernel_families();
#else
  return {};
#endif
}

std::vector<std::string> program_variants(Impl impl, const DeviceDesc& device,
                                          const NetworkSpec& net, const CompileOptions& options) {
#ifdef CLMNIST_WITH_OPENCL
  return opencl_program_variants(impl, device, net, options);
#else
  (void)impl, (void)device, (void)net, (void)options;
  return {};
#endif
}

std::unique_ptr<Backend> make_backend(const DeviceDesc& device, const BackendOptions& options) {
  if (device.is_host()) return std::make_unique<HostBackend>();
#ifdef CLMNIST_WITH_OPENCL
  return std::make_unique<OpenClBackend>(device, options);
#else
  (void)options;
  throw DeviceNotFound("this clmnist was built without OpenCL (CLMNIST_WITH_OPENCL=OFF)");
#endif
}

}  // namespace clmnist::runtime
