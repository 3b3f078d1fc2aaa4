// A raw or gzip-compressed input file read through zlib, which passes a raw file through: the one
// reader of the IDX loader (idx.cpp) and of fetch's checks (mnist_fetch.cpp). Internal to model/.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

namespace clmnist::model {

class GzipInput {
 public:
  // Opens `path`, a regular file (input_problem's checks first: a FIFO would hang gzread).
  // Throws DataError naming it.
  explicit GzipInput(const std::string& path);
  // Up to n bytes, fewer only at the end of the data. Throws DataError naming the file when the
  // compressed data is corrupt.
  std::size_t read(void* out, std::size_t n);

 private:
  struct Closer {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::unique_ptr<std::remove_pointer_t<gzFile>, Closer> file_;
  std::string path_;
};

}  // namespace clmnist::model
