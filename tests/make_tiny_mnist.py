#!/usr/bin/python3
"""Writes a small, learnable MNIST-format dataset (four IDX files) for command-level tests.

Usage: make_tiny_mnist.py DIR [--train N] [--test N] [--rows R] [--cols C] [--classes K] [--gzip]
Each class is a fixed random binary prototype plus noise; a fixed seed makes the files identical
on every run.
"""
import argparse
import gzip
import os
import random
import struct


def write_idx(path, dims, payload, compress):
    data = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)
    if compress:
        with gzip.open(path + ".gz", "wb", mtime=0) as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--train", type=int, default=1200)
    ap.add_argument("--test", type=int, default=300)
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument("--cols", type=int, default=9)
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    rng = random.Random(2024)
    n_feat = a.rows * a.cols
    protos = [[230 if rng.random() < 0.35 else 10 for _ in range(n_feat)] for _ in range(a.classes)]
    os.makedirs(a.dir, exist_ok=True)
    for name, count in (("train", a.train), ("t10k", a.test)):
        images, labels = [], []
        for i in range(count):
            c = i % a.classes
            labels.append(c)
            images.extend(max(0, min(255, int(v + rng.gauss(0, 110)))) for v in protos[c])
        write_idx(os.path.join(a.dir, name + "-images-idx3-ubyte"), [count, a.rows, a.cols], images, a.gzip)
        write_idx(os.path.join(a.dir, name + "-labels-idx1-ubyte"), [count], labels, a.gzip)


if __name__ == "__main__":
    main()
