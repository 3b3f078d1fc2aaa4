// The sparse index of a dataset: the column and value of each row's non-zero pixels (compressed
// rows), for the kernels that visit only those (cl/dense.cl, cl/fused_sparse.cl). Built on the
// host in two passes over the rows, straight into one block the device can use in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "host_memory.hpp"

namespace clmnist::runtime {

struct SparseRows {
  std::size_t rows = 0, nonzeros = 0;
  // One block holding three arrays, each at a 4 KiB-aligned offset (an OpenCL CPU device takes an
  // aligned pointer as a buffer's storage): start [rows + 1] uint32 (row r's pixels are entries
  // start[r] .. start[r + 1]), index [nonzeros] uint16 (columns, increasing within a row) and
  // value [nonzeros] uint8.
  std::unique_ptr<HostBlock> block;
  std::size_t index_offset = 0, value_offset = 0;

  const std::uint32_t* start() const { return reinterpret_cast<std::uint32_t*>(block->data()); }
  const std::uint16_t* index() const {
    return reinterpret_cast<std::uint16_t*>(block->data() + index_offset);
  }
  const std::uint8_t* value() const { return block->data() + value_offset; }
};

// The index of rows [0, rows) of x ([rows x stride] bytes; the pixels are the first `features` of
// each row, and bytes past them are ignored). Throws std::invalid_argument when a row is wider
// than uint16 columns reach or the non-zero pixels overflow uint32.
SparseRows sparse_rows(const std::uint8_t* x, std::size_t rows, std::size_t stride,
                       std::size_t features);

}  // namespace clmnist::runtime
