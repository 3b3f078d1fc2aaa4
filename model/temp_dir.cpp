// TempDir (see temp_dir.hpp).
#include "temp_dir.hpp"

#include <stdlib.h>

#include <filesystem>

#include "errors.hpp"
#include "stop_signals.hpp"

namespace clmnist::model {

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw DataError("cannot create a temporary directory in " +
                    std::filesystem::temp_directory_path().string() +
                    "; set TMPDIR to a writable directory");
  }
  path_ = pattern;
  runtime::register_temp_path(path_);  // a stop signal removes it
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  runtime::unregister_temp_path(path_);
}

}  // namespace clmnist::model
