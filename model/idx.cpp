// IDX parsing: magic (0, 0, type 0x08, ndims), big-endian u32 sizes, uint8 payload.
#include "idx.hpp"

#include <filesystem>
#include <fstream>

#include "errors.hpp"
#include "gzip_input.hpp"
#include "host_memory.hpp"
#include "input_file.hpp"

namespace clmnist::model {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& problem) {
  throw DataError(name + ": " + problem);
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The bytes after the header must be exactly the payload the header announces.
void check_payload_size(const std::string& name, std::uint64_t have, const IdxHeader& h) {
  if (have < h.payload_bytes) {
    fail(name, "truncated: the header announces " + std::to_string(h.payload_bytes) +
                   " data bytes but the file holds " + std::to_string(have));
  }
  if (have > h.payload_bytes) {
    fail(name, std::to_string(have - h.payload_bytes) +
                   " trailing bytes after the data the header announces");
  }
}

}  // namespace

IdxHeader parse_idx_header(const std::uint8_t* bytes, std::size_t size, unsigned expected_ndims,
                           const std::string& name) {
  if (size == 0) fail(name, "the file is empty; expected an IDX file");
  if (size < 4)
    fail(name, "the file is " + std::to_string(size) + " bytes, shorter than an IDX header");
  if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
    fail(name, "the data is still gzip-compressed inside (compressed twice?); gunzip it once");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    fail(name, "wrong magic number: the first two bytes are not zero, so this is not an IDX file");
  }
  if (bytes[2] != 0x08) {
    fail(name, "unsupported IDX data type 0x" + std::string(1, "0123456789abcdef"[bytes[2] >> 4]) +
                   std::string(1, "0123456789abcdef"[bytes[2] & 15]) +
                   "; only uint8 (0x08) is read");
  }
  const unsigned ndims = bytes[3];
  if (ndims != expected_ndims) {
    fail(name, "has " + std::to_string(ndims) + " dimensions, expected " +
                   std::to_string(expected_ndims) +
                   (expected_ndims == 3 ? " (an image file)" : " (a label file)"));
  }
  IdxHeader h;
  h.header_bytes = 4 + 4 * std::size_t{ndims};
  if (size < h.header_bytes) {
    fail(name, "the file ends inside its header (" + std::to_string(size) + " of " +
                   std::to_string(h.header_bytes) + " bytes)");
  }
  std::uint64_t product = 1;
  for (unsigned d = 0; d < ndims; ++d) {
    const std::uint32_t n = be32(bytes + 4 + 4 * d);
    if (n == 0) fail(name, "dimension " + std::to_string(d) + " is zero");
    if (product > kMaxIdxPayload / n) {
      fail(name, "the header's sizes multiply to more than " +
                     std::to_string(kMaxIdxPayload >> 30) + " GiB; the header is corrupt");
    }
    product *= n;
    h.dims.push_back(n);
  }
  h.payload_bytes = product;
  return h;
}

IdxArray parse_idx(const std::uint8_t* bytes, std::size_t size, unsigned expected_ndims,
                   const std::string& name) {
  const IdxHeader h = parse_idx_header(bytes, size, expected_ndims, name);
  check_payload_size(name, size - h.header_bytes, h);
  IdxArray a;
  a.dims = h.dims;
  a.data.assign(bytes + h.header_bytes, bytes + size);
  return a;
}

IdxArray read_idx(const std::string& path, unsigned expected_ndims) {
  std::error_code ec;
  // A FIFO or device would hang gzread or read without end: regular files only.
  if (const std::string why = input_problem(path); !why.empty()) fail(path, why);
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read its size: " + ec.message());
  if (file_size == 0) fail(path, "the file is empty; expected an IDX file");

  unsigned char magic[2] = {0, 0};
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) fail(path, "cannot open it for reading (check the permissions)");
    probe.read(reinterpret_cast<char*>(magic), 2);
  }
  const bool gzipped = magic[0] == 0x1f && magic[1] == 0x8b;

  GzipInput f(path);
  std::uint8_t head[4 + 4 * 255];
  const std::size_t got = f.read(head, 4);
  std::size_t head_len = got;
  if (got == 4) head_len += f.read(head + 4, 4 * std::size_t{head[3]});
  const IdxHeader h = parse_idx_header(head, head_len, expected_ndims, path);

  if (!gzipped) {
    check_payload_size(path, file_size - h.header_bytes, h);
  } else {
    // The gzip trailer's ISIZE is the uncompressed length mod 2^32: check it before allocating.
    std::ifstream tail(path, std::ios::binary);
    tail.seekg(-4, std::ios::end);
    unsigned char isize_bytes[4] = {0, 0, 0, 0};
    tail.read(reinterpret_cast<char*>(isize_bytes), 4);
    const std::uint32_t isize =
        std::uint32_t{isize_bytes[0]} | (std::uint32_t{isize_bytes[1]} << 8) |
        (std::uint32_t{isize_bytes[2]} << 16) | (std::uint32_t{isize_bytes[3]} << 24);
    const std::uint32_t expected = static_cast<std::uint32_t>(h.header_bytes + h.payload_bytes);
    if (!tail || isize != expected) {
      fail(path, "the gzip stream is truncated or its size (" + std::to_string(isize) +
                     " bytes) disagrees with the IDX header (" + std::to_string(expected) +
                     " bytes); download the file again");
    }
  }

  IdxArray a;
  a.dims = h.dims;
  runtime::reserve_huge(a.data, static_cast<std::size_t>(h.payload_bytes));
  a.data.resize(static_cast<std::size_t>(h.payload_bytes));
  const std::size_t n = f.read(a.data.data(), a.data.size());
  if (n < a.data.size()) {
    fail(path, "truncated: the header announces " + std::to_string(h.payload_bytes) +
                   " data bytes but only " + std::to_string(n) + " could be read");
  }
  std::uint8_t extra = 0;
  if (f.read(&extra, 1) != 0) {
    fail(path, "trailing bytes after the data the header announces");
  }
  return a;
}

}  // namespace clmnist::model
