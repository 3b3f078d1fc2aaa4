// write_all, write_synced_temp and rename_synced (see durable_file.hpp).
#include "durable_file.hpp"
#include "stop_signals.hpp"

#include <fcntl.h>
#include <signal.h>
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

namespace {

// Removes "<dir>/.<name>.tmp-PID-XXXXXX" files whose process no longer runs: what kill -9 or a
// power loss left of an earlier write to the same place. A live writer's file is left alone.
void remove_stale_temps(const std::string& dir, const std::string& name) {
  const std::string prefix = "." + name + ".tmp-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.compare(0, prefix.size(), prefix) != 0) continue;
    const std::size_t dash = file.find('-', prefix.size());
    if (dash == std::string::npos || dash == prefix.size() || dash - prefix.size() > 9 ||
        file.find_first_not_of("0123456789", prefix.size()) != dash) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(file.substr(prefix.size(), dash - prefix.size())));
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlink(entry.path().c_str());
  }
}

}  // namespace

int write_synced_temp(const std::string& dir, const std::string& name, const std::string& bytes,
                      std::string& tmp) {
  remove_stale_temps(dir, name);
  std::string tmpl = (std::filesystem::path(dir) / ("." + name + ".tmp-" +
                                                    std::to_string(::getpid()) + "-XXXXXX"))
                         .string();
  tmp.clear();
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return errno;
  tmp = tmpl;
  register_temp_path(tmp);  // a stop signal removes it
  int err = write_all(fd, bytes);
  // Without the fsync a crash after the rename can leave the new name over zeroed blocks.
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) discard_temp(tmpl);
  return err;
}

void discard_temp(const std::string& tmp) {
  ::unlink(tmp.c_str());
  unregister_temp_path(tmp);
}

int rename_synced(const std::string& tmp, const std::string& target) {
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    discard_temp(tmp);
    return err;
  }
  unregister_temp_path(tmp);
  const std::filesystem::path dir = std::filesystem::path(target).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename itself survives a power loss
    ::close(dfd);
  }
  return 0;
}

}  // namespace clmnist::runtime
