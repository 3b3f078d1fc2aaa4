// Fault spec parsing and counting (see fault_injection.hpp).
#include "fault_injection.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.hpp"

namespace clmnist::runtime {

namespace {

// Set once by the program before any device work, read by every fault point: a process-wide
// test switch, like an environment variable, but owned by the program.
std::string g_spec;
std::atomic<bool> g_on{false};

}  // namespace

void set_fault_injection(const std::string& spec) {
  g_spec = spec;
  g_on = !spec.empty();
}

bool fault_active(const char* call) {
  if (!g_on) return false;
  const char* spec = g_spec.c_str();
  const char* colon = std::strchr(spec, ':');
  const std::size_t name_len = colon ? static_cast<std::size_t>(colon - spec) : std::strlen(spec);
  if (std::strlen(call) != name_len || std::strncmp(spec, call, name_len) != 0) return false;
  const long target = colon ? std::strtol(colon + 1, nullptr, 10) : 1;
  static std::atomic<long> hits{0};
  return ++hits == target;
}

void fault_point(const char* call) {
  if (!fault_active(call)) return;
  throw DeviceError(std::string("injected fault (CLMNIST_FAULT=") + g_spec + "): " + call +
                        " returned -5 (CL_OUT_OF_RESOURCES)",
                    -5);
}

}  // namespace clmnist::runtime
