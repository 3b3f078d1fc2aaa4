// Host buffers on transparent huge pages: aligned, sized, contents kept, and (where the kernel
// offers huge pages on advice) really backed by them.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "host_memory.hpp"

using clmnist::runtime::HostBlock;
using clmnist::runtime::reserve_huge;

namespace {

// The AnonHugePages of the mapping holding p in /proc/self/smaps, in kB; -1 where unknown.
long anon_huge_kb(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      return std::stol(line.substr(14));
    }
  }
  return -1;
}

bool huge_pages_on_advice() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  return s.find("[always]") != std::string::npos || s.find("[madvise]") != std::string::npos;
}

}  // namespace

TEST_CASE("a host block is 2 MiB aligned, holds its size and sits on huge pages", "[memory]") {
  const std::size_t bytes = (std::size_t{16} << 20) + 5;
  HostBlock block(bytes);
  CHECK(block.size() == bytes);
  CHECK(reinterpret_cast<std::uintptr_t>(block.data()) % (std::uintptr_t{2} << 20) == 0);
  for (std::size_t i = 0; i < bytes; ++i) block.data()[i] = static_cast<std::uint8_t>(i);
  CHECK(block.data()[bytes - 1] == static_cast<std::uint8_t>(bytes - 1));
  if (huge_pages_on_advice()) CHECK(anon_huge_kb(block.data()) >= 2048);
  HostBlock empty(0);
  CHECK(empty.data() != nullptr);
}

TEST_CASE("reserve_huge reserves, keeps what a vector holds, and advises fresh blocks",
          "[memory]") {
  std::vector<std::uint8_t> v = {1, 2, 3};
  reserve_huge(v, 100);
  CHECK(v.capacity() >= 100);
  CHECK(v == std::vector<std::uint8_t>{1, 2, 3});
  std::vector<std::uint8_t> big;
  reserve_huge(big, std::size_t{32} << 20);
  const std::uint8_t* before = big.data();
  big.resize(std::size_t{32} << 20, 7);
  CHECK(big.data() == before);  // the reservation was used, not replaced
  // The vector's block starts off a 2 MiB boundary: its head stays on small pages, the middle not.
  if (huge_pages_on_advice()) CHECK(anon_huge_kb(big.data() + (std::size_t{16} << 20)) >= 2048);
}
