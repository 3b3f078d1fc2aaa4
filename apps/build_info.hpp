// What was built: the version, the git commit and whether the checkout had local changes to
// tracked files. Read at build time (cmake/BuildInfo.cmake), for --version and for records that
// must say which code produced them.
#pragma once

#include <string>

namespace clmnist {

const char* clmnist_version();  // "0.1.0": the project version
const char* clmnist_commit();   // "abc1234": the short commit, or "unknown" (no git checkout)
bool clmnist_dirty();           // tracked files differed from the commit

// "clmnist 0.1.0 (commit abc1234, dirty)"; "clmnist 0.1.0" without a known commit.
inline std::string clmnist_version_line() {
  std::string line = std::string("clmnist ") + clmnist_version();
  if (std::string(clmnist_commit()) != "unknown") {
    line += std::string(" (commit ") + clmnist_commit() + (clmnist_dirty() ? ", dirty)" : ")");
  }
  return line;
}

}  // namespace clmnist
