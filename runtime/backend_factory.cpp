// make_backend: the host backend for the host entry, an OpenCL backend for any other device.
#include "backend.hpp"
#include "host_backend.hpp"
#ifdef CLMNIST_WITH_OPENCL
#include "opencl_backend.hpp"
#endif
#include "errors.hpp"

namespace clmnist::runtime {

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
