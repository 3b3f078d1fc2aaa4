// NetworkSpec: shapes, parameters, FLOPs, validation and the description text.
#include "network.hpp"

#include <cctype>
#include <cmath>
#include <set>
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

const char* to_string(LayerKind k) {
  switch (k) {
    case LayerKind::kDense:
      return "dense";
    case LayerKind::kConv2d:
      return "conv2d";
    case LayerKind::kMaxPool:
      return "max_pool";
    case LayerKind::kActivation:
      return "activation";
    case LayerKind::kFlatten:
      return "flatten";
  }
  return "?";
}

std::size_t ParamSpec::size() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

bool Layer::operator==(const Layer& o) const {
  return kind == o.kind && inputs == o.inputs && outputs == o.outputs &&
         activation == o.activation && weight == o.weight && bias == o.bias &&
         filters == o.filters && kernel == o.kernel && window == o.window;
}

namespace {

std::string layer_name(std::size_t i) { return "layer " + std::to_string(i + 1); }

// The shape layer `l` makes of `in`; throws when it does not fit.
MapShape output_shape(const Layer& l, std::size_t i, const MapShape& in) {
  switch (l.kind) {
    case LayerKind::kDense:
      if (l.inputs != in.size()) {
        throw std::invalid_argument(layer_name(i) + " takes " + std::to_string(l.inputs) +
                                    " inputs but receives " + std::to_string(in.size()));
      }
      if (l.outputs == 0) throw std::invalid_argument(layer_name(i) + " has no outputs");
      return {l.outputs, 1, 1};
    case LayerKind::kConv2d:
      if (l.filters == 0 || l.kernel == 0) {
        throw std::invalid_argument(layer_name(i) + " (conv2d) needs filters and a kernel size");
      }
      if (l.kernel > in.rows || l.kernel > in.cols) {
        throw std::invalid_argument(layer_name(i) + " (conv2d) has a " + std::to_string(l.kernel) +
                                    "x" + std::to_string(l.kernel) + " kernel over " +
                                    std::to_string(in.rows) + "x" + std::to_string(in.cols) +
                                    " maps");
      }
      return {l.filters, in.rows - l.kernel + 1, in.cols - l.kernel + 1};
    case LayerKind::kMaxPool:
      if (l.window == 0 || l.window > in.rows || l.window > in.cols) {
        throw std::invalid_argument(layer_name(i) + " (max_pool) has a window of " +
                                    std::to_string(l.window) + " over " + std::to_string(in.rows) +
                                    "x" + std::to_string(in.cols) + " maps");
      }
      return {in.maps, in.rows / l.window, in.cols / l.window};
    case LayerKind::kActivation:
    case LayerKind::kFlatten:
      return in;
  }
  return in;
}

// Theano's fan-out of a conv layer: filters x kernel area, over the pool window's area that
// follows it, in integer division as the tutorial computes it.
std::size_t conv_fan_out(const std::vector<Layer>& layers, std::size_t i) {
  const Layer& c = layers[i];
  const std::size_t area = i + 1 < layers.size() && layers[i + 1].kind == LayerKind::kMaxPool
                               ? layers[i + 1].window * layers[i + 1].window
                               : 1;
  return c.filters * c.kernel * c.kernel / area;
}

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

// One layer's multiply-adds x 2 for one sample.
double layer_flops(const Layer& l, const MapShape& in, const MapShape& out) {
  if (l.kind == LayerKind::kDense) return 2.0 * static_cast<double>(l.inputs * l.outputs);
  if (l.kind == LayerKind::kConv2d) {
    return 2.0 * static_cast<double>(out.size() * in.maps * l.kernel * l.kernel);
  }
  return 0.0;
}

}  // namespace

std::vector<MapShape> NetworkSpec::shapes() const {
  std::vector<MapShape> s{{1, image_rows, image_cols}};
  for (std::size_t i = 0; i < layers.size(); ++i) s.push_back(output_shape(layers[i], i, s.back()));
  return s;
}

bool NetworkSpec::all_dense() const {
  for (const Layer& l : layers) {
    if (l.kind != LayerKind::kDense) return false;
  }
  return true;
}

