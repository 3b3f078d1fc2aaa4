// A trained model: the network description, its parameters by name (canonical layout,
// network.hpp) and free-form metadata. Saved as safetensors: one tensor per parameter, the
// network description as JSON in the metadata (format clmnist-network-2). Files of the first
// format (clmnist-softmax-regression-1: W, b) still load, as softmax regression.
#pragma once

#include <map>
#include <string>

#include "network.hpp"

namespace clmnist::model {

struct Model {
  runtime::NetworkSpec network;
  runtime::ParamValues params;
  std::map<std::string, std::string> metadata;

  bool empty() const { return params.empty(); }
  bool finite() const;
  // The parameter's values; throws std::invalid_argument naming the parameters there are.
  const std::vector<float>& param(const std::string& name) const;
};

// Saves atomically: a failure leaves any old file intact. Throws DivergenceError for non-finite
// parameters, std::invalid_argument when the parameters do not fit the network.
void save_model(const std::string& path, const Model& model);
// Loads and checks shapes and metadata. Throws DataError naming the file and the problem.
Model load_model(const std::string& path);

// The network description (JSON) of a model or checkpoint file, checked key by key: a damaged one
// is a DataError naming `path`, the key, the value and the fix, never the JSON library's text.
runtime::NetworkSpec parse_network(const std::string& text, const std::string& path);

// Initial parameters as the Theano tutorials draw them: each parameter with an init bound
// (ParamSpec::init_bound, declared by its layer) uniform in +-bound, row-major, in declaration
// order from one MT19937 stream seeded with `seed` in numpy.random.RandomState's 53-bit form,
// computed in double and rounded to float; the others zero.
runtime::ParamValues initial_params(const runtime::NetworkSpec& net, std::uint64_t seed);

}  // namespace clmnist::model
