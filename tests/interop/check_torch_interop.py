#!/usr/bin/python3
"""A clmnist model goes into PyTorch (through the numpy reader) and predicts the MNIST test set as
clmnist does.

Usage: check_torch_interop.py CLMNIST MODEL DATA_DIR
"""
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_numpy_interop import read_idx  # noqa: E402
from read_safetensors import read_safetensors  # noqa: E402


def main(clmnist, model, data_dir):
    torch.set_num_threads(1)  # no second thread pool beside OpenBLAS's on small machines
    t, meta = read_safetensors(model)
    layer = torch.nn.Linear(t["W"].shape[0], t["W"].shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(t["W"].copy()).T)
        layer.bias.copy_(torch.from_numpy(t["b"].copy()))
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(-1, t["W"].shape[0])
    pixels = torch.from_numpy(x.astype(np.float32) / np.float32(float(meta["pixel_divisor"])))
    with torch.no_grad():
        ours = torch.softmax(layer(pixels), dim=1).argmax(dim=1).numpy()
    out = subprocess.run([clmnist, "predict", "--model", model, "--data-dir", data_dir,
                          "--count", str(len(x)), "--device", "host"],
                         check=True, capture_output=True, text=True).stdout
    theirs = np.array([l for l in out.splitlines() if l.startswith("[")][0].strip("[]").split(), dtype=np.int64)
    agree = int((ours == theirs).sum())
    print("PyTorch %s and clmnist agree on %d of %d test images" % (torch.__version__, agree, len(x)))
    return 0 if agree >= len(x) - len(x) // 2000 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
