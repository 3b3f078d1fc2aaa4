// A private temporary directory (mkdtemp: a fresh name, mode 0700) under $TMPDIR, removed with
// everything in it when it goes out of scope: nobody else can predict, pre-create or read it.
#pragma once

#include <string>

namespace clmnist::model {

class TempDir {
 public:
  // "<temp dir>/<prefix>-XXXXXX"; throws DataError naming the temp dir when it cannot be made.
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace clmnist::model
