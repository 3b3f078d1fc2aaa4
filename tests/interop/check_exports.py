#!/usr/bin/python3
"""`clmnist export` output: npy arrays equal the model's tensors; the ONNX file passes
onnx.checker (full check) and, evaluated node by node with numpy (Debian has no onnxruntime),
predicts the MNIST test set as the model does.

Usage: check_exports.py MODEL NPY_DIR ONNX_FILE DATA_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_numpy_interop import read_idx  # noqa: E402
from read_safetensors import read_safetensors  # noqa: E402


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main(model, npy_dir, onnx_file, data_dir):
    t, meta = read_safetensors(model)
    W, b = np.load(os.path.join(npy_dir, "W.npy")), np.load(os.path.join(npy_dir, "b.npy"))
    if not (np.array_equal(W, t["W"]) and np.array_equal(b, t["b"])):
        fail("npy arrays differ from the model")
    m = onnx.load(onnx_file)
    onnx.checker.check_model(m, full_check=True)
    if [n.op_type for n in m.graph.node] != ["Gemm", "Softmax"]:
        fail("unexpected graph %r" % [n.op_type for n in m.graph.node])
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    if not (np.array_equal(init["W"], t["W"]) and np.array_equal(init["b"], t["b"])):
        fail("ONNX initializers differ from the model")
    divisor = float({p.key: p.value for p in m.metadata_props}["pixel_divisor"])
    if divisor != float(meta["pixel_divisor"]):
        fail("pixel divisor differs")
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(-1, W.shape[0])
    pixels = x.astype(np.float32) / np.float32(divisor)
    logits = pixels @ init["W"] + init["b"]                     # Gemm (alpha = beta = 1)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))    # Softmax, axis 1
    probs = e / e.sum(axis=1, keepdims=True)
    direct = np.argmax(pixels @ t["W"] + t["b"], axis=1)
    if not np.array_equal(np.argmax(probs, axis=1), direct):
        fail("ONNX graph predictions differ from the model's")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-5):
        fail("probabilities do not sum to 1")
    print("exports agree with the model: npy arrays equal, ONNX valid and predicting alike on %d images"
          % len(x))


if __name__ == "__main__":
    main(*sys.argv[1:5])
