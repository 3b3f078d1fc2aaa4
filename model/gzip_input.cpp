#include "gzip_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "errors.hpp"
#include "input_file.hpp"

namespace clmnist::model {

GzipInput::GzipInput(const std::string& path) : path_(path) {
  if (const std::string why = input_problem(path); !why.empty()) throw DataError(why);
  file_.reset(gzopen(path.c_str(), "rb"));
  if (!file_) {
    throw DataError(path + ": cannot open it for reading (" + std::strerror(errno) +
                    "); check the permissions");
  }
}

std::size_t GzipInput::read(void* out, std::size_t n) {
  auto* bytes = static_cast<unsigned char*>(out);
  std::size_t done = 0;
  while (done < n) {
    const int got =
        gzread(file_.get(), bytes + done,
               static_cast<unsigned>(std::min<std::size_t>(n - done, std::size_t{1} << 30)));
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(file_.get(), &errnum);
      throw DataError(path_ + ": gzip data is corrupt (" +
                      (msg != nullptr ? msg : "unknown zlib error") +
                      "); download the file again");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace clmnist::model
