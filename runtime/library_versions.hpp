// Versions of the libraries the runtime uses, as loaded: for `clmnist --version`.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace clmnist::runtime {

// ("OpenCL ICD loader", "<resolved file>"), ("CLBlast", "<version> (<resolved file>)"), ...
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace clmnist::runtime
