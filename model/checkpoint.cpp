// Checkpoint files: the current parameters as tensors by name, the best model's as "best." + name,
// the network description, every setting (train_settings()), every scalar and the run's
// --save-model as metadata text (doubles with 17 significant digits, so they read back exactly).
#include "checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "errors.hpp"
#include "network_model.hpp"
#include "presets.hpp"
#include "safetensors.hpp"

namespace clmnist::model {
namespace {

constexpr const char* kFormat = "clmnist-checkpoint-2";
constexpr const char* kBest = "best.";

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

class Reader {
 public:
  Reader(const std::map<std::string, std::string>& m, std::string path)
      : m_(m), path_(std::move(path)) {}
  const std::string& text(const std::string& key) const {
    auto it = m_.find(key);
    if (it == m_.end()) throw DataError(path_ + ": checkpoint metadata lacks '" + key + "'");
    return it->second;
  }
  double real(const std::string& key) const {
    const std::string& t = text(key);
    if (t == "inf") return std::numeric_limits<double>::infinity();
    try {
      std::size_t used = 0;
      const double v = std::stod(t, &used);
      if (used == t.size()) return v;
    } catch (const std::exception&) {
    }
    throw DataError(path_ + ": checkpoint metadata '" + key + "' = '" + t + "' is not a number");
  }
  std::uint64_t whole(const std::string& key) const {
    const std::string& t = text(key);
    try {
      std::size_t used = 0;
      const unsigned long long v = std::stoull(t, &used);
      if (used == t.size() && t[0] != '-') return v;
    } catch (const std::exception&) {
    }
    throw DataError(path_ + ": checkpoint metadata '" + key + "' = '" + t +
                    "' is not a whole number");
  }
  bool flag(const std::string& key) const {
    const std::string& t = text(key);
    if (t != "true" && t != "false") {
      throw DataError(path_ + ": checkpoint metadata '" + key + "' = '" + t +
                      "' is not true/false");
    }
    return t == "true";
  }

 private:
  const std::map<std::string, std::string>& m_;
  std::string path_;
};

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  throw DataError(path + ": " + what + "; the checkpoint is damaged: start the run again");
}

// What the figures of a run can be: errors in [0, 1] (early stopping's best may still be inf),
// counters within the run, times >= 0, parameters finite. A hand-edited or damaged file fails
// here, naming the key, instead of printing a test performance of 700 % or 2^64 epochs.
void check_state(const TrainState& s, const std::string& path) {
  const TrainResult& r = s.best;
  const std::pair<const char*, double> errors[] = {
      {"best_validation_error", r.best_validation_error},
      {"test_error", r.test_error},
      {"best_validation_error_all", r.best_validation_error_all},
      {"test_error_all", r.test_error_all},
      {"best_so_far", std::isinf(s.best_so_far) && s.best_so_far > 0 ? 0.0 : s.best_so_far}};
  for (const auto& [key, v] : errors) {
    if (!(v >= 0.0 && v <= 1.0)) {
      damaged(path, std::string("'") + key + "' = " + num(v) + " is not an error rate in [0, 1]");
    }
  }
  if (!(s.train_seconds >= 0.0) || !std::isfinite(s.train_seconds)) {
    damaged(path, "'train_seconds' = " + num(s.train_seconds) + " is not a time");
  }
  const std::size_t max_epochs = s.config.max_epochs;
  const std::pair<const char*, bool> counters[] = {
      {"epoch", s.epoch == 0 || s.epoch > max_epochs + 1},
      {"best_epochs", r.epochs > s.epoch},
      {"best_epoch", r.best_epoch > s.epoch},
      {"best_iteration", r.best_iteration > s.iterations}};
  for (const auto& [key, bad] : counters) {
    if (bad) {
      damaged(path, std::string("'") + key + "' is outside the run (epoch " +
                        std::to_string(s.epoch) + " of at most " + std::to_string(max_epochs) +
                        ", " + std::to_string(s.iterations) + " minibatches run)");
    }
  }
  for (const auto* values : {&s.params, &r.best_model.params}) {
    for (const auto& [name, v] : *values) {
      if (!std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); })) {
        damaged(path, "tensor '" + name + "' holds NaN or infinite values");
      }
    }
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const TrainState& s) {
  SafeTensors st;
  const Model& best = s.best.best_model;
  const runtime::NetworkSpec& net = s.network;
  runtime::check_params(net, s.params);
  for (const runtime::ParamSpec& p : net.params()) {
    st.tensors[p.name] = {p.shape, s.params.at(p.name)};
    if (!best.empty()) st.tensors[kBest + p.name] = {p.shape, best.params.at(p.name)};
  }
  auto& m = st.metadata;
  m["format"] = kFormat;
  m["network"] = runtime::to_json(net);
  for (const Setting& setting : train_settings()) m[setting.key] = setting_text(s.config, setting);
  m["data_fingerprint"] = std::to_string(s.data_fingerprint);
  m["epoch"] = std::to_string(s.epoch);
  m["next_minibatch"] = std::to_string(s.next_minibatch);
  m["iterations"] = std::to_string(s.iterations);
  m["finished"] = s.finished ? "true" : "false";
  m["patience_now"] = std::to_string(s.patience);
  m["best_so_far"] = num(s.best_so_far);
  m["train_seconds"] = num(s.train_seconds);
  const TrainResult& r = s.best;
  m["best_epochs"] = std::to_string(r.epochs);
  m["best_epoch"] = std::to_string(r.best_epoch);
  m["best_iteration"] = std::to_string(r.best_iteration);
  m["best_validation_error"] = num(r.best_validation_error);
  m["test_error"] = num(r.test_error);
  m["best_validation_error_all"] = num(r.best_validation_error_all);
  m["test_error_all"] = num(r.test_error_all);
  if (s.save_model) m["save_model"] = *s.save_model;
  write_file_atomic(path, encode_safetensors(st));
}

