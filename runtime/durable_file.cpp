// write_all, write_synced_temp and rename_synced (see durable_file.hpp).
#include "durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace clmnist::runtime {

int write_all(int fd, const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return 0;
}

int write_synced_temp(const std::string& dir, const std::string& name, const std::string& bytes,
                      std::string& tmp) {
  std::string tmpl = (std::filesystem::path(dir) / ("." + name + ".tmp-XXXXXX")).string();
  tmp.clear();
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return errno;
  tmp = tmpl;
  int err = write_all(fd, bytes);
  // Without the fsync a crash after the rename can leave the new name over zeroed blocks.
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) ::unlink(tmpl.c_str());
  return err;
}

int rename_synced(const std::string& tmp, const std::string& target) {
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return err;
  }
  const std::filesystem::path dir = std::filesystem::path(target).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename itself survives a power loss
    ::close(dfd);
  }
  return 0;
}

}  // namespace clmnist::runtime
