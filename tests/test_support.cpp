// Test helpers (see test_support.hpp).
#include "test_support.hpp"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "device_select.hpp"
#include "platforms.hpp"

namespace clmnist::test {

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed, unsigned max) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<unsigned> dist(0, max);
  std::vector<std::uint8_t> out(n);
  for (auto& v : out) v = static_cast<std::uint8_t>(dist(rng));
  return out;
}

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(n);
  for (auto& v : out) v = dist(rng);
  return out;
}

runtime::ParamValues random_params(const runtime::NetworkSpec& net, std::uint32_t seed, float lo,
                                   float hi) {
  runtime::ParamValues out;
  for (const runtime::ParamSpec& p : net.params())
    out[p.name] = random_floats(p.size(), seed++, lo, hi);
  return out;
}

std::string le_bytes(const std::vector<float>& values) {
  std::string out;
  out.reserve(values.size() * 4);
  for (float v : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    for (int s = 0; s < 32; s += 8) out.push_back(static_cast<char>((bits >> s) & 0xff));
  }
  return out;
}

Synthetic make_synthetic(std::size_t rows, std::size_t features, std::size_t classes,
                         std::uint32_t seed) {
  Synthetic s;
  s.rows = rows;
  s.features = features;
  s.classes = classes;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::normal_distribution<double> noise(0.0, 60.0);
  std::vector<std::vector<int>> proto(classes, std::vector<int>(features));
  for (auto& p : proto) {
    for (auto& v : p) v = pixel(rng) > 160 ? 230 : 10;
  }
  s.images.resize(rows * features);
  s.labels.resize(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t c = i % classes;
    s.labels[i] = static_cast<std::uint8_t>(c);
    for (std::size_t j = 0; j < features; ++j) {
      const double v = proto[c][j] + noise(rng);
      s.images[i * features + j] = static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
  return s;
}

model::TrainData synthetic_train_data(std::size_t train, std::size_t valid, std::size_t test,
                                      std::uint32_t seed) {
  const std::size_t rows = 8, cols = 9, classes = 5;
  const Synthetic s = make_synthetic(train + valid + test, rows * cols, classes, seed);
  model::LabeledImages all;
  all.count = s.rows;
  all.image_rows = rows;
  all.image_cols = cols;
  all.images = s.images;
  all.labels = s.labels;
  model::TrainData d;
  d.train = all.slice(0, train);
  d.valid = all.slice(train, train + valid);
  d.test = all.slice(train + valid, train + valid + test);
  d.classes = classes;
  return d;
}

std::string temp_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const char* base = std::getenv("CLMNIST_TEST_TMP");
  fs::path dir = fs::path(base != nullptr ? base : fs::temp_directory_path().string()) /
                 ("clmnist-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_idx(const std::string& path, const std::vector<std::uint32_t>& dims,
               const std::vector<std::uint8_t>& payload, bool gzip) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<char>((d >> s) & 0xff));
  }
  bytes.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (!gzip) {
    write_bytes(path, bytes);
    return;
  }
  gzFile f = gzopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

bool small_mode() {
  const char* v = std::getenv("CLMNIST_TEST_SMALL");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::size_t> sizes(std::initializer_list<std::size_t> all, std::size_t small_limit) {
  std::vector<std::size_t> out;
  for (std::size_t n : all) {
    if (!small_mode() || n <= small_limit) out.push_back(n);
  }
  return out;
}

bool find_test_device(runtime::DeviceDesc& out) {
  const std::vector<runtime::DeviceDesc> devices = runtime::list_devices();
  const char* spec = std::getenv("CLMNIST_TEST_DEVICE");
  if (spec != nullptr && *spec != '\0') {
    out = devices[runtime::select_device(devices, spec).index];
    return !out.is_host();
  }
  for (const auto& d : devices) {
    if (!d.is_host()) {
      out = d;
      return true;
    }
  }
  return false;
}

}  // namespace clmnist::test
