// `clmnist export`: a saved model as numpy arrays or an ONNX graph.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "export_formats.hpp"
#include "network_model.hpp"
#include "shown_text.hpp"

namespace clmnist::apps {

int run_export(int argc, char** argv) {
  std::string model_path, format, output;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("model,m",
       po::value(&model_path)->default_value("best_model.safetensors")->value_name("FILE"),
       "model file written by clmnist train")                                            //
      ("format,f", po::value(&format)->required()->value_name("FORMAT"), "npy or onnx")  //
      ("output,o", po::value(&output)->required()->value_name("PATH"),
       "npy: a directory (one NAME.npy per parameter is written into it, all or none: a failure "
       "leaves every old file); onnx: the .onnx file");
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist export --model FILE --format npy|onnx --output PATH\n\n"
          "npy writes one array per parameter: W.npy [784 x 10] and b.npy [10] for softmax\n"
          "regression (logits = x @ W + b); W1.npy [784 x 500], b1.npy, W2.npy [500 x 10], b2.npy\n"
          "for the MLP (logits = tanh(x @ W1 + b1) @ W2 + b2). onnx writes a graph input 'pixels'\n"
          "[N x 784] -> Gemm(W1, b1) -> Tanh -> ... -> Gemm -> Softmax -> 'probabilities' [N x "
          "10],\n"
          "with the pixel divisor (input = pixel / divisor) in its metadata. ONNX export in this\n"
          "build: " + onnx_support() + ".\n\nExamples:\n"
          "  clmnist export --format onnx --output model.onnx\n"
          "  clmnist export --model best_model.safetensors --format npy --output arrays/",
          vm)) {
    return 0;
  }
  if (format != "npy" && format != "onnx") {
    throw UsageError("--format '" + format + "' is not one of: npy, onnx");
  }
  require_readable_file("model", model_path);
  if (format == "onnx") require_writable_target("output", output);
  const model::Model m = model::load_model(model_path);
  std::vector<NamedPath> outputs;
  std::vector<std::string> npy_files;
  if (format == "onnx") outputs.push_back({"output", output});
  for (const runtime::ParamSpec& p : m.network.params()) {
    if (format == "npy") {
      outputs.push_back({"output", output + "/" + p.name + ".npy"});
      npy_files.push_back(p.name + ".npy");
    }
  }
  // Every file of the group is checked before any is written (export_npy writes them as one).
  if (format == "npy") require_output_dir("output", output, npy_files);
  require_distinct_files(outputs, {{"model", model_path}, config_input(vm)});
  if (format == "npy") {
    export_npy(m, output);
    std::string names;
    for (const runtime::ParamSpec& p : m.network.params()) {
      names += (names.empty() ? "" : ", ") + p.name + ".npy";
    }
    std::cout << "Wrote " << names << " into " << runtime::shown_text(output) << "\n";
  } else {
    export_onnx(m, output);
    std::cout << "Wrote " << runtime::shown_text(output) << "\n";
  }
  return 0;
}

}  // namespace clmnist::apps
