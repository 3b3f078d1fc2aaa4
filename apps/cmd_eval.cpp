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
#include "inference.hpp"
#include "json_text.hpp"
#include "mnist.hpp"
#include "network_model.hpp"
#include "predict_images.hpp"
#include "shown_text.hpp"
#include "text.hpp"
#include "trainer.hpp"

namespace clmnist::apps {
namespace {

struct Loaded {
  model::Model model;
  model::LabeledImages test;
  OpenedBackend opened;
  std::unique_ptr<runtime::Executable> exec;
  runtime::DatasetId test_id = 0;
};

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
                          "of a saved model (named with its network) over every test image, and "
                          "over whole minibatches of its own training batch size as the tutorial "
                          "counts it.\n\nExample:\n  clmnist eval --model "
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
  std::printf("%s\n", runtime::wrap_line("Model " + runtime::shown_text(model_path) + ": " +
                                             l.model.network.describe(),
                                         text_width(), 2)
                          .c_str());
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

// The first `count` test images' predictions: the labels as the tutorial's predict() prints
// them, or with `json` one object per image with every class's probability.
int predict_test_set(const std::string& model_path, const std::string& data_dir,
                     const DeviceOptions& dev, std::size_t count, bool json) {
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
  std::vector<std::size_t> best(count);
  for (std::size_t i = 0; i < count; ++i) {
    const float* p = probs.data() + i * k;
    best[i] = static_cast<std::size_t>(std::max_element(p, p + k) - p);
    if (json) {
      nlohmann::ordered_json j;
      j["index"] = i;
      j["label"] = best[i];
      j["true_label"] = int{l.test.labels[i]};
      j["probabilities"] = std::vector<float>(p, p + k);
      std::cout << model::json_text(j) << "\n";
    }
  }
  if (json) return 0;
  std::cout << "Predicted values for the first " << count << " examples in test set:\n[";
  for (std::size_t i = 0; i < count; ++i) std::cout << (i ? " " : "") << best[i];
  std::cout << "]\nTrue labels:\n[";
  for (std::size_t i = 0; i < count; ++i) std::cout << (i ? " " : "") << int{l.test.labels[i]};
  std::cout << "]\n";
  return 0;
}

const char* kPredictUsage =
    "Usage: clmnist predict [--model FILE] [--json] [--raw] [--save-prepared DIR]\n"
    "                       IMAGE...\n"
    "       clmnist predict [--model FILE] [--json] [--count N]\n\n"
    "With images (PNG, JPEG, BMP, PGM and the other formats of stb_image, any size, gray or "
    "colour, dark digit on light or the reverse: detected from the border), prepares each as "
    "MNIST digits are (longer side scaled to 20 pixels, centre of mass at the centre of 28x28) "
    "and prints the predicted digit and every class's probability. With --raw, images of the "
    "model's input size (28x28 for MNIST models), light digit on dark as MNIST's, are given to "
    "the network as they are (colour made gray), with no preparation; another size is that "
    "image's error. --save-prepared DIR writes the image each one became, as the network saw it, "
    "into DIR. An image that cannot be read or holds no digit gets an error of its own (on "
    "stderr; with --json an object with \"error\" in its place) and the others are still "
    "predicted; the exit status is then 1. In the text, a name's control characters and bytes "
    "that are not UTF-8 are shown as escapes (\\n, \\x1b), so each image has one result line.\n"
    "Without images, prints the predicted and the true labels of the first N test images, as "
    "the tutorial's predict() does (with --json, one object per image: index, label, true_label, "
    "probabilities).\n\nExamples:\n"
    "  clmnist predict my-seven.png scan.pgm\n"
    "  clmnist predict --json digits/*.png\n"
    "  clmnist predict --raw --save-prepared seen mnist-digit.pgm\n"
    "  clmnist predict --count 20";

}  // namespace

int run_predict(int argc, char** argv) {
  std::string model_path, data_dir;
  Whole count_opt{10};
  ImagePredictOptions how;
  std::vector<std::string> images;
  DeviceOptions dev;
  po::options_description desc("Options");
  add_common(desc, model_path, data_dir);
  desc.add_options()("count,n", po::value(&count_opt)->default_value(count_opt)->value_name("N"),
                     "without images: how many test images, from the first")  //
      ("json", po::bool_switch(&how.json),
       "one JSON object per line, in order: with images image, label, probabilities (or image, "
       "error), and prepared with --save-prepared; without, index, label, true_label, "
       "probabilities; bytes of a name that are not UTF-8 become U+FFFD")  //
      ("raw", po::bool_switch(&how.raw),
       "with images: give the network each image as it is (pixels as stored, colour made gray), "
       "with no preparation; it must be the model's input size (28x28 for MNIST models), light "
       "digit on dark as MNIST's")  //
      ("save-prepared", po::value(&how.save_prepared)->value_name("DIR"),
       "with images: write each image as the network saw it (the model's input size, gray PNG) "
       "into DIR, named after the image (7.pgm gives 7.png; a name given twice gets -2, -3)")  //
      ("image", po::value(&images)->composing()->value_name("FILE"),
       "PNG, JPEG, BMP, PGM, GIF, TGA, PSD, HDR or PIC images (positional)");
  add_device_options(desc, dev, false);
  po::positional_options_description positional;
  positional.add("image", -1);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, kPredictUsage, vm, &positional)) return 0;
  if (images.empty()) {
    if (how.raw) throw UsageError("--raw applies to images given on the command line");
    if (vm.count("save-prepared") != 0) {
      throw UsageError("--save-prepared applies to images given on the command line");
    }
    return predict_test_set(model_path, data_dir, dev, count_opt.value, how.json);
  }
  require_readable_file("model", model_path);
  if (vm.count("save-prepared") != 0) {
    if (how.save_prepared.empty()) {
      throw UsageError("--save-prepared '' names no directory; give one, or leave it out");
    }
    std::vector<NamedPath> inputs = {{"model", model_path}, config_input(vm)};
    for (const std::string& image : images) inputs.push_back({"image", image});
    check_save_prepared(how.save_prepared, images, inputs);
  }
  return predict_images(images, model_path, dev, how);
}

}  // namespace clmnist::apps
