// Predicting the user's own images: read, prepared (or taken raw), classified on the device,
// each failure in its own place, and the images the network saw kept when asked.
#include "predict_images.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_help.hpp"
#include "gray_image.hpp"
#include "inference.hpp"
#include "input_file.hpp"
#include "json_text.hpp"
#include "mnist.hpp"
#include "output_file.hpp"
#include "shown_text.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

std::string size_text(std::size_t width, std::size_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

std::string prepared_path(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

// The pixels the network gets for the image at `path`: the digit prepared as MNIST digits are,
// or with `raw` the image as stored (gray), which must then be the model's input size.
model::GrayImage network_input(const std::string& path, const runtime::NetworkSpec& net, bool raw) {
  if (const std::string why = model::input_problem(path); !why.empty()) throw DataError(why);
  model::GrayImage image = model::read_image(path);
  if (!raw) {
    return model::prepare_digit(image, net.image_rows, net.image_cols,
                                std::max<std::size_t>(1, net.image_rows * 20 / 28));
  }
  if (image.width != net.image_cols || image.height != net.image_rows) {
    throw DataError("the image is " + size_text(image.width, image.height) +
                    " pixels (width x height), but --raw takes images of the model's input "
                    "size, " +
                    size_text(net.image_cols, net.image_rows) +
                    "; leave out --raw to have it prepared as MNIST digits are");
  }
  return image;
}

// What the network is given: the images that could be read, in order, and each image's error
// (empty for those in the set).
struct Inputs {
  model::LabeledImages set;
  std::vector<std::string> errors;
  std::vector<model::GrayImage> seen;  // with --save-prepared: each image in the set
};

Inputs read_inputs(const std::vector<std::string>& images, const runtime::NetworkSpec& net,
                   const ImagePredictOptions& how) {
  Inputs in;
  in.set.image_rows = net.image_rows;
  in.set.image_cols = net.image_cols;
  in.errors.resize(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string& p = images[i];
    try {
      model::GrayImage digit = network_input(p, net, how.raw);
      in.set.images.insert(in.set.images.end(), digit.pixels.begin(), digit.pixels.end());
      in.set.labels.push_back(0);
      if (!how.save_prepared.empty()) in.seen.push_back(std::move(digit));
    } catch (const DataError& e) {
      const std::string what = e.what();
      in.errors[i] = what.rfind(p + ": ", 0) == 0 ? what.substr(p.size() + 2) : what;
    } catch (const std::bad_alloc&) {  // this image's error; the others are still predicted
      in.errors[i] = "not enough memory to read and prepare the image";
    }
  }
  in.set.count = in.set.labels.size();
  return in;
}

// --save-prepared: the images the network saw, as one group of PNG files (all new or all as they
// were). Returns each image's file, empty for the images that failed.
std::vector<std::string> save_prepared(const std::vector<std::string>& images, const Inputs& in,
                                       const std::string& dir) {
  std::vector<std::string> paths(images.size());
  if (dir.empty() || in.seen.empty()) return paths;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("cannot create --save-prepared '" + dir + "': " + ec.message());
  }
  const std::vector<std::string> names = prepared_names(images);
  std::vector<std::pair<std::string, std::string>> files;
  for (std::size_t i = 0, row = 0; i < images.size(); ++i) {
    if (!in.errors[i].empty()) continue;
    const model::GrayImage& g = in.seen[row++];
    paths[i] = prepared_path(dir, names[i]);
    files.emplace_back(paths[i], model::encode_png_gray(g.width, g.height, g.pixels));
  }
  model::write_files_atomic(files);
  return paths;
}

void print_failure(const std::string& image, const std::string& error, bool json) {
  if (json) {
    nlohmann::ordered_json j;
    j["image"] = image;
    j["error"] = error;
    std::cout << model::json_text(j) << "\n";
    return;
  }
  std::cout << std::flush;  // one line an image: a newline in its name is shown as \n
  std::cerr << "clmnist predict: " << runtime::shown_text(image) << ": "
            << runtime::shown_text(error) << "\n";
}

void print_result(const std::string& image, const float* p, std::size_t classes,
                  const std::string& prepared, bool json) {
  const std::size_t best = static_cast<std::size_t>(std::max_element(p, p + classes) - p);
  if (json) {
    nlohmann::ordered_json j;
    j["image"] = image;
    j["label"] = best;
    j["probabilities"] = std::vector<float>(p, p + classes);
    if (!prepared.empty()) j["prepared"] = prepared;
    std::cout << model::json_text(j) << "\n";
    return;
  }
  std::printf("%s: %zu (p = %.3f)\n", runtime::shown_text(image).c_str(), best,
              static_cast<double>(p[best]));
  std::string all = " ";
  for (std::size_t c = 0; c < classes; ++c) {
    char one[48];
    std::snprintf(one, sizeof one, " %zu: %.3f", c, static_cast<double>(p[c]));
    all += one;
  }
  std::printf("%s\n", runtime::wrap_line(all, text_width(), 2).c_str());
}

}  // namespace

