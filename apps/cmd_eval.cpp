// `clmnist eval` and `clmnist predict`: a saved model on the MNIST test set.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_common.hpp"
#include "cli_help.hpp"
#include "commands.hpp"
#include "gray_image.hpp"
#include "input_file.hpp"
#include "json_text.hpp"
#include "mnist.hpp"
#include "network_model.hpp"
#include "shown_text.hpp"
#include "text.hpp"
#include "trainer.hpp"
#include "tuning_choice.hpp"

namespace clmnist::apps {
namespace {

// A model whose outputs are not finite numbers (weights near the float maximum, or a diverged
// run saved before the check): a label from them would be noise, so they are an error.
DataError nonfinite_outputs(const std::string& model_path, const std::string& what) {
  return DataError(model_path + ": the model's outputs for " + what +
                   " are not finite numbers (NaN or infinity): its parameters overflow float "
                   "arithmetic; the file is damaged or the training diverged: train it again");
}

bool all_finite(const float* p, std::size_t n) {
  return std::all_of(p, p + n, [](float v) { return std::isfinite(v); });
}

}  // namespace

namespace {

struct Loaded {
  model::Model model;
  model::LabeledImages test;
  OpenedBackend opened;
  std::unique_ptr<runtime::Executable> exec;
  runtime::DatasetId test_id = 0;
};

// The model compiled on the device for batches of up to `batch` rows, its parameters written.
std::unique_ptr<runtime::Executable> compile_model(OpenedBackend& opened, const DeviceOptions& dev,
                                                   const model::Model& m, std::size_t batch) {
  runtime::CompileOptions o;
  o.max_batch = batch;
  o.impl = impl_choice(dev);
  std::ostringstream quiet;  // the tuned line of a run's log has no place in eval's output
  apply_tuning(dev, opened.device, m.network, o, quiet);
  std::unique_ptr<runtime::Executable> exec = compile_network(*opened.backend, m.network, o);
  exec->write_params(m.params);
  return exec;
}

// Loads the model and the test set, checks they fit together, and puts both on the device.
Loaded load_for_inference(const std::string& model_path, std::string data_dir,
                          const DeviceOptions& dev, std::size_t batch, std::ostream& log) {
  require_readable_file("model", model_path);
  if (!data_dir.empty()) require_directory("data-dir", data_dir);
  Loaded l;
  l.model = model::load_model(model_path);
  if (data_dir.empty()) data_dir = model::default_data_dir();
  const model::MnistFiles files = model::find_mnist_test_files(data_dir);
  l.test = model::load_labeled_images(files.test_images, files.test_labels);
  const runtime::NetworkSpec& net = l.model.network;
  if (l.test.image_rows != net.image_rows || l.test.image_cols != net.image_cols) {
    throw DataError(model_path + " was trained on " + std::to_string(net.image_rows) + "x" +
                    std::to_string(net.image_cols) + " images, but the test images are " +
                    std::to_string(l.test.image_rows) + "x" + std::to_string(l.test.image_cols));
  }
  for (std::size_t i = 0; i < l.test.count; ++i) {
    if (l.test.labels[i] >= net.classes()) {
      throw DataError(files.test_labels + ": label " + std::to_string(l.test.labels[i]) +
                      " at row " + std::to_string(i) + " (counting from 0) is not below the " +
                      std::to_string(net.classes()) + " classes of " + model_path +
                      "; evaluate it on data of the classes it was trained on");
    }
  }
  l.opened = open_backend(dev, log);
  log << device_address_line(l.opened.device);
  // Buffers for no more rows than the test set has, whatever --batch-size says.
  l.exec = compile_model(l.opened, dev, l.model,
                         std::min(batch, std::max<std::size_t>(l.test.count, 1)));
  l.test_id = l.opened.backend->upload(l.test.view());
  return l;
}

void add_common(po::options_description& desc, std::string& model_path, std::string& data_dir) {
  desc.add_options()("help,h", "show this help")  //
      ("model,m",
       po::value(&model_path)->default_value("best_model.safetensors")->value_name("FILE"),
       "model file written by clmnist train")  //
      ("data-dir", po::value(&data_dir)->value_name("DIR"),
       "directory with the MNIST IDX files (default as for clmnist train)");
}

// The batch size the model was trained with (its metadata), else the logistic_sgd tutorial's 600.
std::size_t model_batch(const model::Model& m) {
  const auto it = m.metadata.find("batch_size");
  if (it == m.metadata.end()) return 600;
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(it->second, &used);
    if (used == it->second.size() && v >= 1 && v <= (1u << 24)) return static_cast<std::size_t>(v);
  } catch (const std::exception&) {  // damaged metadata: the default, as for a model without it
  }
  return 600;
}

}  // namespace

