// Model files (both formats) and the tutorials' weight init.
#include "network_model.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "errors.hpp"
#include "json_read.hpp"
#include "json_text.hpp"
#include "networks.hpp"
#include "safetensors.hpp"
#include "shown_text.hpp"

namespace clmnist::model {
namespace {

constexpr const char* kFormat = "clmnist-network-2";
constexpr const char* kFormatV1 = "clmnist-softmax-regression-1";

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
    throw DataError(path + ": model metadata '" + key + "' = '" +
                    runtime::shown_text(it->second, 40) + "' is not a positive integer");
  }
}

double parse_divisor(const std::map<std::string, std::string>& meta, const std::string& path) {
  auto div = meta.find("pixel_divisor");
  if (div == meta.end()) return 256.0;
  double v = 0;
  try {
    v = std::stod(div->second);
  } catch (const std::exception&) {
  }
  if (!(v > 0) || !std::isfinite(v)) {
    throw DataError(path + ": pixel_divisor '" + div->second + "' is not a positive number");
  }
  return v;
}

// The first format: W [features x classes], b [classes], image size in the metadata.
runtime::NetworkSpec v1_network(const SafeTensors& st, const std::string& path) {
  auto w = st.tensors.find("W");
  auto b = st.tensors.find("b");
  if (w == st.tensors.end() || b == st.tensors.end()) {
    throw DataError(path + ": the model needs tensors 'W' and 'b'");
  }
  if (st.tensors.size() != 2)
    throw DataError(path + ": the model holds tensors other than W and b");
  const std::size_t rows = parse_size(st.metadata, "image_rows", path);
  const std::size_t cols = parse_size(st.metadata, "image_cols", path);
  if (w->second.shape.size() != 2 || b->second.shape.size() != 1 ||
      w->second.shape[0] != rows * cols || w->second.shape[1] != b->second.shape[0] ||
      b->second.shape[0] < 2) {
    throw DataError(path + ": W must be [" + std::to_string(rows * cols) +
                    " x classes] and b [classes] with at least 2 classes");
  }
  return logistic_regression(rows, cols, b->second.shape[0],
                                      parse_divisor(st.metadata, path));
}

[[noreturn]] void bad_network(const std::string& path, const std::string& problem) {
  throw DataError(path + ": the network description (metadata 'network') " + problem +
                  "; the file is damaged or was not written by clmnist: train or export the "
                  "model again");
}

// A JSON value as a short text for messages.
std::string shown(const nlohmann::json& v) { return runtime::shown_json(v); }

// j[key], where `where` names j ("" for the description itself, "input", "layers[0]").
const nlohmann::json& member(const nlohmann::json& j, const std::string& key,
                             const std::string& where, const std::string& path) {
  if (!j.is_object()) {
    bad_network(path, (where.empty() ? std::string("is ") : "has " + where + " = ") + shown(j) +
                          ", not an object");
  }
  if (!j.contains(key)) bad_network(path, "lacks " + (where.empty() ? key : where + "." + key));
  return j[key];
}

std::size_t whole_member(const nlohmann::json& j, const std::string& key, const std::string& where,
                         const std::string& path, std::size_t max) {
  const nlohmann::json& v = member(j, key, where, path);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > max) {
    bad_network(path, "has " + where + "." + key + " = " + shown(v) +
                          ", not a whole number from 1 to " + std::to_string(max));
  }
  return v.get<std::size_t>();
}

void text_member(const nlohmann::json& j, const std::string& key, const std::string& where,
                 const std::string& path) {
  const nlohmann::json& v = member(j, key, where, path);
  if (!v.is_string()) {
    bad_network(path, "has " + (where.empty() ? key : where + "." + key) + " = " + shown(v) +
                          ", not a string");
  }
}

// The keys of one layer of each type, checked one by one; the type itself is checked by
// runtime::network_from_json, which names the allowed ones.
void check_layer(const nlohmann::json& layer, std::size_t i, const std::string& path) {
  const std::string where = "layers[" + std::to_string(i) + "]";
  text_member(layer, "type", where, path);
  const std::string type = layer["type"].get<std::string>();
  constexpr std::size_t kSide = std::size_t{1} << 16;
  if (type == "dense") {
    whole_member(layer, "inputs", where, path, std::size_t{1} << 24);
    whole_member(layer, "outputs", where, path, std::size_t{1} << 20);
    for (const char* key : {"activation", "weight", "bias"}) text_member(layer, key, where, path);
  } else if (type == "conv2d") {
    whole_member(layer, "filters", where, path, std::size_t{1} << 20);
    whole_member(layer, "kernel", where, path, kSide);
    text_member(layer, "weight", where, path);
  } else if (type == "max_pool") {
    whole_member(layer, "window", where, path, kSide);
  } else if (type == "activation") {
    for (const char* key : {"activation", "bias"}) text_member(layer, key, where, path);
  }
}

}  // namespace

