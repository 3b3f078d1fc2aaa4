// Writing an output file without destroying anything: what is replaced atomically, what is
// written into, and what is refused (docs/RELIABILITY.md).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace clmnist::model {

// The file a write to `path` lands in: symbolic links followed, also to a target that does not
// exist yet (a dangling link is written through). Outputs are compared with inputs through it.
std::filesystem::path write_target(const std::string& path);

// The open descriptor an output path names, written into as a stream: "-" and /dev/stdout are 1,
// /dev/stderr 2, /dev/fd/N and /proc/self/fd/N are N; -1 for any other path. (Through the file
// system these name whatever the descriptor is: a file there would be replaced by a rename and
// the shell's redirection lost, a pipe refused as a FIFO.)
int output_stream_fd(const std::string& path);

// Why `path` cannot take an output, or empty when it can. A stream (output_stream_fd) must be an
// open descriptor that can be written. A regular file that does not exist yet
// or is writable is replaced atomically (through a symbolic link: its target is replaced, the
// link stays); a character device (/dev/null, a terminal) is written into; a directory, a FIFO, a
// socket, a block device or a read-only file is refused, and so is a path whose directory does
// not exist or is not writable.
std::string output_problem(const std::string& path);

// Writes `bytes` as output_problem describes. A stream is written into at once (after standard
// output's buffered text). A regular file is written to a temporary file in
// the same directory, fsynced and renamed over the target with the old file's permission bits
// (new files get 0666 less the umask), so a failure leaves the previous file intact. Throws
// Error naming the path, the problem and the fix.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Writes several files (path, bytes) as a group: every one is checked and written to its
// temporary file first, and only when all are written are they renamed into place, so a failure
// while writing (a full disk, an output that cannot be written) leaves every previous file as it
// was, never a mix of old and new. Throws Error like write_file_atomic.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace clmnist::model
