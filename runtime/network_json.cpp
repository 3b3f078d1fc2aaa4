// The network description as JSON (model and checkpoint metadata) and back.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "network.hpp"
#include "text.hpp"
#include "json_read.hpp"

namespace clmnist::runtime {
namespace {

nlohmann::ordered_json layer_json(const Layer& l) {
  switch (l.kind) {
    case LayerKind::kDense:
      return {{"type", "dense"},      {"inputs", l.inputs},
              {"outputs", l.outputs}, {"activation", to_string(l.activation)},
              {"weight", l.weight},   {"bias", l.bias}};
    case LayerKind::kConv2d:
      return {
          {"type", "conv2d"}, {"filters", l.filters}, {"kernel", l.kernel}, {"weight", l.weight}};
    case LayerKind::kMaxPool:
      return {{"type", "max_pool"}, {"window", l.window}};
    case LayerKind::kActivation:
      return {{"type", "activation"}, {"activation", to_string(l.activation)}, {"bias", l.bias}};
    case LayerKind::kFlatten:
      return {{"type", "flatten"}};
  }
  return {};
}

LayerKind parse_kind(const std::string& type) {
  for (LayerKind k : {LayerKind::kDense, LayerKind::kConv2d, LayerKind::kMaxPool,
                      LayerKind::kActivation, LayerKind::kFlatten}) {
    if (type == to_string(k)) return k;
  }
  throw std::invalid_argument("unknown layer type '" + type.substr(0, 40) +
                              "' (allowed: dense, conv2d, max_pool, activation, flatten)");
}

Layer parse_layer(const nlohmann::json& j) {
  Layer l;
  l.kind = parse_kind(j.at("type").get<std::string>());
  switch (l.kind) {
    case LayerKind::kDense:
      l.inputs = j.at("inputs").get<std::size_t>();
      l.outputs = j.at("outputs").get<std::size_t>();
      l.activation = parse_activation(j.at("activation").get<std::string>());
      l.weight = j.at("weight").get<std::string>();
      l.bias = j.at("bias").get<std::string>();
      break;
    case LayerKind::kConv2d:
      l.filters = j.at("filters").get<std::size_t>();
      l.kernel = j.at("kernel").get<std::size_t>();
      l.weight = j.at("weight").get<std::string>();
      break;
    case LayerKind::kMaxPool:
      l.window = j.at("window").get<std::size_t>();
      break;
    case LayerKind::kActivation:
      l.activation = parse_activation(j.at("activation").get<std::string>());
      l.bias = j.at("bias").get<std::string>();
      break;
    case LayerKind::kFlatten:
      break;
  }
  return l;
}

}  // namespace

std::string to_json(const NetworkSpec& spec) {
  nlohmann::ordered_json j;
  j["input"] = {
      {"rows", spec.image_rows}, {"cols", spec.image_cols}, {"pixel_divisor", spec.pixel_divisor}};
  j["layers"] = nlohmann::ordered_json::array();
  for (const Layer& l : spec.layers) j["layers"].push_back(layer_json(l));
  j["head"] = "softmax_cross_entropy";
  return j.dump();
}

NetworkSpec network_from_json(const std::string& text) {
  NetworkSpec s;
  try {
    const nlohmann::json j = parse_json_bounded(text);
    const auto& in = j.at("input");
    s.image_rows = in.at("rows").get<std::size_t>();
    s.image_cols = in.at("cols").get<std::size_t>();
    s.pixel_divisor = in.at("pixel_divisor").get<double>();
    if (j.at("head").get<std::string>() != "softmax_cross_entropy") {
      throw std::invalid_argument("unknown head '" + j.at("head").get<std::string>() + "'");
    }
    for (const auto& l : j.at("layers")) s.layers.push_back(parse_layer(l));
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("the network description is not valid: ") + e.what());
  }
  check_network_limits(s);
  return s;
}

void check_network_limits(const NetworkSpec& s) {
  // Bounds before any shape arithmetic, so that sizes cannot overflow.
  const auto over = [](const std::string& what, std::uint64_t value, std::uint64_t limit) {
    return std::invalid_argument(what + " " + std::to_string(value) + " is over the " +
                                 std::to_string(limit) + " a model file may hold");
  };
  if (s.image_rows > kMaxImageSide || s.image_cols > kMaxImageSide) {
    throw over("the image side", std::max(s.image_rows, s.image_cols), kMaxImageSide);
  }
  if (s.layers.size() > kMaxNetworkLayers) {
    throw std::invalid_argument("the network has " + std::to_string(s.layers.size()) +
                                " layers, more than " + std::to_string(kMaxNetworkLayers));
  }
  for (const Layer& l : s.layers) {
    if (l.outputs > kMaxLayerWidth || l.filters > kMaxLayerWidth) {
      throw over("a layer's width", std::max(l.outputs, l.filters), kMaxLayerWidth);
    }
    if (l.inputs > kMaxMapValues || l.kernel > kMaxImageSide || l.window > kMaxImageSide) {
      throw std::invalid_argument("a layer of the network is implausibly wide");
    }
  }
  s.validate();
  for (const MapShape& m : s.shapes()) {
    if (m.size() > kMaxMapValues) throw over("a layer's output size", m.size(), kMaxMapValues);
  }
  for (const ParamSpec& p : s.params()) {
    double values = 1;  // in double: a crafted shape must not wrap around
    for (std::size_t d : p.shape) values *= static_cast<double>(d);
    if (values > static_cast<double>(kMaxParamValues)) {
      throw std::invalid_argument("parameter '" + p.name + "' of " + shortest_text(values) +
                                  " values is over the " + std::to_string(kMaxParamValues) +
                                  " a model file may hold");
    }
  }
}

}  // namespace clmnist::runtime
