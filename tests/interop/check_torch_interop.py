#!/usr/bin/python3
"""A clmnist model goes into PyTorch (through the numpy reader) and predicts the MNIST test set as
clmnist does.

Usage: check_torch_interop.py CLMNIST MODEL DATA_DIR
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_numpy_interop import clmnist_predictions, read_idx  # noqa: E402
from read_safetensors import network, read_safetensors  # noqa: E402


def torch_model(t, meta):
    """torch.nn.Sequential of Linear (+ Tanh/ReLU) layers and a Softmax, holding the model's
    parameters; it takes pixel / pixel_divisor."""
    modules = []
    for layer in network(t, meta)["layers"]:
        linear = torch.nn.Linear(layer["inputs"], layer["outputs"])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(t[layer["weight"]].copy()).T)  # torch: [out x in]
            linear.bias.copy_(torch.from_numpy(t[layer["bias"]].copy()))
        modules.append(linear)
        if layer["activation"] != "none":
            modules.append({"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[layer["activation"]]())
    return torch.nn.Sequential(*modules, torch.nn.Softmax(dim=1))


def main(clmnist, model, data_dir):
    torch.set_num_threads(1)  # no second thread pool beside OpenBLAS's on small machines
    t, meta = read_safetensors(model)
    net = torch_model(t, meta)
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    divisor = np.float32(network(t, meta)["input"]["pixel_divisor"])
    pixels = torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / divisor)
    with torch.no_grad():
        ours = net(pixels).argmax(dim=1).numpy()
    theirs = clmnist_predictions(clmnist, model, data_dir, len(x))
    agree = int((ours == theirs).sum())
    print("PyTorch %s (%s) and clmnist agree on %d of %d test images"
          % (torch.__version__, " ".join(type(m).__name__ for m in net), agree, len(x)))
    return 0 if agree >= len(x) - len(x) // 2000 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