std::vector<std::string> prepared_names(const std::vector<std::string>& images) {
  std::vector<std::string> names;
  std::set<std::string> taken;
  for (const std::string& image : images) {
    std::string stem = std::filesystem::path(image).stem().string();
    if (stem.empty() || stem == "." || stem == "..") stem = "image";
    std::string name = stem + ".png";
    for (std::size_t n = 2; taken.count(name) != 0; ++n)
      name = stem + "-" + std::to_string(n) + ".png";
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

void check_save_prepared(const std::string& dir, const std::vector<std::string>& images,
                         const std::vector<NamedPath>& inputs) {
  const std::vector<std::string> names = prepared_names(images);
  require_output_dir("save-prepared", dir, names);
  std::vector<NamedPath> outputs;
  for (const std::string& name : names)
    outputs.push_back({"save-prepared", prepared_path(dir, name)});
  require_distinct_files(outputs, inputs);
}

int predict_images(const std::vector<std::string>& images, const std::string& model_path,
                   const DeviceOptions& dev, const ImagePredictOptions& how) {
  const model::Model m = model::load_model(model_path);
  const std::size_t classes = m.network.classes();
  Inputs in = read_inputs(images, m.network, how);
  std::vector<float> probs;
  if (in.set.count > 0) {
    std::ostringstream quiet;
    OpenedBackend opened = open_backend(dev, how.json ? quiet : std::cerr);
    const std::unique_ptr<runtime::Executable> exec =
        compile_model(opened, dev, m, std::min<std::size_t>(in.set.count, 4096));
    const runtime::DatasetId id = opened.backend->upload(in.set.view());
    probs = exec->predict(id, 0, in.set.count);
  }
  const std::vector<std::string> prepared = save_prepared(images, in, how.save_prepared);
  std::size_t row = 0, failed = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const float* p = in.errors[i].empty() ? probs.data() + row++ * classes : nullptr;
    if (p != nullptr && !all_finite(p, classes)) {  // this image's error, in its place
      in.errors[i] = nonfinite_outputs(model_path, "this image").what();
    }
    if (!in.errors[i].empty()) {
      ++failed;
      print_failure(images[i], in.errors[i], how.json);
    } else {
      print_result(images[i], p, classes, prepared[i], how.json);
    }
  }
  const bool saved = std::any_of(prepared.begin(), prepared.end(),
                                 [](const std::string& p) { return !p.empty(); });
  if (saved && !how.json) {
    std::printf("%s\n", runtime::wrap_line(
                            "The images as the network saw them (" +
                                size_text(m.network.image_cols, m.network.image_rows) +
                                ", PNG) are in " + runtime::shown_text(how.save_prepared) + ".",
                            text_width(), 2)
                            .c_str());
  }
  if (failed != 0) {
    std::cout << std::flush;
    std::cerr << "clmnist predict: " << failed << " of " << images.size()
              << " images could not be predicted (see above)\n";
    return 1;
  }
  return 0;
}

}  // namespace clmnist::apps
