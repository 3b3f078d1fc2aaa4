// NetworkSpec: parameters, FLOPs, validation and the JSON form kept in model files.
#include "network.hpp"

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace clmnist::runtime {

const char* to_string(Activation a) {
  switch (a) {
    case Activation::kNone:
      return "none";
    case Activation::kTanh:
      return "tanh";
    case Activation::kRelu:
      return "relu";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  if (name == "none") return Activation::kNone;
  if (name == "tanh") return Activation::kTanh;
  if (name == "relu") return Activation::kRelu;
  throw std::invalid_argument("unknown activation '" + name + "' (allowed: none, tanh, relu)");
}

std::size_t ParamSpec::size() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::vector<ParamSpec> NetworkSpec::params() const {
  std::vector<ParamSpec> out;
  for (const DenseLayer& l : layers) {
    out.push_back({l.weight, {l.inputs, l.outputs}, true});
    out.push_back({l.bias, {l.outputs}, false});
  }
  return out;
}

ParamSpec NetworkSpec::param(const std::string& name) const {
  const std::vector<ParamSpec> all = params();
  for (const ParamSpec& p : all) {
    if (p.name == name) return p;
  }
  std::string names;
  for (const ParamSpec& p : all) names += (names.empty() ? "" : ", ") + p.name;
  throw std::invalid_argument("the network has no parameter '" + name + "' (it has " + names + ")");
}

std::size_t NetworkSpec::param_count() const {
  std::size_t n = 0;
  for (const ParamSpec& p : params()) n += p.size();
  return n;
}

double NetworkSpec::forward_flops() const {
  double f = 0;
  for (const DenseLayer& l : layers) f += 2.0 * static_cast<double>(l.inputs * l.outputs);
  return f;
}

double NetworkSpec::train_flops() const {
  // Forward, the weight gradient of every layer, and the input gradient of all but the first.
  double f = 2.0 * forward_flops();
  for (std::size_t i = 1; i < layers.size(); ++i) {
    f += 2.0 * static_cast<double>(layers[i].inputs * layers[i].outputs);
  }
  return f;
}

std::string NetworkSpec::describe() const {
  std::string s = std::to_string(features());
  for (const DenseLayer& l : layers) {
    s += "-" + std::to_string(l.outputs);
    if (&l != &layers.back() || l.activation != Activation::kNone) {
      s += std::string(" ") + to_string(l.activation);
    }
  }
  return s + " softmax";
}

namespace {

// A parameter name becomes a file name (export npy) and an ONNX value name: letters, digits and
// '_', starting with a letter, and none of the names the ONNX graph gives its own values.
bool valid_param_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  if (n == "pixels" || n == "logits" || n == "probabilities") return false;
  const bool graph_value = (n[0] == 'z' || n[0] == 'h') && n.size() > 1 &&
                           n.find_first_not_of("0123456789", 1) == std::string::npos;
  return !graph_value;
}

}  // namespace

void NetworkSpec::validate() const {
  if (image_rows == 0 || image_cols == 0) throw std::invalid_argument("the image size is zero");
  const float scale = pixel_scale();
  if (!(pixel_divisor > 0) || !(scale > 0) || !std::isfinite(scale)) {
    throw std::invalid_argument(
        "the pixel divisor is not a positive number whose reciprocal is a "
        "float (1e-38 to 1e38)");
  }
  if (layers.empty()) throw std::invalid_argument("the network has no layer");
  std::size_t in = features();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const DenseLayer& l = layers[i];
    if (l.inputs != in) {
      throw std::invalid_argument("layer " + std::to_string(i + 1) + " takes " +
                                  std::to_string(l.inputs) + " inputs but receives " +
                                  std::to_string(in));
    }
    if (l.outputs == 0) {
      throw std::invalid_argument("layer " + std::to_string(i + 1) + " has no outputs");
    }
    if (i + 1 == layers.size() && l.activation != Activation::kNone) {
      throw std::invalid_argument("the last layer feeds the softmax head and takes no activation");
    }
    for (const std::string& n : {l.weight, l.bias}) {
      if (!valid_param_name(n)) {
        throw std::invalid_argument("parameter name '" + n.substr(0, 64) +
                                    "' is not letters, digits and '_' starting with a letter, or "
                                    "is a name the ONNX graph uses");
      }
      for (const std::string& m : names) {
        if (m == n) throw std::invalid_argument("parameter name '" + n + "' is used twice");
      }
      names.push_back(n);
    }
    in = l.outputs;
  }
  if (classes() < 2) throw std::invalid_argument("the network needs at least 2 classes");
}

