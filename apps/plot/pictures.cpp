// Training and benchmark pictures.
#include "pictures.hpp"

#include <cstdio>
#include <filesystem>

#include "charts.hpp"
#include "errors.hpp"
#include "output_file.hpp"

namespace clmnist::apps {
namespace {

void ensure_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec))
    throw Error("cannot create --plot-dir '" + dir + "'");
}

// The first layer's weights as images: the class templates of softmax regression, the filters of
// the first 100 hidden units of an MLP, or a conv layer's filters (its first input map) as they
// meet the image (flipped back from Theano's true-convolution orientation).
void draw_first_layer(OutputFiles& out, const std::string& dir, const model::Model& m) {
  const runtime::NetworkSpec& net = m.network;
  const runtime::Layer& first = net.layers.front();
  const bool classes = net.layers.size() == 1;
  const bool conv = first.kind == runtime::LayerKind::kConv2d;
  std::size_t count = first.outputs, rows = net.image_rows, cols = net.image_cols;
  std::vector<float> w = m.param(first.weight);
  std::string title = classes ? "Learned weights per class (red: pixel argues for the class, blue: "
                                "against)"
                              : "";
  if (conv) {  // [filters x maps x k x k] -> pixel-major [k*k x filters], map 0, unflipped
    count = first.filters;
    rows = cols = first.kernel;
    const std::size_t kk = rows * cols, maps = w.size() / (count * kk);
    std::vector<float> t(kk * count);
    for (std::size_t f = 0; f < count; ++f) {
      for (std::size_t j = 0; j < kk; ++j) t[j * count + f] = w[f * maps * kk + (kk - 1 - j)];
    }
    w = std::move(t);
    title = "First-layer filters: the " + std::to_string(count) + " " + std::to_string(rows) +
            "x" + std::to_string(cols) + " convolution kernels as they meet the image (red +, blue -)";
  }
  TemplateLayout layout;
  layout.shown = classes || conv ? count : std::min<std::size_t>(count, 100);
  layout.per_row = classes ? 5 : 10;
  layout.label = classes ? "class" : "";
  if (title.empty()) {
    title = "First-layer filters of " + std::to_string(layout.shown) + " of " +
            std::to_string(count) + " hidden units (red +, blue -)";
  }
  const double width = 900,
               tile = width / static_cast<double>(std::min(layout.shown, layout.per_row));
  const double lines = static_cast<double>((layout.shown + layout.per_row - 1) / layout.per_row);
  const int height = static_cast<int>(60 + (tile + (classes ? 18 : 4)) * lines);
  draw_both(out, dir + "/weights", 900, height, [&](Painter& p) {
    p.text(450, 24, title, 15, {40, 40, 40}, Anchor::kMiddle);
    draw_templates(p, 10, 45, width - 20, w, rows, cols, count, layout);
  });
}

}  // namespace

const std::vector<std::string>& training_picture_files() {
  static const std::vector<std::string> names = {"learning_curves.svg", "learning_curves.png",
                                                 "weights.svg",         "weights.png",
                                                 "confusion.svg",       "confusion.png"};
  return names;
}

const std::vector<std::string>& bench_picture_files() {
  static const std::vector<std::string> names = {"devices.svg", "devices.png"};
  return names;
}

void write_pictures(const std::string& dir, const OutputFiles& files) {
  ensure_dir(dir);
  model::write_files_atomic(files);
}

OutputFiles training_pictures(const std::string& dir, const model::TrainResult& r,
                              const std::vector<std::size_t>& confusion) {
  OutputFiles out;
  // x: the epoch, or a fraction of it when validations come more often than once an epoch.
  Series train_loss{"training loss", {}, {}, palette(0)},
      valid_loss{"validation loss", {}, {}, palette(1)};
  Series valid_err{"validation error", {}, {}, palette(1)};
  Series test_err{"test error of best model", {}, {}, palette(2), true};
  for (const model::ValidationRecord& v : r.history) {
    const double x = static_cast<double>(v.epoch - 1) +
                     static_cast<double>(v.minibatch) /
                         static_cast<double>(std::max<std::size_t>(1, v.minibatches));
    train_loss.x.push_back(x), train_loss.y.push_back(v.train_loss);
    valid_loss.x.push_back(x), valid_loss.y.push_back(v.validation_loss);
    valid_err.x.push_back(x), valid_err.y.push_back(100.0 * v.validation_error);
    if (v.test_error >= 0) test_err.x.push_back(x), test_err.y.push_back(100.0 * v.test_error);
  }
  draw_both(out, dir + "/learning_curves", 900, 720, [&](Painter& p) {
    draw_line_chart(
        p, 0, 0, 900, 360,
        {"Loss (mean negative log-likelihood)", "epoch", "loss", {train_loss, valid_loss}});
    draw_line_chart(p, 0, 360, 900, 360,
                    {"Error (reference protocol)", "epoch", "error %", {valid_err, test_err}});
  });
  const runtime::NetworkSpec& net = r.best_model.network;
  const std::size_t k = net.classes();
  if (!r.best_model.empty()) draw_first_layer(out, dir, r.best_model);
  if (r.best_model.empty()) return out;  // no model: no confusion matrix to draw
  draw_both(out, dir + "/confusion", 640, 660, [&](Painter& p) {
    std::size_t wrong = 0, total = 0;
    for (std::size_t t = 0; t < k; ++t) {
      for (std::size_t q = 0; q < k; ++q) (t == q ? total : wrong) += confusion[t * k + q];
    }
    total += wrong;
    char title[96];
    std::snprintf(title, sizeof title, "Test set confusion matrix (%zu of %zu wrong)", wrong,
                  total);
    p.text(320, 24, title, 15, {40, 40, 40}, Anchor::kMiddle);
    draw_confusion(p, 60, 80, 540, confusion, k);
  });
  return out;
}

OutputFiles bench_pictures(const std::string& dir, const std::vector<DeviceBench>& results) {
  OutputFiles out;
  BarChart speed{"Steady-state training (theano protocol, batch 600)", "samples/s", {}};
  BarChart kernels{"Mean time per kernel launch (one profiled epoch)", "us", {}};
  std::size_t colour = 0;
  for (const DeviceBench& r : results) {
    if (!r.passed) continue;
    const std::string name = r.device.name.substr(0, 24);
    for (const PathTiming& t : r.paths) {
      speed.bars.push_back({name + " (" + t.path + ")", t.samples_per_second, palette(colour)});
    }
    for (const runtime::KernelTime& k : r.kernels) {
      kernels.bars.push_back({name.substr(0, 12) + ": " + k.kernel.substr(0, 22),
                              k.total_seconds * 1e6 / static_cast<double>(k.calls),
                              palette(colour)});
    }
    ++colour;
  }
  const double h1 = 70 + 34.0 * static_cast<double>(speed.bars.size());
  const double h2 = 70 + 34.0 * static_cast<double>(std::max<std::size_t>(1, kernels.bars.size()));
  draw_both(out, dir + "/devices", 1000, static_cast<int>(h1 + h2), [&](Painter& p) {
    draw_bar_chart(p, 0, 0, 1000, h1, speed);
    draw_bar_chart(p, 0, h1, 1000, h2, kernels);
  });
  return out;
}

}  // namespace clmnist::apps
