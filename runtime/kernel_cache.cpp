// Kernel binary cache files: "CLMNISTK", u32 format version, u64 key length, key, u64 binary
// length, binary; all little-endian as written by this machine.
#include "kernel_cache.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>


namespace clmnist::runtime {
namespace {

constexpr char kMagic[8] = {'C', 'L', 'M', 'N', 'I', 'S', 'T', 'K'};
constexpr std::uint32_t kFormat = 1;
constexpr std::uint64_t kMaxBinary = 1ull << 30;

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string KernelCache::path_for(const std::string& key) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bin", static_cast<unsigned long long>(fnv1a(key)));
  return dir_ + "/" + name;
}

std::optional<std::vector<unsigned char>> KernelCache::load(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(path_for(key), std::ios::binary);
  if (!in) return std::nullopt;
  char magic[8];
  std::uint32_t format = 0;
  std::uint64_t key_len = 0;
  if (!in.read(magic, 8) || std::string(magic, 8) != std::string(kMagic, 8)) return std::nullopt;
  if (!in.read(reinterpret_cast<char*>(&format), 4) || format != kFormat) return std::nullopt;
  if (!in.read(reinterpret_cast<char*>(&key_len), 8) || key_len != key.size()) return std::nullopt;
  std::string stored(key_len, '\0');
  if (!in.read(stored.data(), static_cast<std::streamsize>(key_len)) || stored != key) {
    return std::nullopt;
  }
  std::uint64_t bin_len = 0;
  if (!in.read(reinterpret_cast<char*>(&bin_len), 8) || bin_len == 0 || bin_len > kMaxBinary) {
    return std::nullopt;
  }
  std::vector<unsigned char> binary(bin_len);
  if (!in.read(reinterpret_cast<char*>(binary.data()), static_cast<std::streamsize>(bin_len))) {
    return std::nullopt;
  }
  if (in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return binary;
}

bool KernelCache::store(const std::string& key, const std::vector<unsigned char>& binary) const {
  if (!enabled() || binary.empty()) return false;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const std::string final_path = path_for(key);
  const std::string tmp = final_path + ".tmp" + std::to_string(std::random_device{}());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    const std::uint64_t key_len = key.size();
    const std::uint64_t bin_len = binary.size();
    out.write(kMagic, 8);
    out.write(reinterpret_cast<const char*>(&kFormat), 4);
    out.write(reinterpret_cast<const char*>(&key_len), 8);
    out.write(key.data(), static_cast<std::streamsize>(key.size()));
    out.write(reinterpret_cast<const char*>(&bin_len), 8);
    out.write(reinterpret_cast<const char*>(binary.data()), static_cast<std::streamsize>(bin_len));
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
  return !ec;
}

}  // namespace clmnist::runtime
