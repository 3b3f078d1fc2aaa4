// Model save/load over safetensors, with the shape checks a model from elsewhere needs.
#include "softmax_model.hpp"

#include <cmath>
#include <cstdio>

#include "errors.hpp"
#include "safetensors.hpp"

namespace clmnist::model {
namespace {

std::size_t parse_size(const std::map<std::string, std::string>& meta, const std::string& key,
                       const std::string& path) {
  auto it = meta.find(key);
  if (it == meta.end()) throw DataError(path + ": model metadata lacks '" + key + "'");
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(it->second, &used);
    if (used != it->second.size() || v == 0 || v > (1u << 20)) throw std::invalid_argument("");
    return static_cast<std::size_t>(v);
  } catch (const std::exception&) {
    throw DataError(path + ": model metadata '" + key + "' = '" + it->second +
                    "' is not a positive integer");
  }
}

}  // namespace

std::vector<float> SoftmaxModel::wt() const {
  const std::size_t f = features();
  std::vector<float> out(classes * f);
  for (std::size_t j = 0; j < f; ++j) {
    for (std::size_t c = 0; c < classes; ++c) out[c * f + j] = w[j * classes + c];
  }
  return out;
}

void SoftmaxModel::set_from_wt(const std::vector<float>& wt) {
  const std::size_t f = features();
  w.resize(f * classes);
  for (std::size_t j = 0; j < f; ++j) {
    for (std::size_t c = 0; c < classes; ++c) w[j * classes + c] = wt[c * f + j];
  }
}

bool SoftmaxModel::finite() const {
  for (float v : w) {
    if (!std::isfinite(v)) return false;
  }
  for (float v : b) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

void save_model(const std::string& path, const SoftmaxModel& model) {
  if (!model.finite()) {
    throw DivergenceError("refusing to save a model with non-finite parameters to '" + path + "'");
  }
  SafeTensors st;
  st.tensors["W"] = {{model.features(), model.classes}, model.w};
  st.tensors["b"] = {{model.classes}, model.b};
  st.metadata = model.metadata;
  st.metadata["format"] = "clmnist-softmax-regression-1";
  st.metadata["image_rows"] = std::to_string(model.image_rows);
  st.metadata["image_cols"] = std::to_string(model.image_cols);
  char div[32];
  std::snprintf(div, sizeof div, "%.17g", model.pixel_divisor);
  st.metadata["pixel_divisor"] = div;
  write_file_atomic(path, encode_safetensors(st));
}

SoftmaxModel load_model(const std::string& path) {
  SafeTensors st = read_safetensors(path);
  auto w = st.tensors.find("W");
  auto b = st.tensors.find("b");
  if (w == st.tensors.end() || b == st.tensors.end()) {
    throw DataError(path + ": the model needs tensors 'W' and 'b'");
  }
  if (st.tensors.size() != 2)
    throw DataError(path + ": the model holds tensors other than W and b");
  SoftmaxModel m;
  m.image_rows = parse_size(st.metadata, "image_rows", path);
  m.image_cols = parse_size(st.metadata, "image_cols", path);
  if (w->second.shape.size() != 2 || b->second.shape.size() != 1 ||
      w->second.shape[0] != m.features() || w->second.shape[1] != b->second.shape[0] ||
      b->second.shape[0] < 2) {
    throw DataError(path + ": W must be [" + std::to_string(m.features()) +
                    " x classes] and b [classes] with at least 2 classes");
  }
  m.classes = b->second.shape[0];
  auto div = st.metadata.find("pixel_divisor");
  if (div != st.metadata.end()) {
    try {
      m.pixel_divisor = std::stod(div->second);
    } catch (const std::exception&) {
      m.pixel_divisor = 0;
    }
    if (!(m.pixel_divisor > 0) || !std::isfinite(m.pixel_divisor)) {
      throw DataError(path + ": pixel_divisor '" + div->second + "' is not a positive number");
    }
  }
  m.w = std::move(w->second.data);
  m.b = std::move(b->second.data);
  m.metadata = std::move(st.metadata);
  if (!m.finite()) throw DataError(path + ": the model holds NaN or infinite parameters");
  return m;
}

}  // namespace clmnist::model