bool NetworkSpec::operator==(const NetworkSpec& o) const {
  if (image_rows != o.image_rows || image_cols != o.image_cols ||
      pixel_divisor != o.pixel_divisor || layers.size() != o.layers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const DenseLayer &a = layers[i], &b = o.layers[i];
    if (a.inputs != b.inputs || a.outputs != b.outputs || a.activation != b.activation ||
        a.weight != b.weight || a.bias != b.bias) {
      return false;
    }
  }
  return true;
}

NetworkSpec logistic_regression(std::size_t rows, std::size_t cols, std::size_t classes,
                                double pixel_divisor) {
  return multilayer_perceptron(rows, cols, {}, Activation::kNone, classes, pixel_divisor);
}

NetworkSpec multilayer_perceptron(std::size_t rows, std::size_t cols,
                                  const std::vector<std::size_t>& hidden, Activation activation,
                                  std::size_t classes, double pixel_divisor) {
  NetworkSpec s;
  s.image_rows = rows;
  s.image_cols = cols;
  s.pixel_divisor = pixel_divisor;
  std::size_t in = rows * cols;
  std::vector<std::size_t> outs = hidden;
  outs.push_back(classes);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const std::string suffix = outs.size() == 1 ? "" : std::to_string(i + 1);
    const Activation act = i + 1 == outs.size() ? Activation::kNone : activation;
    s.layers.push_back({in, outs[i], act, "W" + suffix, "b" + suffix});
    in = outs[i];
  }
  return s;
}

std::string to_json(const NetworkSpec& spec) {
  nlohmann::ordered_json j;
  j["input"] = {
      {"rows", spec.image_rows}, {"cols", spec.image_cols}, {"pixel_divisor", spec.pixel_divisor}};
  j["layers"] = nlohmann::ordered_json::array();
  for (const DenseLayer& l : spec.layers) {
    j["layers"].push_back({{"type", "dense"},
                           {"inputs", l.inputs},
                           {"outputs", l.outputs},
                           {"activation", to_string(l.activation)},
                           {"weight", l.weight},
                           {"bias", l.bias}});
  }
  j["head"] = "softmax_cross_entropy";
  return j.dump();
}

NetworkSpec network_from_json(const std::string& text) {
  NetworkSpec s;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    const auto& in = j.at("input");
    s.image_rows = in.at("rows").get<std::size_t>();
    s.image_cols = in.at("cols").get<std::size_t>();
    s.pixel_divisor = in.at("pixel_divisor").get<double>();
    if (j.at("head").get<std::string>() != "softmax_cross_entropy") {
      throw std::invalid_argument("unknown head '" + j.at("head").get<std::string>() + "'");
    }
    for (const auto& l : j.at("layers")) {
      if (l.at("type").get<std::string>() != "dense") {
        throw std::invalid_argument("unknown layer type '" + l.at("type").get<std::string>() + "'");
      }
      s.layers.push_back({l.at("inputs").get<std::size_t>(), l.at("outputs").get<std::size_t>(),
                          parse_activation(l.at("activation").get<std::string>()),
                          l.at("weight").get<std::string>(), l.at("bias").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("the network description is not valid: ") + e.what());
  }
  s.validate();
  constexpr std::size_t kMaxSide = 1u << 16, kMaxWidth = 1u << 20;
  if (s.image_rows > kMaxSide || s.image_cols > kMaxSide) {
    throw std::invalid_argument("the network's image size is implausibly large");
  }
  for (const DenseLayer& l : s.layers) {
    if (l.outputs > kMaxWidth || l.inputs > kMaxWidth * 16) {
      throw std::invalid_argument("a layer of the network is implausibly wide");
    }
  }
  return s;
}

void check_params(const NetworkSpec& spec, const ParamValues& values) {
  const std::vector<ParamSpec> params = spec.params();
  if (values.size() != params.size()) {
    throw std::invalid_argument("the network has " + std::to_string(params.size()) +
                                " parameters, " + std::to_string(values.size()) + " were given");
  }
  for (const ParamSpec& p : params) {
    auto it = values.find(p.name);
    if (it == values.end()) throw std::invalid_argument("parameter '" + p.name + "' is missing");
    if (it->second.size() != p.size()) {
      throw std::invalid_argument("parameter '" + p.name + "' has " +
                                  std::to_string(it->second.size()) + " values, not " +
                                  std::to_string(p.size()));
    }
  }
}

}  // namespace clmnist::runtime
