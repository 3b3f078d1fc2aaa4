#!/usr/bin/python3
"""A clmnist model loaded with numpy alone predicts the MNIST test set as clmnist does: the same
labels as `clmnist predict`, and the errors and mean negative log-likelihood `clmnist eval` prints.

Usage: check_numpy_interop.py CLMNIST MODEL DATA_DIR
"""
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_safetensors import logits, network, read_safetensors  # noqa: E402


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def describe(net):
    """"784-500 tanh-10 softmax" or "1x28x28-conv20x5x5-pool2-b tanh-...", as clmnist names
    networks."""
    layers = net["layers"]
    if all(l["type"] == "dense" for l in layers):
        return "-".join([str(layers[0]["inputs"])] + [
            "%d%s" % (l["outputs"], "" if l["activation"] == "none" else " " + l["activation"])
            for l in layers]) + " softmax"
    parts = ["1x%dx%d" % (net["input"]["rows"], net["input"]["cols"])]
    for l in layers:
        parts.append({
            "dense": lambda: "%d%s" % (l["outputs"], "" if l["activation"] == "none"
                                       else " " + l["activation"]),
            "conv2d": lambda: "conv%dx%dx%d" % (l["filters"], l["kernel"], l["kernel"]),
            "max_pool": lambda: "pool%d" % l["window"],
            "activation": lambda: ("b " if l["bias"] else "") + l["activation"],
            "flatten": lambda: "flatten"}[l["type"]]())
    return "-".join(parts) + " softmax"


def clmnist_predictions(clmnist, model, data_dir, count):
    """The labels `clmnist predict --count N` prints for the first N test images (host backend)."""
    out = subprocess.run([clmnist, "predict", "--model", model, "--data-dir", data_dir,
                          "--count", str(count), "--device", "host"],
                         check=True, capture_output=True, text=True).stdout
    lists = [l for l in out.splitlines() if l.startswith("[")]
    return np.array(lists[0].strip("[]").split(), dtype=np.int64)


def clmnist_eval(clmnist, model, data_dir):
    """(wrong, images, mean NLL) from `clmnist eval` (host backend)."""
    out = subprocess.run([clmnist, "eval", "--model", model, "--data-dir", data_dir,
                          "--device", "host"], check=True, capture_output=True, text=True).stdout
    wrong = re.search(r"over every sample \((\d+) of (\d+) wrong\)", out)
    nll = re.search(r"mean negative log-likelihood ([0-9.]+)", out)
    return int(wrong.group(1)), int(wrong.group(2)), float(nll.group(1))


def main(clmnist, model, data_dir):
    t, meta = read_safetensors(model)
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    z = logits(t, meta, x).astype(np.float64)
    ours = np.argmax(z, axis=1)
    theirs = clmnist_predictions(clmnist, model, data_dir, len(y))
    agree = int((ours == theirs).sum())
    print("network %s: numpy and clmnist agree on %d of %d test images; numpy test error %.4f %%"
          % (describe(network(t, meta)), agree, len(y), 100.0 * float((ours != y).mean())))
    # Float32 rounding in a different summation order may flip an exact near-tie: allow 0.05 %.
    if agree < len(y) - len(y) // 2000:
        print("FAIL: predictions differ on %d images" % (len(y) - agree))
        return 1
    wrong, images, nll = clmnist_eval(clmnist, model, data_dir)
    m = z.max(axis=1)  # NLL = log-sum-exp(z) - z[label]
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    our_nll = float((lse - z[np.arange(len(y)), y]).mean())
    print("clmnist eval: %d of %d wrong, mean NLL %.6f; numpy: %d wrong, mean NLL %.6f"
          % (wrong, images, nll, int((ours != y).sum()), our_nll))
    if images != len(y) or abs(wrong - int((ours != y).sum())) > len(y) // 2000 \
            or abs(nll - our_nll) > 1e-5 + 1e-4 * our_nll:
        print("FAIL: clmnist eval and numpy disagree")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
