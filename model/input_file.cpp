// input_problem and read_input_file (see input_file.hpp).
#include "input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.hpp"

namespace clmnist::model {

std::string input_problem(const std::string& path) {
  struct stat st {};
  if (path.empty()) return "the path is empty";
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "no such file" : std::string("cannot see it: ") + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) return "it is a directory, not a file";
  if (S_ISFIFO(st.st_mode)) return "it is a FIFO; clmnist reads regular files only";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    return "it is a device; clmnist reads regular files only";
  }
  if (!S_ISREG(st.st_mode)) return "it is not a regular file";
  if (::access(path.c_str(), R_OK) != 0) return "it is not readable (check its permissions)";
  return "";
}

std::string read_input_file(const std::string& path, std::uint64_t max_bytes, const char* what) {
  if (const std::string why = input_problem(path); !why.empty()) {
    throw DataError(path + ": " + why);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(path + ": cannot open it: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // checked again on what was opened
    ::close(fd);
    throw DataError(path + ": it is not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    throw DataError(path + ": it is " + std::to_string(size) + " bytes, more than " + what +
                    " can be (" + std::to_string(max_bytes) + ")");
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the file shrank: what was read is checked by its parser
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return bytes;
}

}  // namespace clmnist::model
