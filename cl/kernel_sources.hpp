// The OpenCL C sources of cl/*.cl, embedded at build time (cmake/EmbedCl.cmake).
#pragma once

namespace clmnist::kernels {

// Source text of cl/<name>.cl with its includes inlined; throws std::logic_error if unknown.
const char* find_source(const char* name);

}  // namespace clmnist::kernels
