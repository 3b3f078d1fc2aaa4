// Transparent huge pages for large host buffers (see host_memory.hpp for why).
#include "host_memory.hpp"

#include <sys/resource.h>

#include <fstream>
#include <limits>
#include <string>

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace clmnist::runtime {

std::uint64_t host_memory_available() {
  std::uint64_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    std::uint64_t kib = 0;
    if (key == "MemAvailable:" && meminfo >> kib) {
      available = kib * 1024;
      break;
    }
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (available == 0 || limit.rlim_cur < available)) {
    available = limit.rlim_cur;
  }
  return available;
}

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
// Below this, a buffer spans too few huge pages to matter.
constexpr std::size_t kAdviseFrom = std::size_t{4} << 20;

}  // namespace

void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p == nullptr || bytes < kAdviseFrom) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHugePage - 1);
  // Failure (EINVAL where THP is compiled out) leaves ordinary pages: nothing to report.
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

void reserve_huge(std::vector<std::uint8_t>& v, std::size_t bytes) {
  if (bytes <= v.capacity()) return;
  const bool empty = v.empty();
  v.reserve(bytes);
  // Pages the old contents were moved into are touched already; advise only an untouched block.
  if (empty) advise_huge_pages(v.data(), v.capacity());
}

HostBlock::HostBlock(std::size_t bytes) : bytes_(bytes) {
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kHugePage - 1) & ~(kHugePage - 1);
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
  p_.reset(static_cast<std::uint8_t*>(p));
  advise_huge_pages(p, rounded);
}

void HostBlock::Free::operator()(std::uint8_t* p) const { std::free(p); }

}  // namespace clmnist::runtime
