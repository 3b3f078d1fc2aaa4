#!/usr/bin/python3
"""clmnist against numpy on the same protocol, side by side in one run.

The Theano tutorial's logistic_sgd.py loop, written with numpy in float32 (pixels / 256, batch
600, lr 0.13, patience 5000, ...), is timed beside clmnist on the same machine, alternating the two
so that both see the same background load:

  steady state: microseconds per minibatch iteration, median over timed epochs after a warm-up
                epoch (numpy in this process; clmnist from `clmnist bench --quick --json`);
  full run:     wall time of the whole default job, start-up included: `clmnist train` against
                this script's own --numpy-train run (interpreter start, import, data load,
                74 epochs with validations).

Usage: /usr/bin/python3 bench/compare_numpy.py [--clmnist build/apps/clmnist] [--device pocl] [--data-dir DIR]
                              [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def default_data_dir():
    if os.environ.get("CLMNIST_DATA_DIR"):
        return os.environ["CLMNIST_DATA_DIR"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return os.path.join(base, "clmnist", "mnist")


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir):
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(60000, -1)
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    tx = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(10000, -1)
    ty = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte")).astype(np.int64)
    scale = np.float32(1.0 / 256.0)  # the value grid of the tutorial's mnist.pkl.gz
    f = lambda a: a.astype(np.float32) * scale
    return (f(x[:50000]), y[:50000]), (f(x[50000:]), y[50000:]), (f(tx), ty)


class Model:
    def __init__(self, n_in, n_out):
        self.W = np.zeros((n_in, n_out), dtype=np.float32)
        self.b = np.zeros(n_out, dtype=np.float32)

    def sgd_step(self, x, y, lr):
        z = x @ self.W + self.b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        p *= np.float32(1.0 / len(y))
        self.W -= np.float32(lr) * (x.T @ p)
        self.b -= np.float32(lr) * p.sum(axis=0)

    def errors(self, x, y, batch):
        n = len(y) // batch * batch
        return float(np.mean(np.argmax(x[:n] @ self.W + self.b, axis=1) != y[:n]))


def numpy_train(data_dir):
    """The tutorial's loop; prints its log lines and returns epochs/s."""
    (tx, ty), (vx, vy), (sx, sy) = load(data_dir)
    batch, lr = 600, 0.13
    m = Model(tx.shape[1], 10)
    n_batches = len(ty) // batch
    patience, increase, threshold = 5000, 2, 0.995
    freq = min(n_batches, patience // 2)
    best, test = np.inf, 0.0
    epoch, done = 0, False
    start = time.perf_counter()
    while epoch < 1000 and not done:
        epoch += 1
        for i in range(n_batches):
            m.sgd_step(tx[i * batch:(i + 1) * batch], ty[i * batch:(i + 1) * batch], lr)
            it = (epoch - 1) * n_batches + i
            if (it + 1) % freq == 0:
                v = m.errors(vx, vy, batch)
                print("epoch %i, minibatch %i/%i, validation error %f %%" % (epoch, i + 1, n_batches, v * 100))
                if v < best:
                    if v < best * threshold:
                        patience = max(patience, it * increase)
                    best = v
                    test = m.errors(sx, sy, batch)
                    print("     epoch %i, minibatch %i/%i, test error of best model %f %%"
                          % (epoch, i + 1, n_batches, test * 100))
            if patience <= it:
                done = True
                break
    secs = time.perf_counter() - start
    print("Optimization complete with best validation score of %f %%, with test performance %f %%"
          % (best * 100, test * 100))
    print("The code run for %d epochs, with %f epochs/sec" % (epoch, epoch / secs))


def numpy_steady_us(data, epochs=5):
    (tx, ty), _, _ = data
    batch, n = 600, len(ty) // 600
    m = Model(tx.shape[1], 10)
    def epoch():
        for i in range(n):
            m.sgd_step(tx[i * batch:(i + 1) * batch], ty[i * batch:(i + 1) * batch], 0.13)
    epoch()  # warm-up
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - t0) * 1e6 / n)
    return statistics.median(times)


def clmnist_steady_us(binary, device, data_dir):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, "bench", "--device", device, "--quick", "--runs", "5",
                        "--data-dir", data_dir, "--json", out.name],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out.name) as f:
            return json.load(f)["devices"][0]["train"]["us_per_iteration"]


def wall(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clmnist", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "clmnist"))
    ap.add_argument("--device", default="pocl")
    ap.add_argument("--data-dir", default=default_data_dir())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--numpy-train", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.numpy_train:
        numpy_train(a.data_dir)
        return 0

    print("numpy %s, BLAS threads: OPENBLAS_NUM_THREADS=%s; clmnist device: %s"
          % (np.__version__, os.environ.get("OPENBLAS_NUM_THREADS", "default"), a.device))
    data = load(a.data_dir)
    np_steady, cl_steady, np_full, cl_full = [], [], [], []
    for r in range(a.repeats):
        np_steady.append(numpy_steady_us(data))
        cl_steady.append(clmnist_steady_us(a.clmnist, a.device, a.data_dir))
        t, out = wall([sys.executable, __file__, "--numpy-train", "--data-dir", a.data_dir])
        np_full.append(t)
        last_np = out.strip().splitlines()[-2:]
        t, out = wall([a.clmnist, "train", "--device", a.device, "--data-dir", a.data_dir,
                       "--save-model", ""])
        cl_full.append(t)
        last_cl = [l for l in out.splitlines() if l.startswith(("Optimization", "The code"))]
        print("repeat %d: steady %.0f vs %.0f us/iter, full run %.2f vs %.2f s (numpy vs clmnist)"
              % (r + 1, np_steady[-1], cl_steady[-1], np_full[-1], cl_full[-1]))
    print("numpy  :", " | ".join(last_np))
    print("clmnist:", " | ".join(last_cl))
    ns, cs = statistics.median(np_steady), statistics.median(cl_steady)
    nf, cf = statistics.median(np_full), statistics.median(cl_full)
    print()
    print("| measure (median of %d) | numpy float32 | clmnist (%s) | clmnist speed-up |" % (a.repeats, a.device))
    print("|---|---|---|---|")
    print("| steady state, us per minibatch iteration | %.0f | %.0f | %.2fx |" % (ns, cs, ns / cs))
    print("| full default run (74 epochs), wall seconds with start-up | %.2f | %.2f | %.2fx |" % (nf, cf, nf / cf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
