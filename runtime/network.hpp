// A network as plain data: the input (image geometry and pixel scale), a sequence of layers of a
// few kinds (dense, conv2d, max-pool, bias + activation, flatten) and a softmax cross-entropy head
// on the last dense layer. Shapes propagate from the input and are validated; parameters are
// declared by the layers (shape, init rule, decay) and those declarations govern init, weight
// decay, model files, checkpoints, export, pictures and FLOP counts everywhere.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace clmnist::runtime {

enum class Activation { kNone, kTanh, kRelu };
const char* to_string(Activation a);
// Throws std::invalid_argument naming the allowed values.
Activation parse_activation(const std::string& name);

enum class LayerKind { kDense, kConv2d, kMaxPool, kActivation, kFlatten };

// What a network may be, one set of limits for the writer and the reader: a model file whose
// network passes check_network_limits can be read back, and a crafted one costs no more than
// these bounds (see check_network_limits).
constexpr std::size_t kMaxNetworkLayers = 1024;
constexpr std::size_t kMaxImageSide = std::size_t{1} << 16;
constexpr std::size_t kMaxLayerWidth = std::size_t{1} << 20;   // units or filters of a layer
constexpr std::size_t kMaxMapValues = std::size_t{1} << 24;    // the values of one sample's map
constexpr std::size_t kMaxParamValues = std::size_t{1} << 30;  // 4 GiB of float32, the file's cap
const char* to_string(LayerKind k);  // the JSON type: "dense", "conv2d", ...

// Feature maps x rows x cols, row-major and channel-major (a sample of NCHW; Theano's layout).
struct MapShape {
  std::size_t maps = 1, rows = 1, cols = 1;
  std::size_t size() const { return maps * rows * cols; }
  bool operator==(const MapShape& o) const {
    return maps == o.maps && rows == o.rows && cols == o.cols;
  }
};

// One parameter tensor: canonical layout, row-major. Dense weights are [inputs x outputs] (the
// tutorials' layout), conv filters [filters x maps x kernel x kernel] (Theano's, not flipped),
// biases [outputs] or [maps].
struct ParamSpec {
  std::string name;
  std::vector<std::size_t> shape;
  bool decay = false;       // whether L1/L2 weight decay applies (weights yes, biases no)
  double init_bound = 0.0;  // 0: starts at zero; else uniform in +-init_bound (Theano's rule)
  std::size_t size() const;
};

// One layer. Which fields mean something depends on the kind:
//   dense       y[outputs] = act(x[inputs] . weight + bias); x is the flattened input
//   conv2d      valid true convolution (Theano's conv2d: filters flipped), `filters` maps out of
//               kernel x kernel windows; weight only (a bias, if any, is a later activation layer)
//   max_pool    window x window, stride window, the border that does not fill a window ignored
//   activation  y = act(x + bias[map]) (bias optional: empty name)
//   flatten     maps x rows x cols -> one vector, channel-major (Theano's flatten(2)); no-op data
struct Layer {
  std::size_t inputs = 0, outputs = 0;  // dense only
  Activation activation = Activation::kNone;
  std::string weight, bias;
  LayerKind kind = LayerKind::kDense;
  std::size_t filters = 0, kernel = 0;  // conv2d
  std::size_t window = 0;               // max_pool

  bool operator==(const Layer& o) const;
};

struct NetworkSpec {
  std::size_t image_rows = 0, image_cols = 0;
  double pixel_divisor = 256.0;  // input = uint8 pixel / pixel_divisor
  std::vector<Layer> layers;     // the last one is dense and its outputs are the classes

  std::size_t features() const { return image_rows * image_cols; }
  std::size_t classes() const { return layers.empty() ? 0 : layers.back().outputs; }
  float pixel_scale() const { return static_cast<float>(1.0 / pixel_divisor); }
  // The shape entering each layer and, last, the network's output: layers.size() + 1 entries.
  // Throws std::invalid_argument when a layer does not fit what it receives.
  std::vector<MapShape> shapes() const;
  // Whether every layer is dense (the networks of the dense-only kernel families).
  bool all_dense() const;
  // Every parameter, in layer order (weight, then bias).
  std::vector<ParamSpec> params() const;
  ParamSpec param(const std::string& name) const;  // throws std::invalid_argument
  std::size_t param_count() const;                 // scalars in all parameters
  // Multiply-adds of one sample's forward pass x 2 (dense products and convolutions).
  double forward_flops() const;
  // Forward, backward and update of one training sample (products and convolutions).
  double train_flops() const;
  // "784-500 tanh-10 softmax", "1x28x28-conv20x5x5-pool2-b tanh-...-10 softmax"
  std::string describe() const;
  // Throws std::invalid_argument when the layers do not chain, a size is zero or a name is bad.
  void validate() const;
  bool operator==(const NetworkSpec& o) const;
};

// The description as compact JSON (model metadata) and back; from_json throws
// std::invalid_argument naming what is wrong.
std::string to_json(const NetworkSpec& spec);
NetworkSpec network_from_json(const std::string& text);
// Throws std::invalid_argument naming the value and the limit when `s` is beyond the limits
// above; network_from_json applies it to every file, and train to its network before training.
void check_network_limits(const NetworkSpec& s);

// Parameter values by name, each in its canonical layout.
using ParamValues = std::map<std::string, std::vector<float>>;
// Checks that `values` holds exactly the network's parameters with their sizes.
void check_params(const NetworkSpec& spec, const ParamValues& values);

}  // namespace clmnist::runtime
