// Output files: refused kinds, writes into character devices, atomic replacement of regular files.
#include "output_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <vector>

#include "durable_file.hpp"
#include "errors.hpp"
#include "shown_text.hpp"
#include "stop_signals.hpp"

namespace clmnist::model {

namespace fs = std::filesystem;

fs::path write_target(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    const fs::path link = fs::read_symlink(p, ec);
    if (ec) break;
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  return p;
}

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
  const fs::path target = write_target(path);
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(target, ec))) {  // write_target gave up following
    return "it is a loop of symbolic links (or a chain of over 40); give a file name";
  }
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

// mkstemp creates 0600 files of this process's user: a file that replaces `old` gets its owner
// and group where this process may give them, and its permission bits without setuid and setgid
// (a copy of a program's rights must not travel with new bytes); a new file gets 0666 less the
// umask. A file of several names (hard links) is replaced under this name only, and says so.
int keep_owner_and_mode(const std::string& tmp, const std::string& path, const struct stat* old) {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  const mode_t mode = old != nullptr ? (old->st_mode & 0777) : (0666 & ~mask);
  if (old != nullptr) {
    // Not permitted (another user's file, a group this user is not in) leaves this user's.
    [[maybe_unused]] const int ignored = ::chown(tmp.c_str(), old->st_uid, old->st_gid);
    if (old->st_nlink > 1) {
      runtime::warn_once("'" + path + "' has " + std::to_string(old->st_nlink) +
                         " names (hard links); it is replaced by a new file under this name, and "
                         "the other names keep the old content");
    }
  }
  if (::chmod(tmp.c_str(), mode) != 0) {
    const int err = errno;
    runtime::discard_temp(tmp);
    return err;
  }
  return 0;
}

// Checks the output and, for a regular file, writes the bytes to a temporary file in the same
// directory, fsynced, with the old file's permission bits (new files get 0666 less the umask).
Staged stage(const std::string& path, const std::string& bytes) {
  if (const std::string why = output_problem(path); !why.empty()) {
    throw Error("cannot save '" + path + "': " + why);
  }
  if (const int fd = output_stream_fd(path); fd >= 0) return {path, path, "", &bytes, fd};
  Staged s{path, write_target(path), "", &bytes};
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
  if (err == 0) err = keep_owner_and_mode(tmpl, path, exists ? &st : nullptr);
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

// Exclusive flock(2) locks on the directories a group renames into, taken in one order: two
// processes writing groups into one directory rename theirs one after the other, so the
// directory ends with one whole group, never a mix (200 concurrent export pairs gave 20 mixed
// pairs without them). A directory that cannot be locked (a file system without flock) is
// renamed into without the lock.
class DirectoryLocks {
 public:
  explicit DirectoryLocks(const std::vector<Staged>& staged) {
    std::set<std::string> dirs;
    for (const Staged& s : staged) {
      if (!s.tmp.empty()) dirs.insert(fs::absolute(s.tmp).parent_path().string());
    }
    for (const std::string& dir : dirs) {
      const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
      }
      fds_.push_back(fd);
    }
  }
  ~DirectoryLocks() {
    for (const int fd : fds_) ::close(fd);  // closing releases the lock
  }
  DirectoryLocks(const DirectoryLocks&) = delete;
  DirectoryLocks& operator=(const DirectoryLocks&) = delete;

 private:
  std::vector<int> fds_;
};

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
    const DirectoryLocks other_processes(staged);
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
