// `clmnist eval` and `clmnist predict`: a saved model on the MNIST test set.
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "mnist.hpp"
#include "softmax_model.hpp"
#include "trainer.hpp"

namespace clmnist::apps {
namespace {

struct Loaded {
  model::SoftmaxModel model;
  model::LabeledImages test;
  OpenedBackend opened;
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
  const model::MnistFiles files = model::find_mnist_files(data_dir);
  l.test = model::load_labeled_images(files.test_images, files.test_labels);
  if (l.test.image_rows != l.model.image_rows || l.test.image_cols != l.model.image_cols) {
    throw DataError(model_path + " was trained on " + std::to_string(l.model.image_rows) + "x" +
                    std::to_string(l.model.image_cols) + " images, but the test images are " +
                    std::to_string(l.test.image_rows) + "x" + std::to_string(l.test.image_cols));
  }
  for (std::size_t i = 0; i < l.test.count; ++i) {
    if (l.test.labels[i] >= l.model.classes) {
      throw DataError("test label " + std::to_string(l.test.labels[i]) + " at row " +
                      std::to_string(i) + " is not below the model's " +
                      std::to_string(l.model.classes) + " classes");
    }
  }
  l.opened = open_backend(dev, log);
  l.opened.backend->configure(l.model.features(), l.model.classes, batch,
                              static_cast<float>(1.0 / l.model.pixel_divisor));
  l.opened.backend->set_params(l.model.wt(), l.model.b);
  l.test_id = l.opened.backend->upload(l.test.view());
  return l;
}

void add_common(po::options_description& desc, std::string& model_path, std::string& data_dir) {
  desc.add_options()("help,h", "show this help")  //
      ("model,m", po::value(&model_path)->default_value("best_model.safetensors"),
       "model file written by clmnist train")  //
      ("data-dir", po::value(&data_dir),
       "directory with the MNIST IDX files (default as for clmnist train)");
}

}  // namespace

int run_eval(int argc, char** argv) {
  std::string model_path, data_dir;
  std::size_t batch = 600;
  DeviceOptions dev;
  po::options_description desc("Options");
  add_common(desc, model_path, data_dir);
  desc.add_options()("batch-size", po::value(&batch)->default_value(600),
                     "minibatch size of the reference protocol's count (whole minibatches)");
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
  require_at_least("batch-size", batch, 1);
  Loaded l = load_for_inference(model_path, data_dir, dev, batch, std::cout);
  const std::size_t counted = model::reference_rows(l.test.count, batch);
  const runtime::EvalCounts ev = l.opened.backend->evaluate(l.test_id, counted);
  std::printf("test error %f %% over every sample (%llu of %zu wrong)\n",
              100.0 * static_cast<double>(ev.errors_all) / static_cast<double>(l.test.count),
              static_cast<unsigned long long>(ev.errors_all), l.test.count);
  std::printf("test error %f %% over the first %zu samples (whole minibatches of %zu, as the "
              "tutorial)\n",
              100.0 * static_cast<double>(ev.errors_counted) / static_cast<double>(counted),
              counted, batch);
  std::printf("mean negative log-likelihood %f\n",
              ev.nll_sum_all / static_cast<double>(l.test.count));
  return 0;
}

int run_predict(int argc, char** argv) {
  std::string model_path, data_dir;
  std::size_t count = 10;
  DeviceOptions dev;
  po::options_description desc("Options");
  add_common(desc, model_path, data_dir);
  desc.add_options()("count,n", po::value(&count)->default_value(10),
                     "how many test images, from the first");
  add_device_options(desc, dev, false);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc,
                          "Usage: clmnist predict [--model FILE] [--count N] [options]\n\nPrints "
                          "the predicted and the true labels of the first N test images, as the "
                          "tutorial's predict() does.\n\nExample:\n  clmnist predict --count 20",
                          vm)) {
    return 0;
  }
  require_at_least("count", count, 1);
  Loaded l = load_for_inference(model_path, data_dir, dev, std::min<std::size_t>(count, 4096),
                                std::cerr);
  if (count > l.test.count) {
    throw UsageError("--count " + std::to_string(count) + " is more than the " +
                     std::to_string(l.test.count) + " test images");
  }
  const std::vector<float> probs = l.opened.backend->predict(l.test_id, 0, count);
  const std::size_t k = l.model.classes;
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
