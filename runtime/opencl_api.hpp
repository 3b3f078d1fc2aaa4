// The one place that includes the Khronos C++ bindings, configured for OpenCL 1.2 with exceptions.
// Private to runtime/: no OpenCL type appears in a header that model/ or apps/ include.
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#define CL_HPP_TARGET_OPENCL_VERSION 120
#define CL_HPP_MINIMUM_OPENCL_VERSION 120
#define CL_HPP_ENABLE_EXCEPTIONS
#include <CL/opencl.hpp>
#include <string>

namespace clmnist::runtime {

// "CL_OUT_OF_RESOURCES" for -5, and so on; "unknown OpenCL error" otherwise.
const char* cl_error_name(int code);

// Turns an exception from the bindings into a DeviceError naming the call, the code and `what`.
[[noreturn]] void rethrow_cl_error(const cl::Error& e, const std::string& what);

}  // namespace clmnist::runtime
