// The registry of OpenCL kernel families: each family is one object that says what it runs (its
// refusal of a network, with the reason), its tunables and the tuner's grid of them, the cl/
// programs it builds and the variants of them the compile matrix checks, and how it compiles a
// network. The planner, the
// program variants, the sources hash and the commands (through backend.hpp's kernel_families)
// enumerate it; nothing else lists families. Internal to runtime/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "opencl_backend.hpp"

namespace clmnist::runtime {

struct KernelFamily {
  Impl impl;
  const char* name;
  const char* runs;                  // what networks it runs, one line
  std::vector<const char*> sources;  // the cl/<name>.cl programs it builds
  const char* tunable_scope;         // how its tunables apply ("every layer", ...)
  std::vector<std::string> (*tunable_names)();  // nullptr: none
  // Why it cannot run `net` with `options` ("": it can).
  std::string (*unfit)(const NetworkSpec& net, const CompileOptions& options);
  std::unique_ptr<Executable> (*make)(OpenClBackend& be, const NetworkSpec& net,
                                      const CompileOptions& options);
  // "cl/<file>.cl <defines>" for each program it would build (nullptr: none of its own).
  std::vector<std::string> (*programs)(const DeviceDesc& device, const NetworkSpec& net,
                                       const CompileOptions& options);
  // The tuner's grid: the tunable sets worth measuring for `net`, the likeliest first (nullptr:
  // the family as it is). The values' ranges and defaults are checked where the family reads
  // them (its *_tuning function).
  std::vector<Tunables> (*grid)(const NetworkSpec& net);
};

const std::vector<KernelFamily>& registered_families();
// The family of a forced --impl; throws std::logic_error for auto and cpu (the planner's).
const KernelFamily& registered_family(Impl impl);

}  // namespace clmnist::runtime
