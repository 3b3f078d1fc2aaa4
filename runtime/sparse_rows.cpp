// Building the sparse index (sparse_rows.hpp). For MNIST's 70,000 rows, 55 MB, this runs once at
// start-up, so it reads eight pixels a step and writes without a branch per pixel.
#include "sparse_rows.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace clmnist::runtime {
namespace {

constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
constexpr std::size_t kAlign = 4096;

std::uint64_t word_at(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The high bit of each byte of w that is not zero.
std::uint64_t nonzero_bytes(std::uint64_t w) { return (((w & kLow7) + kLow7) | w) & ~kLow7; }

// Row r's non-zero count among its first `features` bytes.
std::size_t row_count(const std::uint8_t* row, std::size_t features) {
  std::size_t n = 0, j = 0;
  for (; j + 8 <= features; j += 8) {
    n += static_cast<std::size_t>(__builtin_popcountll(nonzero_bytes(word_at(row + j))));
  }
  for (; j < features; ++j) n += row[j] != 0;
  return n;
}

// Writes row's non-zero columns and values at index and value; returns how many. Each pixel of a
// non-zero word is written and kept only when it is not zero, so index and value need one entry
// of room past the row's last (the next row's first, or the arrays' spare entry).
std::size_t row_fill(const std::uint8_t* row, std::size_t features, std::uint16_t* index,
                     std::uint8_t* value) {
  std::size_t n = 0, j = 0;
  const auto put = [&](std::size_t col) {
    index[n] = static_cast<std::uint16_t>(col);
    value[n] = row[col];
    n += row[col] != 0;
  };
  for (; j + 8 <= features; j += 8) {
    if (word_at(row + j) == 0) continue;  // background: most words of an MNIST row
    for (std::size_t k = 0; k < 8; ++k) put(j + k);
  }
  for (; j < features; ++j) put(j);
  return n;
}

std::size_t aligned(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

SparseRows sparse_rows(const std::uint8_t* x, std::size_t rows, std::size_t stride,
                       std::size_t features) {
  if (features > 65536) {
    throw std::invalid_argument("images of " + std::to_string(features) +
                                " pixels are over the sparse index's 65,536");
  }
  std::vector<std::uint32_t> counts(rows);
  std::size_t total = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    counts[r] = static_cast<std::uint32_t>(row_count(x + r * stride, features));
    total += counts[r];
  }
  if (total > 0xffffffffu) {
    throw std::invalid_argument("the dataset's " + std::to_string(total) +
                                " non-zero pixels are over the sparse index's 2^32");
  }
  SparseRows s;
  s.rows = rows;
  s.nonzeros = total;
  // One spare entry each: row_fill may write one past the last row's pixels.
  s.index_offset = aligned((rows + 1) * 4);
  s.value_offset = s.index_offset + aligned((total + 1) * 2);
  s.block = std::make_unique<HostBlock>(s.value_offset + total + 1);
  auto* start = reinterpret_cast<std::uint32_t*>(s.block->data());
  auto* index = reinterpret_cast<std::uint16_t*>(s.block->data() + s.index_offset);
  std::uint8_t* value = s.block->data() + s.value_offset;
  start[0] = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t at = start[r];
    const std::size_t n = row_fill(x + r * stride, features, index + at, value + at);
    if (n != counts[r]) throw std::logic_error("sparse index: the two passes disagree");
    start[r + 1] = static_cast<std::uint32_t>(at + n);
  }
  return s;
}

}  // namespace clmnist::runtime
