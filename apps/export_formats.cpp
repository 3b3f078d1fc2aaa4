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

void export_npy(const model::SoftmaxModel& m, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("cannot create the output directory '" + dir + "'");
  }
  model::write_file_atomic(dir + "/W.npy", npy(m.w, "(" + std::to_string(m.features()) + ", " +
                                                        std::to_string(m.classes) + ")"));
  model::write_file_atomic(dir + "/b.npy", npy(m.b, "(" + std::to_string(m.classes) + ",)"));
}

#ifdef CLMNIST_WITH_ONNX
void export_onnx(const model::SoftmaxModel& m, const std::string& path) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("clmnist");
  model.set_model_version(1);
  model.set_doc_string("Softmax regression trained by clmnist; input = pixel / pixel_divisor.");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* meta = model.add_metadata_props();
  meta->set_key("pixel_divisor");
  char div[32];
  std::snprintf(div, sizeof div, "%.17g", m.pixel_divisor);
  meta->set_value(div);

  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("clmnist_softmax_regression");
  auto tensor_type = [](onnx::ValueInfoProto* v, const char* name, std::size_t cols) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    t->mutable_shape()->add_dim()->set_dim_value(static_cast<std::int64_t>(cols));
  };
  tensor_type(g->add_input(), "pixels", m.features());
  tensor_type(g->add_output(), "probabilities", m.classes);
  auto initializer = [g](const char* name, const std::vector<float>& data,
                         std::initializer_list<std::int64_t> dims) {
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (std::int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * 4));
  };
  initializer("W", m.w,
              {static_cast<std::int64_t>(m.features()), static_cast<std::int64_t>(m.classes)});
  initializer("b", m.b, {static_cast<std::int64_t>(m.classes)});
  onnx::NodeProto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->set_name("logits");
  gemm->add_input("pixels");
  gemm->add_input("W");
  gemm->add_input("b");
  gemm->add_output("logits");
  onnx::NodeProto* softmax = g->add_node();
  softmax->set_op_type("Softmax");
  softmax->set_name("softmax");
  softmax->add_input("logits");
  softmax->add_output("probabilities");
  auto* axis = softmax->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("cannot serialise the ONNX model");
  model::write_file_atomic(path, bytes);
}
#else
void export_onnx(const model::SoftmaxModel&, const std::string&) {
  throw Error(
      "this clmnist was built without ONNX support (install libonnx-dev and "
      "libprotobuf-dev, then rebuild)");
}
#endif

}  // namespace clmnist::apps
