// The steps of a durable file replacement, shared by output files (model/output_file.cpp) and the
// kernel binary cache: the bytes go to a temporary file beside the target, fsynced, then renamed
// over it and the directory fsynced, so a crash or power loss leaves the old file or the new one,
// never a renamed file whose blocks were not written yet. Functions return an errno (0: done).
#pragma once

#include <string>

namespace clmnist::runtime {

// Writes all of `bytes` to `fd`, retrying after signals.
int write_all(int fd, const std::string& bytes);

// A new file "<dir>/.<name>.tmp-PID-XXXXXX" (mode 0600) holding `bytes`, fsynced and closed; its
// path goes to `tmp`, and a stop signal removes it (stop_signals.hpp) until it is renamed or
// discarded. Such files of processes that no longer run (kill -9, a crash) are removed first. When writing fails the file is removed; `tmp` stays empty when it could not be
// created at all.
int write_synced_temp(const std::string& dir, const std::string& name, const std::string& bytes,
                      std::string& tmp);

// Removes a temporary file that will not be renamed.
void discard_temp(const std::string& tmp);

// Renames `tmp` over `target` (removing `tmp` if that fails), then fsyncs the directory.
int rename_synced(const std::string& tmp, const std::string& target);

}  // namespace clmnist::runtime
