// Large host buffers on transparent huge pages. A fresh 4 KiB page costs one fault on first touch,
// and in a virtual machine a fault can cost 10 us: the faults of writing MNIST's 55 MB into fresh
// memory were most of the default run's 0.6 s start-up (docs/PERFORMANCE.md, "Start-up"). 2 MiB
// pages cut the faults 512-fold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace clmnist::runtime {

// Asks the kernel to back the whole 2 MiB pages inside [p, p + bytes) with huge pages on first
// touch. Advice only: a kernel without transparent huge pages (or another OS) ignores it.
void advise_huge_pages(void* p, std::size_t bytes);

// v.reserve(bytes), advised as above before anything touches it (a vector's resize or assign
// would otherwise fault every 4 KiB page while zero-filling or copying).
void reserve_huge(std::vector<std::uint8_t>& v, std::size_t bytes);

// The bytes this process can still hope to allocate: the kernel's MemAvailable, and no more
// than the address-space limit (ulimit -v) where one is set; 0 when neither is known. An OpenCL
// CPU device's buffers are host memory, whatever memory size the driver reports.
std::uint64_t host_memory_available();

// An uninitialised block of host memory aligned to 2 MiB (so also to any OpenCL base-address
// alignment) and advised as above; for buffers an OpenCL CPU device uses in place.
class HostBlock {
 public:
  explicit HostBlock(std::size_t bytes);
  std::uint8_t* data() const { return p_.get(); }
  std::size_t size() const { return bytes_; }

 private:
  struct Free {
    void operator()(std::uint8_t* p) const;
  };
  std::unique_ptr<std::uint8_t, Free> p_;
  std::size_t bytes_ = 0;
};

}  // namespace clmnist::runtime
