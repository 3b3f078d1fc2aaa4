// Test-only fault injection: CLMNIST_FAULT=<call>[:<n>] makes the n-th (default first) pass through
// fault_point(<call>) throw as if that OpenCL call had failed with CL_OUT_OF_RESOURCES. PoCL does
// not enforce its memory limit and cannot be made to fail on demand, so the failure paths are
// tested through these points. Unset, it costs one string compare per point.
#pragma once

namespace clmnist::runtime {

// Throws DeviceError when CLMNIST_FAULT names this call (and its count is reached).
void fault_point(const char* call);

}  // namespace clmnist::runtime
