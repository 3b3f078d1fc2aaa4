// The presets: Theano's logistic_sgd.py and mlp.py, and TensorFlow's "MNIST for ML beginners".
#include "presets.hpp"

#include <stdexcept>

#include "networks.hpp"

namespace clmnist::model {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = [] {
    std::vector<Preset> v;
    Preset logreg;
    logreg.name = "theano-logreg";
    logreg.aliases = {"theano"};
    logreg.reproduces =
        "Theano logistic_sgd.py: softmax regression, lr 0.13, batch 600, patience 5000, "
        "train = first 50,000, valid = last 10,000, pixels / 256";
    logreg.published = "best validation 7.500000 %, test 7.489583 %, 74 epochs";
    logreg.published_validation_error = 0.075;
    logreg.published_test_error = 0.07489583;
    logreg.config.preset = logreg.name;
    v.push_back(logreg);

    Preset mlp;
    mlp.name = "theano-mlp";
    mlp.reproduces =
        "Theano mlp.py: 784-500 tanh-10 softmax, lr 0.01, L2 0.0001, batch 20, patience 10000, "
        "init uniform +-sqrt(6/(in+out)) from RandomState(1234)";
    mlp.published = "best validation 1.690000 % at iteration 2070000, test 1.650000 %";
    mlp.published_validation_error = 0.0169;
    mlp.published_test_error = 0.0165;
    mlp.log_format = LogFormat::kMlp;
    mlp.target_error = 0.02;
    mlp.bench_time_to_accuracy = false;  // hundreds of epochs
    mlp.config.preset = mlp.name;
    mlp.config.hidden = 500;
    mlp.config.learning_rate = 0.01;
    mlp.config.l2 = 0.0001;
    mlp.config.batch_size = 20;
    mlp.config.patience = 10000;
    v.push_back(mlp);

    Preset lenet;
    lenet.name = "theano-lenet";
    lenet.reproduces =
        "Theano convolutional_mlp.py: LeNet conv 5x5x20, pool 2, conv 5x5x50, pool 2, 500 tanh, 10 "
        "softmax, lr 0.1, batch 500, patience 10000, init uniform from RandomState(23455)";
    lenet.published = "best validation 0.910000 % at iteration 17800, test 0.920000 %";
    lenet.published_validation_error = 0.0091;
    lenet.published_test_error = 0.0092;
    lenet.log_format = LogFormat::kMlp;
    lenet.target_error = 0.02;
    lenet.bench_time_to_accuracy = false;  // 200 epochs
    lenet.network = model::lenet;
    lenet.config.preset = lenet.name;
    lenet.config.learning_rate = 0.1;
    lenet.config.batch_size = 500;
    lenet.config.max_epochs = 200;
    lenet.config.patience = 10000;
    lenet.config.seed = 23455;
    v.push_back(lenet);

    Preset tf;
    tf.name = "tensorflow";
    tf.reproduces =
        "TensorFlow MNIST for ML beginners: softmax regression, lr 0.5, batch 100, 1000 shuffled "
        "steps, valid = first 5,000, pixels / 255";
    tf.published = "about 92 % test accuracy";
    tf.target_error = 0.08;
    TrainConfig& c = tf.config;
    c.preset = "tensorflow";
    c.learning_rate = 0.5;
    c.batch_size = 100;
    c.max_steps = 1000;
    c.early_stopping = false;
    c.shuffle = true;
    c.seed = 0;
    c.pixel_divisor = 255.0;
    c.valid_first = true;
    c.valid_size = 5000;
    v.push_back(tf);
    return v;
  }();
  return all;
}

std::string preset_list() {
  std::string s;
  for (const Preset& p : presets()) {
    for (const std::string& a : p.aliases) s += a + ", ";
    s += p.name + ", ";
  }
  return s.substr(0, s.size() - 2);
}

const Preset& find_preset(const std::string& name) {
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    for (const std::string& a : p.aliases) {
      if (a == name) return p;
    }
  }
  throw std::invalid_argument("unknown preset '" + name + "' (allowed: " + preset_list() + ")");
}

TrainConfig preset_config(const std::string& name) {
  TrainConfig c = find_preset(name).config;
  c.preset = name;
  return c;
}

namespace {

// The network the settings name, before its limits are checked.
runtime::NetworkSpec network_of_settings(const TrainConfig& c, std::size_t rows, std::size_t cols,
                                         std::size_t classes) {
  const Preset* preset = nullptr;
  try {
    preset = &find_preset(c.preset);
  } catch (const std::invalid_argument&) {  // a config of its own: the dense network it names
  }
  if (preset != nullptr && preset->network != nullptr) {
    if (c.hidden != 0) {
      throw std::invalid_argument("--hidden " + std::to_string(c.hidden) + " does not apply to " +
                                  preset->name + ", whose network is fixed (" +
                                  preset->network(rows, cols, classes, c.pixel_divisor).describe() +
                                  "); leave --hidden out");
    }
    return preset->network(rows, cols, classes, c.pixel_divisor);
  }
  if (c.hidden == 0) return logistic_regression(rows, cols, classes, c.pixel_divisor);
  return multilayer_perceptron(rows, cols, {c.hidden}, runtime::parse_activation(c.activation),
                               classes, c.pixel_divisor);
}

}  // namespace

runtime::NetworkSpec network_for(const TrainConfig& c, std::size_t rows, std::size_t cols,
                                 std::size_t classes) {
  runtime::NetworkSpec net = network_of_settings(c, rows, cols, classes);
  try {
    runtime::check_network_limits(net);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("this network (") + net.describe() +
                                ") would make a model clmnist cannot read back: " + e.what());
  }
  return net;
}

}  // namespace clmnist::model
