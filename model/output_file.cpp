// Output files: refused kinds, writes into character devices, atomic replacement of regular files.
#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <vector>

#include "durable_file.hpp"
#include "errors.hpp"
#include "stop_signals.hpp"

namespace clmnist::model {
namespace {

namespace fs = std::filesystem;

// The file a write to `path` lands in: symbolic links followed (to a target that may not exist).
fs::path final_target(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    const fs::path link = fs::read_symlink(p, ec);
    if (ec) break;
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  return p;
}

}  // namespace

int output_stream_fd(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string p = prefix;
    if (path.size() > p.size() && path.size() <= p.size() + 6 && path.compare(0, p.size(), p) == 0 &&
        path.find_first_not_of("0123456789", p.size()) == std::string::npos) {
      return std::stoi(path.substr(p.size()));
    }
  }
  return -1;
}

std::string output_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (const int fd = output_stream_fd(path); fd >= 0) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return "descriptor " + std::to_string(fd) + " is not open";
    if ((flags & O_ACCMODE) == O_RDONLY) {
      return "descriptor " + std::to_string(fd) + " is open for reading only";
    }
    return "";
  }
  const fs::path target = final_target(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode)) return "";  // written into, as a shell redirection would
    if (S_ISDIR(st.st_mode)) return "it is a directory; give a file name";
    if (S_ISFIFO(st.st_mode)) return "it is a FIFO; clmnist writes regular files and /dev/null";
    if (S_ISSOCK(st.st_mode)) return "it is a socket; clmnist writes regular files and /dev/null";
    if (!S_ISREG(st.st_mode)) return "it is not a regular file; give a file name";
    if (::access(target.c_str(), W_OK) != 0 || (st.st_mode & 0222) == 0) {
      return "it is read-only; make it writable or choose another name";
    }
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fs::exists(dir, ec) ? "'" + dir.string() + "' is a file, not a directory"
                               : "directory '" + dir.string() + "' does not exist";
  }
  if (::access(dir.c_str(), W_OK) != 0) return "directory '" + dir.string() + "' is not writable";
  return "";
}

namespace {

// One output on its way: a regular file's bytes already in a temporary file beside it, or a
// character device to write into at commit.
struct Staged {
  std::string path;
  fs::path target;
  std::string tmp;  // empty for a character device or a stream
  const std::string* bytes = nullptr;
  int stream = -1;  // output_stream_fd
};

// Checks the output and, for a regular file, writes the bytes to a temporary file in the same
// directory, fsynced, with the old file's permission bits (new files get 0666 less the umask).
Staged stage(const std::string& path, const std::string& bytes) {
  if (const std::string why = output_problem(path); !why.empty()) {
    throw Error("cannot save '" + path + "': " + why);
  }
  if (const int fd = output_stream_fd(path); fd >= 0) return {path, path, "", &bytes, fd};
  Staged s{path, final_target(path), "", &bytes};
  struct stat st {};
  const bool exists = ::stat(s.target.c_str(), &st) == 0;
  if (exists && S_ISCHR(st.st_mode)) return s;
  const fs::path dir = s.target.has_parent_path() ? s.target.parent_path() : fs::path(".");
  std::string tmpl;
  int err = runtime::write_synced_temp(dir.string(), s.target.filename().string(), bytes, tmpl);
  if (tmpl.empty()) {
    throw Error("cannot save '" + path + "': cannot create a temporary file in '" + dir.string() +
                "' (" + std::strerror(err) + "); choose a writable location");
  }
  // mkstemp creates 0600: keep the old file's permission bits, or give a new file the usual ones.
  if (err == 0) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    const mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~mask);
    if (::chmod(tmpl.c_str(), mode) != 0) {
      err = errno;
      runtime::discard_temp(tmpl);
    }
  }
  if (err != 0) {
    throw Error("cannot save '" + path + "': " + std::strerror(err) +
                " (disk full or not writable?); the previous file, if any, is unchanged");
  }
  s.tmp = tmpl;
  return s;
}

// Puts a staged output in place: the rename (made durable), or the write into the device.
void commit(const Staged& s) {
  if (s.stream >= 0) {
    std::cout.flush();  // what the command printed before goes first
    std::fflush(nullptr);
    if (const int err = runtime::write_all(s.stream, *s.bytes); err != 0) {
      throw Error("cannot write '" + s.path + "': " + std::strerror(err));
    }
    return;
  }
  if (s.tmp.empty()) {
    const int fd = ::open(s.target.c_str(), O_WRONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) {
      err = runtime::write_all(fd, *s.bytes);
      if (::close(fd) != 0 && err == 0) err = errno;
    }
    if (err != 0) throw Error("cannot write '" + s.path + "': " + std::strerror(err));
    return;
  }
  if (const int err = runtime::rename_synced(s.tmp, s.target.string()); err != 0) {
    throw Error("cannot save '" + s.path + "': " + std::strerror(err) +
                "; the previous file, if any, is unchanged");
  }
}

// Stages every file, then commits them: streams and devices first (a write there may block, so
// it holds no lock), then the renames under the stop signals' commit lock. A signal while this
// runs waits until the group is in place, or, on an error, every temporary file is gone.
void write_group(const std::vector<std::pair<const std::string*, const std::string*>>& files) {
  const runtime::StopDeferred deferred;
  std::vector<Staged> staged;
  try {
    for (const auto& [path, bytes] : files) staged.push_back(stage(*path, *bytes));
    if (!staged.empty()) runtime::pause_before_commit(staged.front().path);
    for (const Staged& s : staged) {
      if (s.tmp.empty()) commit(s);
      if (s.tmp.empty() && s.stream < 0) runtime::note_written(s.path);
    }
    const std::lock_guard<std::recursive_mutex> renaming(runtime::StopDeferred::commit_lock());
    for (Staged& s : staged) {
      if (s.tmp.empty()) continue;
      commit(s);
      s.tmp.clear();  // renamed
      runtime::note_written(s.path);
    }
  } catch (const Error&) {
    for (const Staged& s : staged) {
      if (!s.tmp.empty()) runtime::discard_temp(s.tmp);
    }
    throw;
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  write_group({{&path, &bytes}});
}

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::pair<const std::string*, const std::string*>> group;
  for (const auto& [path, bytes] : files) group.emplace_back(&path, &bytes);
  write_group(group);
}

}  // namespace clmnist::model