int run_eval(int argc, char** argv) {
  std::string model_path, data_dir;
  Whole batch_opt{600};
  DeviceOptions dev;
  po::options_description desc("Options");
  add_common(desc, model_path, data_dir);
  desc.add_options()("batch-size", po::value(&batch_opt)->value_name("N"),
                     "minibatch size of the reference protocol's count (whole minibatches); "
                     "default: the model's own training batch size, else 600");
  add_device_options(desc, dev, false);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc,
                          "Usage: clmnist eval [--model FILE] [options]\n\nPrints the test error "
                          "of a saved model over every test image, and over whole minibatches "
                          "as the tutorial counts it.\n\nExample:\n  clmnist eval --model "
                          "best_model.safetensors --device host",
                          vm)) {
    return 0;
  }
  require_at_least("batch-size", batch_opt.value, 1);
  Loaded l = load_for_inference(model_path, data_dir, dev, batch_opt.value, std::cout);
  const std::size_t batch = vm.count("batch-size") != 0 ? batch_opt.value : model_batch(l.model);
  const std::size_t counted = model::reference_rows(l.test.count, batch);
  const runtime::EvalCounts ev = l.exec->evaluate(l.test_id, counted);
  if (!std::isfinite(ev.nll_sum_all)) throw nonfinite_outputs(model_path, "the test images");
  std::printf("test error %f %% over every sample (%llu of %zu wrong)\n",
              100.0 * static_cast<double>(ev.errors_all) / static_cast<double>(l.test.count),
              static_cast<unsigned long long>(ev.errors_all), l.test.count);
  if (counted == l.test.count && l.test.count < batch) {
    std::printf(
        "(the %zu test images are fewer than one minibatch of %zu: the tutorial's count "
        "is every sample)\n",
        l.test.count, batch);
  } else {
    char line[160];
    std::snprintf(line, sizeof line, "test error %f %% over the first %zu samples",
                  100.0 * static_cast<double>(ev.errors_counted) / static_cast<double>(counted),
                  counted);
    const std::string why = "(whole minibatches of " + std::to_string(batch) + ", as the tutorial)";
    // On a line of its own where both do not fit the terminal.
    const bool fits = runtime::display_width(line) + 1 + why.size() <= text_width();
    std::printf("%s%s%s\n", line, fits ? " " : "\n  ", why.c_str());
  }
  std::printf("mean negative log-likelihood %f\n",
              ev.nll_sum_all / static_cast<double>(l.test.count));
  return 0;
}

namespace {

// Predicts the user's own digit images: each prepared as MNIST digits are, then classified. An
// image that cannot be read or holds no digit gets its own error in its place (stderr, or a JSON
// object with "error"); the others are predicted, and the exit status is 1 if any failed.
int predict_images(const std::vector<std::string>& images, const std::string& model_path,
                   const DeviceOptions& dev, bool json) {
  const model::Model m = model::load_model(model_path);
  const runtime::NetworkSpec& net = m.network;
  const std::size_t classes = net.classes();
  model::LabeledImages set;
  set.image_rows = net.image_rows;
  set.image_cols = net.image_cols;
  std::vector<std::string> errors(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string& p = images[i];
    try {
      if (const std::string why = model::input_problem(p); !why.empty()) throw DataError(why);
      const model::GrayImage digit =
          model::prepare_digit(model::read_image(p), net.image_rows, net.image_cols,
                               std::max<std::size_t>(1, net.image_rows * 20 / 28));
      set.images.insert(set.images.end(), digit.pixels.begin(), digit.pixels.end());
      set.labels.push_back(0);
    } catch (const DataError& e) {
      const std::string what = e.what();
      errors[i] = what.rfind(p + ": ", 0) == 0 ? what.substr(p.size() + 2) : what;
    } catch (const std::bad_alloc&) {  // this image's error; the others are still predicted
      errors[i] = "not enough memory to read and prepare the image";
    }
  }
  set.count = set.labels.size();
  std::vector<float> probs;
  if (set.count > 0) {
    std::ostringstream quiet;
    OpenedBackend opened = open_backend(dev, json ? quiet : std::cerr);
    const std::unique_ptr<runtime::Executable> exec =
        compile_model(opened, dev, m, std::min<std::size_t>(set.count, 4096));
    const runtime::DatasetId id = opened.backend->upload(set.view());
    probs = exec->predict(id, 0, set.count);
  }
  std::size_t row = 0, failed = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    nlohmann::ordered_json j;
    j["image"] = images[i];
    const float* p = errors[i].empty() ? probs.data() + row++ * classes : nullptr;
    if (p != nullptr && !all_finite(p, classes)) {  // this image's error, in its place
      errors[i] = nonfinite_outputs(model_path, "this image").what();
    }
    if (!errors[i].empty()) {
      ++failed;
      if (json) {
        j["error"] = errors[i];
        std::cout << model::json_text(j) << "\n";
      } else {
        std::cout << std::flush;  // one line an image: a newline in its name is shown as \n
        std::cerr << "clmnist predict: " << runtime::shown_text(images[i]) << ": "
                  << runtime::shown_text(errors[i]) << "\n";
      }
      continue;
    }
    const std::size_t best = static_cast<std::size_t>(std::max_element(p, p + classes) - p);
    if (json) {
      j["label"] = best;
      j["probabilities"] = std::vector<float>(p, p + classes);
      std::cout << model::json_text(j) << "\n";
      continue;
    }
    std::printf("%s: %zu (p = %.3f)\n", runtime::shown_text(images[i]).c_str(), best,
                static_cast<double>(p[best]));
    std::string all = " ";
    for (std::size_t c = 0; c < classes; ++c) {
      char one[48];
      std::snprintf(one, sizeof one, " %zu: %.3f", c, static_cast<double>(p[c]));
      all += one;
    }
    std::printf("%s\n", runtime::wrap_line(all, text_width(), 2).c_str());
  }
  if (failed != 0) {
    std::cout << std::flush;
    std::cerr << "clmnist predict: " << failed << " of " << images.size()
              << " images could not be predicted (see above)\n";
    return 1;
  }
  return 0;
}

}  // namespace