std::vector<ParamSpec> NetworkSpec::params() const {
  const std::vector<MapShape> s = shapes();
  std::vector<ParamSpec> out;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    if (l.kind == LayerKind::kDense) {
      const bool head = i + 1 == layers.size();  // the softmax layer starts at zero
      const double bound = std::sqrt(6.0 / static_cast<double>(l.inputs + l.outputs));
      out.push_back({l.weight, {l.inputs, l.outputs}, true, head ? 0.0 : bound});
      out.push_back({l.bias, {l.outputs}, false, 0.0});
    } else if (l.kind == LayerKind::kConv2d) {
      const std::size_t fan_in = s[i].maps * l.kernel * l.kernel;
      const double bound = std::sqrt(6.0 / static_cast<double>(fan_in + conv_fan_out(layers, i)));
      out.push_back({l.weight, {l.filters, s[i].maps, l.kernel, l.kernel}, true, bound});
    } else if (l.kind == LayerKind::kActivation && !l.bias.empty()) {
      out.push_back({l.bias, {s[i].maps}, false, 0.0});
    }
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
  const std::vector<MapShape> s = shapes();
  double f = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) f += layer_flops(layers[i], s[i], s[i + 1]);
  return f;
}

double NetworkSpec::train_flops() const {
  // Forward, the weight gradient of every layer, and the input gradient of every product but the
  // first (nothing below it needs one).
  const std::vector<MapShape> s = shapes();
  double f = 2.0 * forward_flops();
  bool first = true;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const double li = layer_flops(layers[i], s[i], s[i + 1]);
    if (li > 0 && !first) f += li;
    if (li > 0) first = false;
  }
  return f;
}

std::string NetworkSpec::describe() const {
  std::string s = all_dense()
                      ? std::to_string(features())
                      : "1x" + std::to_string(image_rows) + "x" + std::to_string(image_cols);
  for (const Layer& l : layers) {
    switch (l.kind) {
      case LayerKind::kDense:
        s += "-" + std::to_string(l.outputs);
        if (&l != &layers.back() || l.activation != Activation::kNone) {
          s += std::string(" ") + to_string(l.activation);
        }
        break;
      case LayerKind::kConv2d:
        s += "-conv" + std::to_string(l.filters) + "x" + std::to_string(l.kernel) + "x" +
             std::to_string(l.kernel);
        break;
      case LayerKind::kMaxPool:
        s += "-pool" + std::to_string(l.window);
        break;
      case LayerKind::kActivation:
        s += std::string("-") + (l.bias.empty() ? "" : "b ") + to_string(l.activation);
        break;
      case LayerKind::kFlatten:
        s += "-flatten";
        break;
    }
  }
  return s + " softmax";
}

void NetworkSpec::validate() const {
  if (image_rows == 0 || image_cols == 0) throw std::invalid_argument("the image size is zero");
  const float scale = pixel_scale();
  if (!(pixel_divisor > 0) || !(scale > 0) || !std::isfinite(scale)) {
    throw std::invalid_argument(
        "the pixel divisor is not a positive number whose reciprocal is a "
        "float (1e-38 to 1e38)");
  }
  if (layers.empty()) throw std::invalid_argument("the network has no layer");
  if (layers.back().kind != LayerKind::kDense) {
    throw std::invalid_argument("the last layer feeds the softmax head and must be dense, not " +
                                std::string(to_string(layers.back().kind)));
  }
  if (layers.back().activation != Activation::kNone) {
    throw std::invalid_argument("the last layer feeds the softmax head and takes no activation");
  }
  shapes();  // throws where a layer does not fit
  std::set<std::string> names;
  for (const Layer& l : layers) {
    const bool weighted = l.kind == LayerKind::kDense || l.kind == LayerKind::kConv2d;
    const bool biased =
        l.kind == LayerKind::kDense || (l.kind == LayerKind::kActivation && !l.bias.empty());
    for (const std::string* n : {weighted ? &l.weight : nullptr, biased ? &l.bias : nullptr}) {
      if (n == nullptr) continue;
      if (!valid_param_name(*n)) {
        throw std::invalid_argument("parameter name '" + n->substr(0, 64) +
                                    "' is not letters, digits and '_' starting with a letter, or "
                                    "is a name the ONNX graph uses");
      }
      if (!names.insert(*n).second) {
        throw std::invalid_argument("parameter name '" + *n + "' is used twice");
      }
    }
  }
  if (classes() < 2) throw std::invalid_argument("the network needs at least 2 classes");
}

bool NetworkSpec::operator==(const NetworkSpec& o) const {
  return image_rows == o.image_rows && image_cols == o.image_cols &&
         pixel_divisor == o.pixel_divisor && layers == o.layers;
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
