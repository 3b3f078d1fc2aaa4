// What a run measures of its device work: kernel times from profiling events and program builds.
// Apart from backend.hpp so that the OpenCL context (cl_context.hpp) needs nothing of the
// generic backend interface.
#pragma once

#include <cstddef>
#include <string>

namespace clmnist::runtime {

// Time spent in one kernel (or library call), summed over calls, from profiling events.
struct KernelTime {
  std::string kernel;
  std::size_t calls = 0;
  double total_seconds = 0.0;
};

// One program build: from source, or from the persistent binary cache.
struct BuildRecord {
  std::string program;
  double seconds = 0.0;
  bool from_cache = false;
  std::string options;  // the build options given to the driver
  std::string log;      // the driver's build log of a source build (BackendOptions::build_logs)
};

}  // namespace clmnist::runtime
