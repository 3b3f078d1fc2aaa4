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

--model mlp does the same for the tutorial's mlp.py (784-500-10 tanh, batch 20, lr 0.01, L2
0.0001; bench/numpy_mlp.py, on one OpenBLAS thread unless OPENBLAS_NUM_THREADS says otherwise)
against `clmnist train --preset theano-mlp` for the first --epochs epochs of the 1000, comparing
the log lines and the seconds per epoch (validation included) that both print.
--numpy-only leaves clmnist out. numpy gets OpenBLAS's best kernel for the CPU where OpenBLAS
would fall back to one without AVX (bench/openblas_core.py); the first output line names it.

Usage: /usr/bin/python3 bench/compare_numpy.py [--clmnist build/apps/clmnist] [--device pocl] [--data-dir DIR]
                              [--repeats 3] [--model logreg|mlp|both] [--epochs 3] [--numpy-only]
"""
import argparse
import gzip
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import openblas_core

# Before numpy loads: where OpenBLAS fell back to a kernel without AVX, numpy gets its best one.
# The --numpy-train child inherits the setting and is not probed again (its start-up is timed).
OPENBLAS_LINE = (openblas_core.best_core()
                 if __name__ == "__main__" and "--numpy-train" not in sys.argv else "")

import numpy as np  # noqa: E402


def default_data_dir():
    if os.environ.get("CLMNIST_DATA_DIR"):
        return os.environ["CLMNIST_DATA_DIR"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return os.path.join(base, "clmnist", "mnist")


def read_idx(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as f:
            data = f.read()
    else:
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


def wall(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, r.stdout


def print_table(repeats, device, rows, numpy_only):
    """rows: (label, format, numpy value, clmnist value or None)."""
    print()
    if numpy_only:
        print("| measure (median of %d) | numpy float32 |" % repeats)
        print("|---|---|")
    else:
        print("| measure (median of %d) | numpy float32 | clmnist (%s) | clmnist speed-up |" % (repeats, device))
        print("|---|---|---|---|")
    for label, fmt, n, c in rows:
        if numpy_only:
            print(("| %s | " + fmt + " |") % (label, n))
        elif c is None:
            print(("| %s | " + fmt + " | - | - |") % (label, n))
        else:
            print(("| %s | " + fmt + " | " + fmt + " | %.2fx |") % (label, n, c, n / c))


def compare_logreg(a):
    print("CPU: %s (%d logical CPUs); numpy %s, %s, BLAS threads: OPENBLAS_NUM_THREADS=%s; "
          "clmnist device: %s"
          % (cpu_model(), os.cpu_count() or 0, np.__version__, OPENBLAS_LINE,
             os.environ.get("OPENBLAS_NUM_THREADS", "default"),
             "none (--numpy-only)" if a.numpy_only else a.device))
    data = load(a.data_dir)
    np_steady, cl_steady, np_full, cl_full = [], [], [], []
    for r in range(a.repeats):
        np_steady.append(numpy_steady_us(data))
        if not a.numpy_only:
            cl_steady.append(clmnist_steady_us(a.clmnist, a.device, a.data_dir))
        t, out = wall([sys.executable, __file__, "--numpy-train", "--data-dir", a.data_dir])
        np_full.append(t)
        last_np = out.strip().splitlines()[-2:]
        if a.numpy_only:
            print("repeat %d: steady %.0f us/iter, full run %.2f s (numpy)" % (r + 1, np_steady[-1], np_full[-1]))
            continue
        t, out = wall([a.clmnist, "train", "--device", a.device, "--data-dir", a.data_dir,
                       "--save-model", ""])
        cl_full.append(t)
        last_cl = [l for l in out.splitlines() if l.startswith(("Optimization", "The code"))]
        print("repeat %d: steady %.0f vs %.0f us/iter, full run %.2f vs %.2f s (numpy vs clmnist)"
              % (r + 1, np_steady[-1], cl_steady[-1], np_full[-1], cl_full[-1]))
    print("numpy  :", " | ".join(last_np))
    if not a.numpy_only:
        print("clmnist:", " | ".join(last_cl))
    med = lambda v: statistics.median(v) if v else None
    print_table(a.repeats, a.device, [
        ("steady state, us per minibatch iteration", "%.0f", med(np_steady), med(cl_steady)),
        ("full default run (74 epochs), wall seconds with start-up", "%.2f", med(np_full), med(cl_full))],
        a.numpy_only)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def mlp_log(out):
    """The epoch lines and the seconds per epoch of a `The code run for N epochs, with X epochs/sec` line."""
    rate = re.search(r"The code run for \d+ epochs, with ([0-9.eE+-]+) epochs/sec", out)
    if not rate:
        raise RuntimeError("no 'The code run for ...' line in:\n" + out)
    return [l for l in out.splitlines() if re.match(r"\s*epoch \d+, minibatch", l)], 1.0 / float(rate.group(1))


def compare_mlp(a):
    import numpy_mlp  # for its path and the published log; it trains in a child process

    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    print("CPU: %s (%d logical CPUs); numpy %s, %s, OPENBLAS_NUM_THREADS=%s; clmnist device: %s"
          % (cpu_model(), os.cpu_count() or 0, np.__version__, OPENBLAS_LINE,
             env["OPENBLAS_NUM_THREADS"],
             "none (--numpy-only)" if a.numpy_only else a.device))
    print("mlp.py protocol, first %d epoch(s) of 2500 minibatches of 20, one validation per epoch" % a.epochs)
    np_epoch, np_train, np_step, np_full, cl_epoch, cl_full = [], [], [], [], [], []
    cl_log = None
    for r in range(a.repeats):
        with tempfile.NamedTemporaryFile(suffix=".json") as tj:
            t, out = wall([sys.executable, numpy_mlp.__file__, "--epochs", str(a.epochs),
                           "--data-dir", a.data_dir, "--json", tj.name], env=env)
            with open(tj.name) as f:
                timing = json.load(f)
        np_full.append(t)
        np_log, secs = mlp_log(out)
        np_epoch.append(secs)
        np_train.append(statistics.median(timing["epoch_train_s"]))
        np_step.append(timing["step_us_median"])
        if a.numpy_only:
            print("repeat %d: %.3f s per epoch (%.3f s training only, median step %.0f us), %d-epoch run %.2f s"
                  % (r + 1, np_epoch[-1], np_train[-1], np_step[-1], a.epochs, np_full[-1]))
            continue
        cmd = [a.clmnist, "train", "--preset", "theano-mlp", "--max-epochs", str(a.epochs),
               "--save-model", "", "--device", a.device, "--data-dir", a.data_dir]
        try:
            t, out = wall(cmd)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.stderr.write("%s failed: %s\n%s(--numpy-only runs the numpy side alone)\n"
                             % (shlex.join(cmd), e, getattr(e, "stderr", "") or ""))
            return 1
        cl_full.append(t)
        cl_log, secs = mlp_log(out)
        cl_epoch.append(secs)
        print("repeat %d: %.3f vs %.3f s per epoch, %d-epoch run %.2f vs %.2f s (numpy vs clmnist)"
              % (r + 1, np_epoch[-1], cl_epoch[-1], a.epochs, np_full[-1], cl_full[-1]))
    print("numpy log:")
    print("\n".join(np_log))
    n = min(len(np_log), len(numpy_mlp.THEANO_LOG))
    print("numpy log %s the log of Theano's mlp.py (float32) over its first %d lines"
          % ("matches" if np_log[:n] == numpy_mlp.THEANO_LOG[:n] else "DIFFERS FROM", n))
    if cl_log is not None:
        print("clmnist log %s numpy's" % ("matches" if cl_log == np_log else "DIFFERS FROM"))
        if cl_log != np_log:
            print("\n".join(cl_log))
    med = lambda v: statistics.median(v) if v else None
    print_table(a.repeats, a.device, [
        ("seconds per epoch, validation and test included", "%.3f", med(np_epoch), med(cl_epoch)),
        ("us per minibatch step (that epoch / 2500)", "%.0f", med(np_epoch) * 1e6 / 2500,
         med(cl_epoch) * 1e6 / 2500 if cl_epoch else None),
        ("seconds per epoch, training only", "%.3f", med(np_train), None),
        ("us per training step, median", "%.0f", med(np_step), None),
        ("%d-epoch run, wall seconds with start-up" % a.epochs, "%.2f", med(np_full), med(cl_full))],
        a.numpy_only)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clmnist", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "clmnist"))
    ap.add_argument("--device", default="pocl")
    ap.add_argument("--data-dir", default=default_data_dir())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", choices=("logreg", "mlp", "both"), default="logreg")
    ap.add_argument("--epochs", type=int, default=3, help="MLP epochs per run (mlp.py runs up to 1000)")
    ap.add_argument("--numpy-only", action="store_true", help="time numpy alone, without clmnist")
    ap.add_argument("--numpy-train", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.numpy_train:
        numpy_train(a.data_dir)
        return 0
    if a.repeats < 1 or a.epochs < 1:
        ap.error("--repeats and --epochs must be at least 1")

    if a.model in ("logreg", "both"):
        compare_logreg(a)
    if a.model == "both":
        print()
    if a.model in ("mlp", "both"):
        return compare_mlp(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
