// Host backend: datasets on the host and the ceilings of this single-threaded C++ code; the
// executable is in host_executable.cpp.
#include "host_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "errors.hpp"

namespace clmnist::runtime {

HostBackend::HostBackend() {
  info_.backend = "host";
  const DeviceDesc d = host_device_desc(0);
  info_.name = d.name;
  info_.vendor = d.vendor;
  info_.platform = d.platform;
  info_.type = to_string(d.type);
  info_.driver = d.driver_version;
}

DatasetId HostBackend::upload(const DatasetView& data) {
  if (data.rows != 0 && (data.images == nullptr || data.labels == nullptr)) {
    throw std::invalid_argument("dataset without images or labels");
  }
  Dataset d;
  d.images.assign(data.images, data.images + data.rows * data.features);
  d.labels.assign(data.labels, data.labels + data.rows);
  d.order.resize(data.rows);
  std::iota(d.order.begin(), d.order.end(), 0u);
  d.loss.assign(data.rows, 0.0f);
  d.rows = data.rows;
  d.features = data.features;
  datasets_.push_back(std::move(d));
  return datasets_.size() - 1;
}

HostBackend::Dataset& HostBackend::dataset(DatasetId id) {
  if (id >= datasets_.size()) throw std::out_of_range("unknown dataset id");
  return datasets_[id];
}

void HostBackend::set_order(DatasetId id, const std::vector<std::uint32_t>& order) {
  Dataset& d = dataset(id);
  if (order.size() != d.rows) throw std::invalid_argument("order size differs from the rows");
  d.order = order;
}

Ceilings HostBackend::measure_ceilings() {
  using clock = std::chrono::steady_clock;
  Ceilings c;
  // Bandwidth: best of 5 copies of 64 MiB.
  const std::size_t bytes = std::size_t{64} << 20;
  std::vector<char> a(bytes, 1), b(bytes, 0);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = clock::now();
    std::memcpy(b.data(), a.data(), bytes);
    best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    a[static_cast<std::size_t>(r)] = b[bytes - 1 - static_cast<std::size_t>(r)];
  }
  c.bandwidth_gb_s = 2.0 * static_cast<double>(bytes) / best * 1e-9;
  // FMA rate of this single-threaded backend: 16 independent chains, as the dot products use.
  constexpr int kChains = 16;
  constexpr long kIters = 20'000'000;
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = static_cast<float>(i) * 0.001f;
  const float m = 0.999f, k = 0.001f;
  const auto t0 = clock::now();
  for (long it = 0; it < kIters; ++it) {
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * m + k;
  }
  const double secs = std::chrono::duration<double>(clock::now() - t0).count();
  float sink = 0;
  for (float v : acc) sink += v;
  c.fma_gflop_s = 2.0 * kChains * static_cast<double>(kIters) / secs * 1e-9 + (sink == -1 ? 1 : 0);
  return c;
}

}  // namespace clmnist::runtime
