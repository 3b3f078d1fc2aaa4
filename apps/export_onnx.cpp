// The ONNX exporter over Debian's libonnx protobuf classes (opset 13): one node or two per layer
// of the network, then Softmax. Input 'pixels' [N x features] (pixel / divisor), output
// 'probabilities' [N x classes]. Value names are z<k> and h<k> (k: the layer, 1-based; z0 the
// image as maps), which no parameter may take (runtime/network.cpp).
#ifdef CLMNIST_WITH_ONNX
#include <onnx/onnx_pb.h>

#include <cstdio>

#include "errors.hpp"
#include "export_formats.hpp"
#include "safetensors.hpp"

namespace clmnist::apps {
namespace {

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto* g) : g_(g) {}

  onnx::NodeProto* node(const char* op, const std::string& name,
                        const std::vector<std::string>& inputs, const std::string& output) {
    onnx::NodeProto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  }

  void initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                   const std::vector<float>& data) {
    onnx::TensorProto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (std::int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * 4));
  }

  void int64s(const std::string& name, const std::vector<std::int64_t>& values) {
    onnx::TensorProto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (std::int64_t v : values) t->add_int64_data(v);
  }

  static void ints(onnx::NodeProto* n, const char* name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (std::int64_t x : v) a->add_ints(x);
  }
  static void integer(onnx::NodeProto* n, const char* name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }

 private:
  onnx::GraphProto* g_;
};

void tensor_type(onnx::ValueInfoProto* v, const char* name, std::size_t cols) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_param("N");
  t->mutable_shape()->add_dim()->set_dim_value(static_cast<std::int64_t>(cols));
}

std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }

// Theano's filters [F x C x k x k] flipped in both spatial axes: ONNX's Conv correlates.
std::vector<float> flipped(const std::vector<float>& w, std::size_t k) {
  std::vector<float> out(w.size());
  const std::size_t kk = k * k;
  for (std::size_t m = 0; m < w.size(); ++m) out[m] = w[m / kk * kk + (kk - 1 - m % kk)];
  return out;
}

// The nodes of layer l (0-based) from value x; returns the layer's output value.
std::string layer_nodes(GraphWriter& w, const model::Model& m, std::size_t l,
                        const runtime::MapShape& in, const std::string& x) {
  const runtime::NetworkSpec& net = m.network;
  const runtime::Layer& L = net.layers[l];
  const std::string k = std::to_string(l + 1), z = "z" + k, h = "h" + k;
  const bool top = l + 1 == net.layers.size();
  const auto activate = [&](const std::string& from) {
    if (L.activation == runtime::Activation::kNone) return from;
    w.node(L.activation == runtime::Activation::kTanh ? "Tanh" : "Relu", h, {from}, h);
    return h;
  };
  switch (L.kind) {
    case runtime::LayerKind::kDense:
      w.initializer(L.weight, {i64(L.inputs), i64(L.outputs)}, m.param(L.weight));
      w.initializer(L.bias, {i64(L.outputs)}, m.param(L.bias));
      w.node("Gemm", "dense" + k, {x, L.weight, L.bias}, top ? "logits" : z);
      return top ? "logits" : activate(z);
    case runtime::LayerKind::kConv2d: {
      const std::string kernel = "z" + k + "_kernel";
      w.initializer(kernel, {i64(L.filters), i64(in.maps), i64(L.kernel), i64(L.kernel)},
                    flipped(m.param(L.weight), L.kernel));
      GraphWriter::ints(w.node("Conv", "conv" + k, {x, kernel}, z), "kernel_shape",
                        {i64(L.kernel), i64(L.kernel)});
      return z;
    }
    case runtime::LayerKind::kMaxPool: {
      onnx::NodeProto* n = w.node("MaxPool", "pool" + k, {x}, z);
      GraphWriter::ints(n, "kernel_shape", {i64(L.window), i64(L.window)});
      GraphWriter::ints(n, "strides", {i64(L.window), i64(L.window)});
      return z;
    }
    case runtime::LayerKind::kActivation:
      if (L.bias.empty()) return activate(x);
      w.initializer(L.bias, {i64(in.maps), 1, 1}, m.param(L.bias));  // broadcast per map
      w.node("Add", "bias" + k, {x, L.bias}, z);
      return activate(z);
    case runtime::LayerKind::kFlatten:
      GraphWriter::integer(w.node("Flatten", "flatten" + k, {x}, z), "axis", 1);
      return z;
  }
  return x;
}

}  // namespace

std::string onnx_support() {
  constexpr int v = GOOGLE_PROTOBUF_VERSION;
  return "built in (protobuf " + std::to_string(v / 1000000) + "." +
         std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000) + ")";
}

void export_onnx(const model::Model& m, const std::string& path) {
  const runtime::NetworkSpec& net = m.network;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("clmnist");
  model.set_model_version(1);
  model.set_doc_string("Network " + net.describe() +
                       " trained by clmnist; input = pixel / pixel_divisor. Conv kernels are "
                       "the model's filters flipped (ONNX's Conv correlates, Theano's conv2d "
                       "convolves).");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* meta = model.add_metadata_props();
  meta->set_key("pixel_divisor");
  char div[32];
  std::snprintf(div, sizeof div, "%.17g", net.pixel_divisor);
  meta->set_value(div);

  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(!net.all_dense()         ? "clmnist_convnet"
              : net.layers.size() == 1 ? "clmnist_softmax_regression"
                                       : "clmnist_mlp");
  tensor_type(g->add_input(), "pixels", net.features());
  tensor_type(g->add_output(), "probabilities", net.classes());
  GraphWriter w(g);
  std::string x = "pixels";
  if (net.layers.front().kind != runtime::LayerKind::kDense) {  // the image as one map
    w.int64s("z0_shape", {-1, 1, i64(net.image_rows), i64(net.image_cols)});
    w.node("Reshape", "image", {x, "z0_shape"}, "z0");
    x = "z0";
  }
  const std::vector<runtime::MapShape> shapes = net.shapes();
  for (std::size_t l = 0; l < net.layers.size(); ++l) x = layer_nodes(w, m, l, shapes[l], x);
  GraphWriter::integer(w.node("Softmax", "softmax", {x}, "probabilities"), "axis", 1);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("cannot serialise the ONNX model");
  model::write_file_atomic(path, bytes);
}

}  // namespace clmnist::apps
#endif  // CLMNIST_WITH_ONNX
