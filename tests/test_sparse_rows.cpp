// The sparse index builder against the plain definition: every non-zero pixel of every row, in
// column order, and nothing past a row's pixels.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "sparse_rows.hpp"

using clmnist::runtime::sparse_rows;
using clmnist::runtime::SparseRows;

namespace {

struct Plain {
  std::vector<std::uint32_t> start{0};
  std::vector<std::uint16_t> index;
  std::vector<std::uint8_t> value;
};

Plain plain_index(const std::vector<std::uint8_t>& x, std::size_t rows, std::size_t stride,
                  std::size_t features) {
  Plain p;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < features; ++j) {
      if (x[r * stride + j] != 0) {
        p.index.push_back(static_cast<std::uint16_t>(j));
        p.value.push_back(x[r * stride + j]);
      }
    }
    p.start.push_back(static_cast<std::uint32_t>(p.index.size()));
  }
  return p;
}

void check_same(const SparseRows& s, const Plain& p) {
  REQUIRE(s.nonzeros == p.index.size());
  CHECK(std::vector<std::uint32_t>(s.start(), s.start() + s.rows + 1) == p.start);
  CHECK(std::vector<std::uint16_t>(s.index(), s.index() + s.nonzeros) == p.index);
  CHECK(std::vector<std::uint8_t>(s.value(), s.value() + s.nonzeros) == p.value);
}

}  // namespace

TEST_CASE("the sparse index lists exactly each row's non-zero pixels", "[sparse]") {
  std::mt19937 rng(7);
  // Widths below, at and past a word of 8, and MNIST's; padding bytes past the pixels are set
  // (the index must ignore them).
  for (std::size_t features : {1u, 7u, 8u, 13u, 784u}) {
    const std::size_t stride = (features + 15) / 16 * 16 + 16, rows = 37;
    INFO(features << " pixels");
    std::vector<std::uint8_t> x(rows * stride, 0xab);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < features; ++j) {
        // Row 0 all zero, row 1 all set, the others with runs of zeros (whole zero words) and
        // scattered pixels.
        const bool on = r == 1 || (r != 0 && (j / 8 + r) % 3 != 0 && rng() % 4 != 0);
        x[r * stride + j] = on ? static_cast<std::uint8_t>(1 + rng() % 255) : 0;
      }
    }
    const SparseRows s = sparse_rows(x.data(), rows, stride, features);
    check_same(s, plain_index(x, rows, stride, features));
    CHECK(s.start()[1] == 0);
    CHECK(s.start()[2] == features);
    // Each array at a 4 KiB boundary of the block, as a CPU device takes it in place.
    CHECK(reinterpret_cast<std::uintptr_t>(s.block->data()) % 4096 == 0);
    CHECK(s.index_offset % 4096 == 0);
    CHECK(s.value_offset % 4096 == 0);
  }
}

TEST_CASE("the sparse index of no rows, and of rows too wide for it", "[sparse]") {
  const SparseRows none = sparse_rows(nullptr, 0, 16, 10);
  CHECK(none.nonzeros == 0);
  CHECK(none.start()[0] == 0);
  std::vector<std::uint8_t> zeros(16 * 3, 0);
  const SparseRows empty = sparse_rows(zeros.data(), 3, 16, 16);
  CHECK(empty.nonzeros == 0);
  CHECK(std::vector<std::uint32_t>(empty.start(), empty.start() + 4) ==
        std::vector<std::uint32_t>(4, 0));
  std::vector<std::uint8_t> wide(65537, 1);
  CHECK_THROWS_AS(sparse_rows(wide.data(), 1, 65537, 65537), std::invalid_argument);
  CHECK_THROWS_WITH(sparse_rows(wide.data(), 1, 65537, 65537), Catch::Contains("65,536"));
}
