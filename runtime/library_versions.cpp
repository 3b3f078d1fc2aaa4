// Library versions from the files actually loaded (dladdr on one symbol of each, then realpath):
// the ICD loader exposes no version call, and CLBlast's header no version macro.
#include "library_versions.hpp"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <regex>

#ifdef CLMNIST_WITH_OPENCL
#include <clblast.h>

#include "opencl_api.hpp"
#endif

namespace clmnist::runtime {
#ifdef CLMNIST_WITH_OPENCL
namespace {

// The resolved file of the library holding `symbol`, led by the version in its name (x.y.z) when
// that names the library's release (CLBlast's does; the ICD loader's is only its ABI, 1.0.0).
std::string describe(const void* symbol, bool name_has_release) {
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "unknown";
  char resolved[PATH_MAX];
  const std::string file =
      realpath(info.dli_fname, resolved) != nullptr ? resolved : info.dli_fname;
  static const std::regex kVersion(R"(\.so\.(\d+\.\d+(\.\d+)?)$)");
  std::smatch m;
  if (name_has_release && std::regex_search(file, m, kVersion))
    return m[1].str() + " (" + file + ")";
  return file;
}

}  // namespace
#endif

std::vector<std::pair<std::string, std::string>> library_versions() {
  std::vector<std::pair<std::string, std::string>> out;
#ifdef CLMNIST_WITH_OPENCL
  out.emplace_back("OpenCL ICD loader",
                   describe(reinterpret_cast<const void*>(&clGetPlatformIDs), false));
  out.emplace_back("CLBlast", describe(reinterpret_cast<const void*>(&clblast::ClearCache), true));
#else
  out.emplace_back("OpenCL", "not built in (CLMNIST_WITH_OPENCL=OFF)");
#endif
  return out;
}

}  // namespace clmnist::runtime
