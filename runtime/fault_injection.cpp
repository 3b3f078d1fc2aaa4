// CLMNIST_FAULT parsing and counting (see fault_injection.hpp).
#include "fault_injection.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.hpp"

namespace clmnist::runtime {

bool fault_active(const char* call) {
  const char* spec = std::getenv("CLMNIST_FAULT");
  if (spec == nullptr || *spec == '\0') return false;
  const char* colon = std::strchr(spec, ':');
  const std::size_t name_len = colon ? static_cast<std::size_t>(colon - spec) : std::strlen(spec);
  if (std::strlen(call) != name_len || std::strncmp(spec, call, name_len) != 0) return false;
  const long target = colon ? std::strtol(colon + 1, nullptr, 10) : 1;
  static std::atomic<long> hits{0};
  return ++hits == target;
}

void fault_point(const char* call) {
  if (!fault_active(call)) return;
  const char* spec = std::getenv("CLMNIST_FAULT");
  throw DeviceError(std::string("injected fault (CLMNIST_FAULT=") + spec + "): " + call +
                        " returned -5 (CL_OUT_OF_RESOURCES)",
                    -5);
}

}  // namespace clmnist::runtime
