// Checkpoint files: tensors W, b (current), best_W, best_b; every scalar as metadata text
// (doubles with 17 significant digits, so they read back exactly).
#include "checkpoint.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "errors.hpp"
#include "safetensors.hpp"

namespace clmnist::model {
namespace {

constexpr const char* kFormat = "clmnist-checkpoint-1";

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

}  // namespace

void save_checkpoint(const std::string& path, const TrainState& s) {
  SafeTensors st;
  const SoftmaxModel& best = s.best.best_model;
  const std::size_t classes = s.b.size();
  const std::size_t features = classes == 0 ? 0 : s.wt.size() / classes;
  st.tensors["W"] = {{classes, features}, s.wt};
  st.tensors["b"] = {{classes}, s.b};
  if (!best.w.empty()) {
    st.tensors["best_W"] = {{best.features(), best.classes}, best.w};
    st.tensors["best_b"] = {{best.classes}, best.b};
  }
  auto& m = st.metadata;
  const TrainConfig& c = s.config;
  m["format"] = kFormat;
  m["preset"] = c.preset;
  m["learning_rate"] = num(c.learning_rate);
  m["batch_size"] = std::to_string(c.batch_size);
  m["max_epochs"] = std::to_string(c.max_epochs);
  m["max_steps"] = std::to_string(c.max_steps);
  m["early_stopping"] = c.early_stopping ? "true" : "false";
  m["patience_initial"] = std::to_string(c.patience);
  m["patience_increase"] = std::to_string(c.patience_increase);
  m["improvement_threshold"] = num(c.improvement_threshold);
  m["validation_frequency"] = std::to_string(c.validation_frequency);
  m["shuffle"] = c.shuffle ? "true" : "false";
  m["seed"] = std::to_string(c.seed);
  m["pixel_divisor"] = num(c.pixel_divisor);
  m["valid_first"] = c.valid_first ? "true" : "false";
  m["valid_size"] = std::to_string(c.valid_size);
  m["data_fingerprint"] = std::to_string(s.data_fingerprint);
  m["epoch"] = std::to_string(s.epoch);
  m["next_minibatch"] = std::to_string(s.next_minibatch);
  m["iterations"] = std::to_string(s.iterations);
  m["finished"] = s.finished ? "true" : "false";
  m["patience"] = std::to_string(s.patience);
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
  m["image_rows"] = std::to_string(best.image_rows);
  m["image_cols"] = std::to_string(best.image_cols);
  write_file_atomic(path, encode_safetensors(st));
}

TrainState load_checkpoint(const std::string& path) {
  SafeTensors st = read_safetensors(path);
  const Reader m(st.metadata, path);
  if (m.text("format") != kFormat) {
    throw DataError(path + ": not a clmnist checkpoint (format '" + m.text("format") + "')");
  }
  TrainState s;
  TrainConfig& c = s.config;
  c.preset = m.text("preset");
  c.learning_rate = m.real("learning_rate");
  c.batch_size = m.whole("batch_size");
  c.max_epochs = m.whole("max_epochs");
  c.max_steps = m.whole("max_steps");
  c.early_stopping = m.flag("early_stopping");
  c.patience = m.whole("patience_initial");
  c.patience_increase = m.whole("patience_increase");
  c.improvement_threshold = m.real("improvement_threshold");
  c.validation_frequency = m.whole("validation_frequency");
  c.shuffle = m.flag("shuffle");
  c.seed = m.whole("seed");
  c.pixel_divisor = m.real("pixel_divisor");
  c.valid_first = m.flag("valid_first");
  c.valid_size = m.whole("valid_size");
  s.data_fingerprint = m.whole("data_fingerprint");
  s.epoch = m.whole("epoch");
  s.next_minibatch = m.whole("next_minibatch");
  s.iterations = m.whole("iterations");
  s.finished = m.flag("finished");
  s.patience = m.whole("patience");
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
  if (s.epoch == 0 || c.batch_size == 0) throw DataError(path + ": checkpoint position is invalid");

  auto tensor = [&](const char* name) -> TensorF32& {
    auto it = st.tensors.find(name);
    if (it == st.tensors.end()) throw DataError(path + ": checkpoint lacks tensor '" + name + "'");
    return it->second;
  };
  TensorF32& w = tensor("W");
  TensorF32& b = tensor("b");
  if (w.shape.size() != 2 || b.shape.size() != 1 || w.shape[0] != b.shape[0]) {
    throw DataError(path + ": checkpoint tensors W and b have inconsistent shapes");
  }
  s.wt = std::move(w.data);
  s.b = std::move(b.data);
  SoftmaxModel& bm = r.best_model;
  bm.image_rows = m.whole("image_rows");
  bm.image_cols = m.whole("image_cols");
  bm.classes = s.b.size();
  bm.pixel_divisor = c.pixel_divisor;
  if (st.tensors.count("best_W") != 0) {
    TensorF32& bw = tensor("best_W");
    TensorF32& bb = tensor("best_b");
    if (bw.shape.size() != 2 || bw.shape[0] != bm.features() || bw.shape[1] != bm.classes ||
        bb.data.size() != bm.classes) {
      throw DataError(path + ": checkpoint tensors best_W and best_b have inconsistent shapes");
    }
    bm.w = std::move(bw.data);
    bm.b = std::move(bb.data);
  }
  return s;
}

}  // namespace clmnist::model
