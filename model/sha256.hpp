// SHA-256 (FIPS 180-4): the checksums that pin the MNIST files `clmnist fetch` installs, and the
// golden values of the tests. Checked against the standard's test vectors in the unit tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace clmnist::model {

// Incremental: feed bytes with update(), then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex();

 private:
  void compress(const std::uint8_t* block);
  std::uint32_t h_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(const std::string& bytes);

}  // namespace clmnist::model
