// Host backend: each Backend op as a sequence of host_ops, on host-resident copies.
#include "host_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "errors.hpp"
#include "host_ops.hpp"

namespace clmnist::runtime {

HostBackend::HostBackend() {
  info_.backend = "host";
  const DeviceDesc d = host_device_desc(0);
  info_.name = d.name;
  info_.vendor = d.vendor;
  info_.platform = d.platform;
  info_.type = to_string(d.type);
  info_.driver = d.driver_version;
  info_.gemm_path = "host";
}

void HostBackend::configure(std::size_t features, std::size_t classes, std::size_t max_batch,
                            float pixel_scale) {
  features_ = features;
  classes_ = classes;
  max_batch_ = max_batch;
  scale_ = pixel_scale;
  wt_.assign(classes * features, 0.0f);
  b_.assign(classes, 0.0f);
  logits_.resize(max_batch * classes);
  dlogits_.resize(max_batch * classes);
}

DatasetId HostBackend::upload(const DatasetView& data) {
  check_dataset_shape(data, features_);
  Dataset d;
  d.images.assign(data.images, data.images + data.rows * data.features);
  d.labels.assign(data.labels, data.labels + data.rows);
  d.order.resize(data.rows);
  std::iota(d.order.begin(), d.order.end(), 0u);
  d.loss.assign(data.rows, 0.0f);
  d.rows = data.rows;
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

void HostBackend::set_params(const std::vector<float>& wt, const std::vector<float>& b) {
  check_param_shape(wt, b, features_, classes_);
  wt_ = wt;
  b_ = b;
}

void HostBackend::get_params(std::vector<float>& wt, std::vector<float>& b) {
  wt = wt_;
  b = b_;
}

void HostBackend::sgd_step(DatasetId id, std::size_t first, std::size_t count, float lr) {
  Dataset& d = dataset(id);
  if (count == 0 || count > max_batch_ || first + count > d.rows) {
    throw std::out_of_range("minibatch outside the dataset or larger than configured");
  }
  host::linear_dots(d.images.data(), d.order.data(), first, count, features_, classes_, scale_,
                    wt_.data(), logits_.data());
  host::xent_grad(logits_.data(), b_.data(), d.labels.data(), d.order.data(), first, count,
                  classes_, 1.0f / static_cast<float>(count), dlogits_.data(), d.loss.data());
  host::weight_grad_update(d.images.data(), d.order.data(), first, count, features_, classes_,
                           scale_, lr, dlogits_.data(), wt_.data(), b_.data(), grad_);
}

double HostBackend::train_loss(DatasetId id, std::size_t first, std::size_t count) {
  Dataset& d = dataset(id);
  double s = 0.0;
  for (std::size_t i = first; i < first + count && i < d.rows; ++i) s += d.loss[i];
  return count == 0 ? 0.0 : s / static_cast<double>(count);
}

EvalCounts HostBackend::evaluate(DatasetId id, std::size_t counted) {
  Dataset& d = dataset(id);
  EvalCounts out;
  std::vector<std::uint32_t> identity(std::min(d.rows, max_batch_));
  std::iota(identity.begin(), identity.end(), 0u);
  std::vector<std::uint8_t> wrong(max_batch_);
  std::vector<float> loss(max_batch_);
  for (std::size_t first = 0; first < d.rows; first += max_batch_) {
    const std::size_t n = std::min(max_batch_, d.rows - first);
    const std::uint8_t* x = d.images.data() + first * features_;
    host::linear_dots(x, identity.data(), 0, n, features_, classes_, scale_, wt_.data(),
                      logits_.data());
    host::count_errors(logits_.data(), b_.data(), d.labels.data() + first, n, classes_,
                       wrong.data());
    host::nll_rows(logits_.data(), b_.data(), d.labels.data() + first, n, classes_, loss.data());
    for (std::size_t i = 0; i < n; ++i) {
      out.errors_all += wrong[i];
      if (first + i < counted) out.errors_counted += wrong[i];
      out.nll_sum_all += loss[i];
    }
  }
  return out;
}

std::vector<float> HostBackend::predict(DatasetId id, std::size_t first, std::size_t count) {
  Dataset& d = dataset(id);
  if (first + count > d.rows) throw std::out_of_range("predict rows outside the dataset");
  std::vector<std::uint32_t> order(count);
  std::iota(order.begin(), order.end(), static_cast<std::uint32_t>(first));
  std::vector<float> logits(count * classes_), probs(count * classes_);
  host::linear_dots(d.images.data(), order.data(), 0, count, features_, classes_, scale_,
                    wt_.data(), logits.data());
  host::softmax_rows(logits.data(), b_.data(), count, classes_, probs.data());
  return probs;
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
