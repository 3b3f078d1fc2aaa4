// Reading an input file safely: only regular files (a FIFO or /dev/zero would hang or read until
// memory runs out), never more bytes than the format implies.
#pragma once

#include <cstdint>
#include <string>

namespace clmnist::model {

// Why `path` cannot be read as an input, or empty when it can: it must exist, be a regular file
// (symbolic links are followed) and be readable.
std::string input_problem(const std::string& path);

// The whole file, after input_problem's checks and a size check against `max_bytes` (what names
// the kind of file in the message, e.g. "an image"). Throws DataError naming the path, the
// problem and the limit.
std::string read_input_file(const std::string& path, std::uint64_t max_bytes, const char* what);

}  // namespace clmnist::model