TrainState load_checkpoint(const std::string& path) {
  SafeTensors st = read_safetensors(path);
  const Reader m(st.metadata, path);
  if (m.text("format") != kFormat) {
    throw DataError(path + ": not a checkpoint this clmnist reads (format '" + m.text("format") +
                    "', expected " + kFormat + "); start the run again");
  }
  TrainState s;
  s.network = parse_network(m.text("network"), path);
  try {
    for (const Setting& setting : train_settings()) {
      parse_setting(s.config, setting, m.text(setting.key));
    }
    find_preset(s.config.preset);  // one this clmnist knows
    validate(s.config);
  } catch (const std::invalid_argument& e) {
    damaged(path, e.what());
  }
  s.data_fingerprint = m.whole("data_fingerprint");
  s.epoch = m.whole("epoch");
  s.next_minibatch = m.whole("next_minibatch");
  s.iterations = m.whole("iterations");
  s.finished = m.flag("finished");
  s.patience = m.whole("patience_now");
  s.best_so_far = m.real("best_so_far");
  s.train_seconds = m.real("train_seconds");
  TrainResult& r = s.best;
  r.epochs = m.whole("best_epochs");
  r.iterations = s.iterations;
  r.best_epoch = m.whole("best_epoch");
  r.best_iteration = m.whole("best_iteration");
  r.best_validation_error = m.real("best_validation_error");
  r.test_error = m.real("test_error");
  r.best_validation_error_all = m.real("best_validation_error_all");
  r.test_error_all = m.real("test_error_all");
  if (const auto it = st.metadata.find("save_model"); it != st.metadata.end()) {
    s.save_model = it->second;
  }
  const std::vector<runtime::ParamSpec> params = s.network.params();
  const bool has_best = st.tensors.count(kBest + params.front().name) != 0;
  if (st.tensors.size() != params.size() * (has_best ? 2 : 1)) {
    throw DataError(path + ": checkpoint tensors do not match its network");
  }
  for (const runtime::ParamSpec& p : params) {
    for (const std::string& name : {p.name, std::string(kBest) + p.name}) {
      if (name != p.name && !has_best) continue;
      auto it = st.tensors.find(name);
      if (it == st.tensors.end() || it->second.shape != p.shape) {
        throw DataError(path + ": checkpoint tensor '" + name + "' is missing or misshapen");
      }
      (name == p.name ? s.params : r.best_model.params)[p.name] = std::move(it->second.data);
    }
  }
  if (has_best) r.best_model.network = s.network;
  check_state(s, path);
  s.origin = path;
  return s;
}

}  // namespace clmnist::model
