#!/usr/bin/python3
"""A clmnist model loaded with numpy alone predicts the MNIST test set as clmnist does.

Usage: check_numpy_interop.py CLMNIST MODEL DATA_DIR
"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_safetensors import read_safetensors  # noqa: E402


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main(clmnist, model, data_dir):
    t, meta = read_safetensors(model)
    W, b = t["W"], t["b"]
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(-1, W.shape[0])
    y = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    logits = (x.astype(np.float32) / np.float32(float(meta["pixel_divisor"]))) @ W + b
    ours = np.argmax(logits, axis=1)
    out = subprocess.run([clmnist, "predict", "--model", model, "--data-dir", data_dir,
                          "--count", str(len(y)), "--device", "host"],
                         check=True, capture_output=True, text=True).stdout
    lists = [l for l in out.splitlines() if l.startswith("[")]
    theirs = np.array(lists[0].strip("[]").split(), dtype=np.int64)
    agree = int((ours == theirs).sum())
    print("numpy and clmnist agree on %d of %d test images; numpy test error %.4f %%"
          % (agree, len(y), 100.0 * float((ours != y).mean())))
    # Float32 rounding in a different summation order may flip an exact near-tie: allow 0.05 %.
    if agree < len(y) - len(y) // 2000:
        print("FAIL: predictions differ on %d images" % (len(y) - agree))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
