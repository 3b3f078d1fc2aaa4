// Reader for IDX files (the original MNIST format), raw or gzip-compressed. Every header field is
// checked against the file before anything sized by it is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clmnist::model {

struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t header_bytes = 0;     // 4 + 4 * dims
  std::uint64_t payload_bytes = 0;  // product of dims, overflow-checked
};

// Largest payload accepted (8 GiB): a header asking for more is rejected before any allocation.
constexpr std::uint64_t kMaxIdxPayload = 8ull << 30;

// Parses and checks an IDX uint8 header from the first `size` bytes. `name` is used in errors.
// Throws DataError; `size` may exceed the header.
IdxHeader parse_idx_header(const std::uint8_t* bytes, std::size_t size, unsigned expected_ndims,
                           const std::string& name);

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

// Parses a whole in-memory IDX file (exactly header + payload bytes).
IdxArray parse_idx(const std::uint8_t* bytes, std::size_t size, unsigned expected_ndims,
                   const std::string& name);

// Reads an IDX file, raw or .gz. Throws DataError naming the file and the problem.
IdxArray read_idx(const std::string& path, unsigned expected_ndims);

}  // namespace clmnist::model
