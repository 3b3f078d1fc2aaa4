#!/usr/bin/python3
"""`clmnist export` output, for any network: one NAME.npy per parameter, equal to the model's
tensor; the ONNX file passes onnx.checker (full check), has the nodes of each layer (Gemm, Conv,
MaxPool, Add, Tanh or Relu, Flatten) then Softmax as the model's network says, holds the model's
tensors as initializers (conv filters flipped, map biases [maps x 1 x 1]) and, evaluated node by node
with numpy (Debian has no onnxruntime and onnx 1.12 no reference evaluator), predicts the MNIST
test set as the numpy reader does (every image) and, given CLMNIST, as `clmnist predict` does.

Usage: check_exports.py MODEL NPY_DIR ONNX_FILE DATA_DIR [CLMNIST]
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_numpy_interop import clmnist_predictions, describe, read_idx  # noqa: E402
from read_safetensors import conv2d, max_pool, network, predict, read_safetensors  # noqa: E402,E501


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check_npy(t, npy_dir):
    files = sorted(f for f in os.listdir(npy_dir) if f.endswith(".npy"))
    if files != sorted(name + ".npy" for name in t):
        fail("npy files %s, the model's tensors %s" % (files, sorted(t)))
    for name, tensor in t.items():
        a = np.load(os.path.join(npy_dir, name + ".npy"))
        if a.dtype != np.float32 or not np.array_equal(a, tensor):
            fail("%s.npy (%s %s) differs from the model's tensor" % (name, a.dtype, a.shape))


def expected_ops(net):
    ops = [] if net["layers"][0]["type"] == "dense" else ["Reshape"]
    for layer in net["layers"]:
        kind = layer["type"]
        ops += {"dense": ["Gemm"], "conv2d": ["Conv"], "max_pool": ["MaxPool"],
                "flatten": ["Flatten"], "activation": ["Add"] if layer.get("bias") else []}[kind]
        if kind in ("dense", "activation") and layer["activation"] != "none":
            ops.append({"tanh": "Tanh", "relu": "Relu"}[layer["activation"]])
    return ops + ["Softmax"]


def expected_initializers(t, net):
    """The model's tensors as the graph holds them: dense ones as they are, a bias per map as
    [maps x 1 x 1] (it broadcasts over rows and columns), conv filters flipped under the name
    z<k>_kernel (ONNX's Conv correlates)."""
    out = {}
    for k, layer in enumerate(net["layers"], 1):
        if layer["type"] == "dense":
            out[layer["weight"]], out[layer["bias"]] = t[layer["weight"]], t[layer["bias"]]
        elif layer["type"] == "conv2d":
            out["z%d_kernel" % k] = t[layer["weight"]][:, :, ::-1, ::-1]
        elif layer["type"] == "activation" and layer["bias"]:
            out[layer["bias"]] = t[layer["bias"]].reshape(-1, 1, 1)
    return out


def dims(value_info):
    return [d.dim_value or d.dim_param for d in value_info.type.tensor_type.shape.dim]


def run_graph(graph, feeds):
    """Evaluates the graph's nodes in order with numpy: the ops clmnist writes, with their
    attributes as ONNX (opset 13) defines them."""
    env = dict(feeds)
    env.update({i.name: numpy_helper.to_array(i) for i in graph.initializer})
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        x = [env[name] for name in node.input]
        if node.op_type == "Gemm":
            a = x[0].T if attrs.get("transA", 0) else x[0]
            b = x[1].T if attrs.get("transB", 0) else x[1]
            y = np.float32(attrs.get("alpha", 1.0)) * (a @ b)
            if len(x) > 2:
                y = y + np.float32(attrs.get("beta", 1.0)) * x[2]
        elif node.op_type == "Tanh":
            y = np.tanh(x[0])
        elif node.op_type == "Relu":
            y = np.maximum(x[0], 0)
        elif node.op_type == "Reshape":
            y = x[0].reshape(x[1])
        elif node.op_type == "Conv":  # correlation: the Theano convolution of flipped kernels
            y = conv2d(x[0], x[1][:, :, ::-1, ::-1])
        elif node.op_type == "MaxPool":
            y = max_pool(x[0], attrs["kernel_shape"][0])
        elif node.op_type == "Add":
            y = x[0] + x[1]
        elif node.op_type == "Flatten":
            y = x[0].reshape(len(x[0]), -1)
        elif node.op_type == "Softmax":
            axis = attrs.get("axis", -1)
            e = np.exp(x[0] - x[0].max(axis=axis, keepdims=True))
            y = e / e.sum(axis=axis, keepdims=True)
        else:
            fail("op %s is not one clmnist writes" % node.op_type)
        env[node.output[0]] = y
    return [env[o.name] for o in graph.output]


def main(model, npy_dir, onnx_file, data_dir, clmnist=None):
    t, meta = read_safetensors(model)
    net = network(t, meta)
    check_npy(t, npy_dir)

    m = onnx.load(onnx_file)
    onnx.checker.check_model(m, full_check=True)
    g = m.graph
    ops = [n.op_type for n in g.node]
    if ops != expected_ops(net):
        fail("graph %s, expected %s for %s" % (ops, expected_ops(net), describe(net)))
    gemms = [n for n in g.node if n.op_type == "Gemm"]
    for node, layer in zip(gemms, [la for la in net["layers"] if la["type"] == "dense"]):
        if list(node.input[1:]) != [layer["weight"], layer["bias"]]:
            fail("Gemm %s takes %s, not %s, %s" % (node.name, list(node.input), layer["weight"],
                                                   layer["bias"]))
    features = net["input"]["rows"] * net["input"]["cols"]
    classes = net["layers"][-1]["outputs"]
    if [(v.name, dims(v)) for v in g.input] != [("pixels", ["N", features])] or \
            [(v.name, dims(v)) for v in g.output] != [("probabilities", ["N", classes])]:
        fail("graph inputs %s, outputs %s" % ([(v.name, dims(v)) for v in g.input],
                                              [(v.name, dims(v)) for v in g.output]))
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer
            if i.data_type == onnx.TensorProto.FLOAT}
    want = expected_initializers(t, net)
    if sorted(init) != sorted(want) or any(not np.array_equal(init[k], want[k]) for k in want):
        fail("ONNX initializers %s differ from the model's tensors %s" % (sorted(init), sorted(t)))
    divisor = float({p.key: p.value for p in m.metadata_props}["pixel_divisor"])
    if divisor != float(net["input"]["pixel_divisor"]):
        fail("pixel divisor %g, the model's %g" % (divisor, net["input"]["pixel_divisor"]))

    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    pixels = x.reshape(len(x), features).astype(np.float32) / np.float32(divisor)
    (probs,) = run_graph(g, {"pixels": pixels})
    if probs.shape != (len(x), classes) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-5):
        fail("probabilities of shape %s do not sum to 1" % (probs.shape,))
    onnx_labels = np.argmax(probs, axis=1)
    reader = predict(t, meta, x)
    if not np.array_equal(onnx_labels, np.argmax(reader, axis=1)):
        fail("ONNX graph predictions differ from the numpy reader's on %d images"
             % int((onnx_labels != np.argmax(reader, axis=1)).sum()))
    if not np.allclose(probs, reader, atol=1e-6):
        fail("ONNX graph probabilities differ from the numpy reader's by up to %g"
             % float(np.abs(probs - reader).max()))
    line = "exports of %s agree with the model: npy arrays equal, ONNX %s valid and predicting " \
           "all %d test images as the numpy reader" % (describe(net), " ".join(ops), len(x))
    if clmnist:
        theirs = clmnist_predictions(clmnist, model, data_dir, len(x))
        agree = int((onnx_labels == theirs).sum())
        line += " and %d as clmnist predict" % agree
        # As check_numpy_interop.py: a near-tie may flip in another summation order (0.05 %).
        if agree < len(x) - len(x) // 2000:
            fail("ONNX graph predictions differ from clmnist predict's on %d images"
                 % (len(x) - agree))
    print(line)


if __name__ == "__main__":
    main(*sys.argv[1:6])