runtime::NetworkSpec parse_network(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = runtime::parse_json_bounded(text);
  } catch (const nlohmann::json::exception& e) {
    bad_network(path, "is not valid JSON (" + json_error_text(e) + ")");
  }
  const nlohmann::json& in = member(j, "input", "", path);
  whole_member(in, "rows", "input", path, 1u << 16);
  whole_member(in, "cols", "input", path, 1u << 16);
  const nlohmann::json& div = member(in, "pixel_divisor", "input", path);
  if (!div.is_number() || !(div.get<double>() > 0) || !std::isfinite(div.get<double>())) {
    bad_network(path, "has input.pixel_divisor = " + shown(div) + ", not a positive number");
  }
  text_member(j, "head", "", path);
  const nlohmann::json& layers = member(j, "layers", "", path);
  if (!layers.is_array() || layers.empty()) {
    bad_network(path, "has layers = " + shown(layers) + ", not a list of layers");
  }
  if (layers.size() > runtime::kMaxNetworkLayers) {  // before any per-layer work
    bad_network(path, "has " + std::to_string(layers.size()) + " layers, more than " +
                          std::to_string(runtime::kMaxNetworkLayers));
  }
  for (std::size_t i = 0; i < layers.size(); ++i) check_layer(layers[i], i, path);
  try {
    return runtime::network_from_json(text);  // its own checks: layer sizes that fit, names
  } catch (const std::invalid_argument& e) {
    throw DataError(path + ": " + e.what());
  }
}

bool Model::finite() const {
  for (const auto& [name, v] : params) {
    for (float x : v) {
      if (!std::isfinite(x)) return false;
    }
  }
  return true;
}

const std::vector<float>& Model::param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) network.param(name);  // throws, naming the parameters
  if (it == params.end()) throw std::invalid_argument("parameter '" + name + "' has no values");
  return it->second;
}

void save_model(const std::string& path, const Model& model) {
  runtime::check_params(model.network, model.params);
  if (!model.finite()) {
    throw DivergenceError("refusing to save a model with non-finite parameters to '" + path + "'");
  }
  SafeTensors st;
  for (const runtime::ParamSpec& p : model.network.params()) {
    st.tensors[p.name] = {p.shape, model.params.at(p.name)};
  }
  st.metadata = model.metadata;
  st.metadata["format"] = kFormat;
  st.metadata["network"] = runtime::to_json(model.network);
  // For readers that know only the image geometry and pixel scale (docs/INTEROP.md).
  st.metadata["image_rows"] = std::to_string(model.network.image_rows);
  st.metadata["image_cols"] = std::to_string(model.network.image_cols);
  char div[32];
  std::snprintf(div, sizeof div, "%.17g", model.network.pixel_divisor);
  st.metadata["pixel_divisor"] = div;
  write_file_atomic(path, encode_safetensors(st));
}

Model load_model(const std::string& path) {
  SafeTensors st = read_safetensors(path);
  Model m;
  auto format = st.metadata.find("format");
  auto net = st.metadata.find("network");
  if (net != st.metadata.end()) {
    if (format == st.metadata.end() || format->second != kFormat) {
      throw DataError(
          path + ": unknown model format '" +
          (format == st.metadata.end() ? std::string() : runtime::shown_text(format->second, 40)) +
          "' (this clmnist reads " + kFormat + " and " + kFormatV1 + ")");
    }
    m.network = parse_network(net->second, path);
  } else {
    m.network = v1_network(st, path);
  }
  const std::vector<runtime::ParamSpec> params = m.network.params();
  if (st.tensors.size() != params.size()) {
    throw DataError(path + ": the model holds " + std::to_string(st.tensors.size()) +
                    " tensors, its network declares " + std::to_string(params.size()));
  }
  for (const runtime::ParamSpec& p : params) {
    auto t = st.tensors.find(p.name);
    if (t == st.tensors.end()) throw DataError(path + ": the model lacks tensor '" + p.name + "'");
    if (t->second.shape != p.shape) {
      std::string want;
      for (std::size_t d : p.shape) want += (want.empty() ? "" : " x ") + std::to_string(d);
      throw DataError(path + ": tensor '" + p.name + "' must be [" + want + "]");
    }
    m.params[p.name] = std::move(t->second.data);
  }
  m.metadata = std::move(st.metadata);
  m.metadata.erase("network");
  if (!m.finite()) throw DataError(path + ": the model holds NaN or infinite parameters");
  return m;
}

runtime::ParamValues initial_params(const runtime::NetworkSpec& net, std::uint64_t seed) {
  runtime::ParamValues out;
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  for (const runtime::ParamSpec& p : net.params()) {  // drawn in declaration order
    std::vector<float>& w = out[p.name];
    w.assign(p.size(), 0.0f);
    if (p.init_bound == 0.0) continue;
    const double high = p.init_bound, low = -high;
    for (float& v : w) {
      const std::uint32_t a = static_cast<std::uint32_t>(rng()) >> 5;
      const std::uint32_t b = static_cast<std::uint32_t>(rng()) >> 6;
      const double u = (a * 67108864.0 + b) / 9007199254740992.0;  // random_sample()
      v = static_cast<float>(low + (high - low) * u);
    }
  }
  return out;
}

}  // namespace clmnist::model
