// `clmnist export`: a saved model as numpy arrays or an ONNX graph.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "export_formats.hpp"
#include "softmax_model.hpp"

namespace clmnist::apps {

int run_export(int argc, char** argv) {
  std::string model_path, format, output;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")  //
      ("model,m", po::value(&model_path)->default_value("best_model.safetensors"),
       "model file written by clmnist train")                      //
      ("format,f", po::value(&format)->required(), "npy or onnx")  //
      ("output,o", po::value(&output)->required(),
       "npy: a directory (W.npy and b.npy are written into it); onnx: the .onnx file");
  po::variables_map vm;
  if (!parse_command_line(
          argc, argv, desc,
          "Usage: clmnist export --model FILE --format npy|onnx --output PATH\n\n"
          "npy writes W.npy [784 x 10] and b.npy [10] (logits = x @ W + b); onnx writes a graph\n"
          "input 'pixels' [N x 784] -> Gemm(W, b) -> Softmax -> 'probabilities' [N x 10], with "
          "the\n"
          "pixel divisor (input = pixel / divisor) in its metadata.\n\nExamples:\n"
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
  const model::SoftmaxModel m = model::load_model(model_path);
  if (format == "npy") {
    export_npy(m, output);
    std::cout << "Wrote " << output << "/W.npy and " << output << "/b.npy\n";
  } else {
    export_onnx(m, output);
    std::cout << "Wrote " << output << "\n";
  }
  return 0;
}

}  // namespace clmnist::apps
