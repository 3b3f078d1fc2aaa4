// libFuzzer target for the IDX reader: the bytes as an in-memory file, and as a file on disk
// (which also exercises the gzip path when they start with 1f 8b). Only DataError may escape.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "errors.hpp"
#include "idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (unsigned ndims : {1u, 3u}) {
    try {
      const auto a = clmnist::model::parse_idx(data, size, ndims, "fuzz");
      std::uint64_t n = 1;
      for (auto d : a.dims) n *= d;
      if (n != a.data.size()) __builtin_trap();  // the reader promised exactly this
    } catch (const clmnist::DataError&) {
    }
  }
  static const std::string path = "/tmp/clmnist-fuzz-idx-" + std::to_string(::getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
      clmnist::model::read_idx(path, 3);
    } catch (const clmnist::DataError&) {
    }
  }
  return 0;
}
