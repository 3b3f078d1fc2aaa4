// .npy writer (format version 1.0) and the ONNX exporter over Debian's libonnx protobuf classes.
#include "export_formats.hpp"

#include <cstdio>
#include <filesystem>

#include "errors.hpp"
#include "safetensors.hpp"

#ifdef CLMNIST_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace clmnist::apps {
namespace {

std::string npy(const std::vector<float>& data, const std::string& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  return out;
}

}  // namespace

void export_npy(const model::Model& m, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("cannot create the output directory '" + dir + "'");
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const runtime::ParamSpec& p : m.network.params()) {
    std::string shape = "(";
    for (std::size_t d : p.shape) shape += std::to_string(d) + ", ";
    shape = p.shape.size() == 1 ? shape.substr(0, shape.size() - 1) + ")"
                                : shape.substr(0, shape.size() - 2) + ")";
    files.emplace_back(dir + "/" + p.name + ".npy", npy(m.param(p.name), shape));
  }
  model::write_files_atomic(files);  // all new, or all as they were
}

#ifdef CLMNIST_WITH_ONNX
void export_onnx(const model::Model& m, const std::string& path) {
  const runtime::NetworkSpec& net = m.network;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("clmnist");
  model.set_model_version(1);
  model.set_doc_string("Network " + net.describe() +
                       " trained by clmnist; input = pixel / pixel_divisor.");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* meta = model.add_metadata_props();
  meta->set_key("pixel_divisor");
  char div[32];
  std::snprintf(div, sizeof div, "%.17g", net.pixel_divisor);
  meta->set_value(div);

  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(net.layers.size() == 1 ? "clmnist_softmax_regression" : "clmnist_mlp");
  auto tensor_type = [](onnx::ValueInfoProto* v, const char* name, std::size_t cols) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    t->mutable_shape()->add_dim()->set_dim_value(static_cast<std::int64_t>(cols));
  };
  tensor_type(g->add_input(), "pixels", net.features());
  tensor_type(g->add_output(), "probabilities", net.classes());
  auto node = [g](const char* op, const std::string& name, std::vector<std::string> inputs,
                  const std::string& output) {
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  };
  // Gemm (and Tanh or Relu) per layer, then Softmax over the last layer's logits.
  std::string x = "pixels";
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const runtime::Layer& d = net.layers[l];
    for (const runtime::ParamSpec& p : {runtime::ParamSpec{d.weight, {d.inputs, d.outputs}, true},
                                        runtime::ParamSpec{d.bias, {d.outputs}, false}}) {
      onnx::TensorProto* t = g->add_initializer();
      t->set_name(p.name);
      t->set_data_type(onnx::TensorProto::FLOAT);
      for (std::size_t dim : p.shape) t->add_dims(static_cast<std::int64_t>(dim));
      const std::vector<float>& data = m.param(p.name);
      t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * 4));
    }
    const std::string z = l + 1 == net.layers.size() ? "logits" : "z" + std::to_string(l + 1);
    node("Gemm", "dense" + std::to_string(l + 1), {x, d.weight, d.bias}, z);
    x = z;
    if (d.activation != runtime::Activation::kNone) {
      const std::string h = "h" + std::to_string(l + 1);
      node(d.activation == runtime::Activation::kTanh ? "Tanh" : "Relu", h, {x}, h);
      x = h;
    }
  }
  onnx::NodeProto* softmax = node("Softmax", "softmax", {x}, "probabilities");
  auto* axis = softmax->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("cannot serialise the ONNX model");
  model::write_file_atomic(path, bytes);
}
#else
void export_onnx(const model::Model&, const std::string&) {
  throw Error(
      "this clmnist was built without ONNX support (install libonnx-dev and "
      "libprotobuf-dev, then rebuild)");
}
#endif

}  // namespace clmnist::apps