int run_predict(int argc, char** argv) {
  std::string model_path, data_dir;
  Whole count_opt{10};
  bool json = false;
  std::vector<std::string> images;
  DeviceOptions dev;
  po::options_description desc("Options");
  add_common(desc, model_path, data_dir);
  desc.add_options()("count,n", po::value(&count_opt)->default_value(count_opt)->value_name("N"),
                     "without images: how many test images, from the first")  //
      ("json", po::bool_switch(&json),
       "with images: one JSON object per line, in the order given: image, label, probabilities "
       "(or image, error); bytes of a name that are not UTF-8 become U+FFFD")  //
      ("image", po::value(&images)->composing()->value_name("FILE"),
       "PNG, JPEG, BMP, PGM, GIF, TGA, PSD, HDR or PIC images (positional)");
  add_device_options(desc, dev, false);
  po::positional_options_description positional;
  positional.add("image", -1);
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist predict [--model FILE] [--json] IMAGE...\n"
          "       clmnist predict [--model FILE] [--count N]\n\n"
          "With images (PNG, JPEG, BMP, PGM and the other formats of stb_image, any size, gray or "
          "colour, dark digit on light "
          "or the reverse: detected from the border), prepares each as MNIST digits "
          "are (longer side scaled to 20 pixels, centre of mass at the centre of "
          "28x28) and prints the predicted digit and every class's probability. An image that "
          "cannot be read or holds no digit gets an error of its own (on stderr; with --json an "
          "object with \"error\" in its place) and the others are still predicted; the exit "
          "status is then 1. In the text, a name's control characters and bytes that are not "
          "UTF-8 are shown as escapes (\\n, \\x1b), so each image has one result line.\n"
          "Without images, prints the predicted and the true labels of the first N "
          "test images, as the tutorial's predict() does.\n\nExamples:\n"
          "  clmnist predict my-seven.png scan.pgm\n"
          "  clmnist predict --json digits/*.png\n  clmnist predict --count 20",
          vm, &positional)) {
    return 0;
  }
  if (!images.empty()) {
    require_readable_file("model", model_path);
    return predict_images(images, model_path, dev, json);
  }
  if (json) throw UsageError("--json applies to predictions of images given on the command line");
  const std::size_t count = count_opt.value;
  require_at_least("count", count, 1);
  Loaded l =
      load_for_inference(model_path, data_dir, dev, std::min<std::size_t>(count, 4096), std::cerr);
  if (count > l.test.count) {
    throw UsageError("--count " + std::to_string(count) + " is more than the " +
                     std::to_string(l.test.count) + " test images");
  }
  const std::vector<float> probs = l.exec->predict(l.test_id, 0, count);
  const std::size_t k = l.model.network.classes();
  if (!all_finite(probs.data(), probs.size())) {
    throw nonfinite_outputs(model_path, "the first " + std::to_string(count) + " test images");
  }
  std::cout << "Predicted values for the first " << count << " examples in test set:\n[";
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < k; ++c) {
      if (probs[i * k + c] > probs[i * k + best]) best = c;
    }
    std::cout << (i ? " " : "") << best;
  }
  std::cout << "]\nTrue labels:\n[";
  for (std::size_t i = 0; i < count; ++i) std::cout << (i ? " " : "") << int{l.test.labels[i]};
  std::cout << "]\n";
  return 0;
}

}  // namespace clmnist::apps
