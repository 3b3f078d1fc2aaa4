// Kernel binary cache files: "CLMNISTK", u32 format version, u64 key length, key, u64 binary
// length, binary, u64 checksum (FNV-1a of key and binary); all little-endian as written by this
// machine. Entries of another format (1 had no checksum) are stale, rebuilt without a word.
#include "kernel_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "durable_file.hpp"

namespace clmnist::runtime {
namespace {

constexpr char kMagic[8] = {'C', 'L', 'M', 'N', 'I', 'S', 'T', 'K'};
constexpr std::uint32_t kFormat = 2;
constexpr std::uint64_t kMaxBinary = 1ull << 30;

std::uint64_t fnv1a(const char* p, std::size_t n, std::uint64_t h = 1469598103934665603ull) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t checksum(const std::string& key, const char* binary, std::size_t n) {
  return fnv1a(binary, n, fnv1a(key.data(), key.size()));
}

std::string entry_name(const std::string& key) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bin",
                static_cast<unsigned long long>(fnv1a(key.data(), key.size())));
  return name;
}

// The whole entry file (nothing when absent), or why it cannot be read. A FIFO or a device is
// opened without blocking and refused before any read.
std::optional<std::string> read_entry(const std::string& path, std::string& problem) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    problem = std::string("cannot be opened (") + std::strerror(errno) + ")";
    return std::string();
  }
  std::string bytes;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    problem = "is not a regular file";
  } else if (static_cast<std::uint64_t>(st.st_size) > kMaxBinary + (1u << 20)) {
    problem = "is larger than any kernel binary (" + std::to_string(st.st_size) + " bytes)";
  } else {
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
  }
  ::close(fd);
  return bytes;
}

// Reads `n` bytes at `pos` into `out`; false past the end.
bool take(const std::string& bytes, std::size_t& pos, void* out, std::size_t n) {
  if (bytes.size() - pos < n) return false;
  std::memcpy(out, bytes.data() + pos, n);
  pos += n;
  return true;
}

// The binary in an entry's bytes for `key`, or why there is none ("" for another format).
std::optional<std::vector<unsigned char>> parse_entry(const std::string& bytes,
                                                      const std::string& key,
                                                      std::string& problem) {
  std::size_t pos = 0;
  char magic[8];
  std::uint32_t format = 0;
  std::uint64_t key_len = 0, bin_len = 0, sum = 0;
  if (!take(bytes, pos, magic, 8) || std::memcmp(magic, kMagic, 8) != 0 ||
      !take(bytes, pos, &format, 4) || format == 0 || format > 255) {
    problem = "is not a clmnist kernel cache entry (damaged)";
    return std::nullopt;
  }
  if (format != kFormat) return std::nullopt;  // another clmnist's format: stale, not damaged
  if (!take(bytes, pos, &key_len, 8) || key_len != key.size() ||
      bytes.compare(pos, key.size(), key) != 0) {
    problem = "holds the binary of another build (other source, options, device or driver)";
    return std::nullopt;
  }
  pos += key.size();
  if (!take(bytes, pos, &bin_len, 8) || bin_len == 0 || bin_len > kMaxBinary ||
      bytes.size() - pos != bin_len + 8) {
    problem = "is cut short or has bytes past its end";
    return std::nullopt;
  }
  const char* binary = bytes.data() + pos;
  pos += bin_len;
  take(bytes, pos, &sum, 8);
  if (sum != checksum(key, binary, bin_len)) {
    problem = "is damaged (its checksum does not match its contents)";
    return std::nullopt;
  }
  return std::vector<unsigned char>(binary, binary + bin_len);
}

}  // namespace

std::string KernelCache::path_for(const std::string& key) const {
  return dir_ + "/" + entry_name(key);
}

std::optional<std::vector<unsigned char>> KernelCache::load(const std::string& key,
                                                            std::string* problem) const {
  if (!enabled()) return std::nullopt;
  const std::string path = path_for(key);
  std::string why;
  const std::optional<std::string> bytes = read_entry(path, why);
  std::optional<std::vector<unsigned char>> binary;
  if (bytes && why.empty()) binary = parse_entry(*bytes, key, why);
  if (!why.empty() && problem != nullptr) *problem = "kernel cache entry '" + path + "' " + why;
  return binary;
}

bool KernelCache::store(const std::string& key, const std::vector<unsigned char>& binary) const {
  if (!enabled() || binary.empty()) return false;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const std::uint64_t key_len = key.size();
  const std::uint64_t bin_len = binary.size();
  const char* bin = reinterpret_cast<const char*>(binary.data());
  const std::uint64_t sum = checksum(key, bin, binary.size());
  std::string bytes(kMagic, 8);
  bytes.append(reinterpret_cast<const char*>(&kFormat), 4);
  bytes.append(reinterpret_cast<const char*>(&key_len), 8).append(key);
  bytes.append(reinterpret_cast<const char*>(&bin_len), 8).append(bin, binary.size());
  bytes.append(reinterpret_cast<const char*>(&sum), 8);
  std::string tmp;
  if (write_synced_temp(dir_, entry_name(key), bytes, tmp) != 0) return false;
  // The rename replaces whatever was there, a FIFO or a damaged entry included.
  return rename_synced(tmp, path_for(key)) == 0;
}

}  // namespace clmnist::runtime
