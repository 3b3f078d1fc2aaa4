"""Loads a clmnist model (safetensors) with numpy alone and predicts with it (docs/INTEROP.md).

read_safetensors(path) -> ({name: array}, metadata); network(tensors, meta) -> the network
description; logits(tensors, meta, uint8_images) -> the last layer's outputs; predict(tensors, meta,
uint8_images) -> class probabilities [N x classes].
"""
import json
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {name: np.frombuffer(body[t["data_offsets"][0]:t["data_offsets"][1]], dtype="<f4")
               .reshape(t["shape"]) for name, t in header.items()}
    return tensors, meta


def network(tensors, meta):
    """{"input": {"rows", "cols", "pixel_divisor"}, "layers": [{"inputs", "outputs",
    "activation", "weight", "bias"}, ...]}: the metadata's "network" (clmnist-network-2), or for
    clmnist-softmax-regression-1 files one layer W, b without an activation."""
    if "network" in meta:
        return json.loads(meta["network"])
    inputs, outputs = tensors["W"].shape
    return {"input": {"rows": int(meta["image_rows"]), "cols": int(meta["image_cols"]),
                      "pixel_divisor": float(meta.get("pixel_divisor", 256))},
            "layers": [{"type": "dense", "inputs": inputs, "outputs": outputs,
                        "activation": "none", "weight": "W", "bias": "b"}],
            "head": "softmax_cross_entropy"}


ACTIVATIONS = {"none": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def logits(tensors, meta, images):
    """The last layer's outputs [N x classes] of uint8 images [N x rows x cols] or [N x pixels]."""
    net = network(tensors, meta)
    divisor = np.float32(net["input"]["pixel_divisor"])  # input = pixel / divisor
    x = images.reshape(len(images), -1).astype(np.float32) / divisor
    for layer in net["layers"]:  # x @ W + b, then the activation
        x = ACTIVATIONS[layer["activation"]](x @ tensors[layer["weight"]] + tensors[layer["bias"]])
    return x


def predict(tensors, meta, images):
    """Class probabilities [N x classes]: the softmax of the logits."""
    z = logits(tensors, meta, images)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
