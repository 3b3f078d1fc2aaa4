// Test-only fault injection: a spec <call>[:<n>] (the programs take it from CLMNIST_FAULT; <call>
// may be clBuildProgram/<program> to fail the builds of one cl/<program>.cl only) makes
// the n-th (default first) pass through fault_point(<call>) throw as if that OpenCL call had failed
// with CL_OUT_OF_RESOURCES (for clBuildProgram, the program is given a syntax error so the driver
// really fails and really returns a build log). PoCL does not enforce its memory limit and cannot
// be made to fail on demand, so the failure paths are tested through these points. Unset, it costs
// one atomic load.
#pragma once

#include <string>

namespace clmnist::runtime {

// Sets the spec for the whole process (empty: off). Called once, before any device work.
void set_fault_injection(const std::string& spec);

// True (once) when the spec names this call and its count is reached.
bool fault_active(const char* call);

// Throws DeviceError when fault_active(call).
void fault_point(const char* call);

}  // namespace clmnist::runtime
