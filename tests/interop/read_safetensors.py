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


def conv2d(x, w):
    """Theano's conv2d (valid, a true convolution: filters flipped) of x [N x C x H x W] with
    w [F x C x k x k], in chunks of images so that the windows' copy stays small."""
    k = w.shape[-1]
    kernel = w[:, :, ::-1, ::-1].reshape(len(w), -1)
    out = []
    for i in range(0, len(x), 500):
        win = np.lib.stride_tricks.sliding_window_view(x[i:i + 500], (k, k), axis=(2, 3))
        n, c, oh, ow = win.shape[:4]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
        out.append((cols @ kernel.T).reshape(n, oh, ow, -1).transpose(0, 3, 1, 2))
    return np.concatenate(out)


def max_pool(x, s):
    """The max of each s x s window, the border that does not fill one ignored."""
    n, c, h, w = x.shape
    x = x[:, :, :h // s * s, :w // s * s]
    return x.reshape(n, c, h // s, s, w // s, s).max(axis=(3, 5))


def logits(tensors, meta, images):
    """The last layer's outputs [N x classes] of uint8 images [N x rows x cols] or [N x pixels]."""
    net = network(tensors, meta)
    divisor = np.float32(net["input"]["pixel_divisor"])  # input = pixel / divisor
    rows, cols = net["input"]["rows"], net["input"]["cols"]
    x = images.reshape(len(images), 1, rows, cols).astype(np.float32) / divisor
    for layer in net["layers"]:
        kind = layer["type"]
        if kind == "dense":  # x @ W + b, then the activation, on the flattened input
            x = x.reshape(len(x), -1) @ tensors[layer["weight"]] + tensors[layer["bias"]]
            x = ACTIVATIONS[layer["activation"]](x)
        elif kind == "conv2d":
            x = conv2d(x, tensors[layer["weight"]])
        elif kind == "max_pool":
            x = max_pool(x, layer["window"])
        elif kind == "activation":  # x + b per map, then the activation
            b = tensors[layer["bias"]].reshape(-1, 1, 1) if layer["bias"] else np.float32(0)
            x = ACTIVATIONS[layer["activation"]](x + b)
        elif kind == "flatten":
            x = x.reshape(len(x), -1)
        else:
            raise ValueError("unknown layer type %r" % kind)
    return x


def predict(tensors, meta, images):
    """Class probabilities [N x classes]: the softmax of the logits."""
    z = logits(tensors, meta, images)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
