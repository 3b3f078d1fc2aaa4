#!/usr/bin/python3
"""The Theano tutorial's mlp.py (with logistic_sgd's data loading) in float32 numpy.

784-500-10, h = tanh(x.W1 + b1), p = softmax(h.W2 + b2); W1 ~ U(+-sqrt(6/1284)) from
RandomState(1234), the rest zeros; batch 20, lr 0.01, L1 0.0, L2 0.0001; early stopping with
patience 10000 (one validation per epoch). The arithmetic follows Theano's float32 kernels so that
the log reproduces the tutorial's published one (epoch 1: 9.620000 % / 10.090000 %, epoch 2:
8.610000 % / 8.740000 %, epoch 3: 8.000000 % / 8.160000 %).

Run alone it prints mlp.py's log lines, logistic_sgd's "The code run for ..." line and its timings
(training only and with validation, per epoch; per step). OPENBLAS_NUM_THREADS defaults to 1 here:
one thread is faster on 20-row products. bench/compare_numpy.py --model mlp runs it beside clmnist.

Usage: /usr/bin/python3 bench/numpy_mlp.py [--epochs 3] [--data-dir DIR] [--json FILE]
"""
import os

if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # must precede the numpy import

import argparse
import json
import statistics
import sys
import time

import numpy as np

N_IN, N_HIDDEN, N_OUT = 784, 500, 10
BATCH = 20
PATIENCE, PATIENCE_INCREASE, IMPROVEMENT_THRESHOLD = 10000, 2, 0.995

F32 = np.float32
LR = F32(0.01)
WEIGHT_DECAY = F32(2 * 0.0001)  # gradient of 0.0001 * sum(W^2); the L1 term has weight 0.0
ONE = F32(1.0)

# The first three epochs of Theano's mlp.py under floatX=float32, as published.
THEANO_LOG = [
    "epoch 1, minibatch 2500/2500, validation error 9.620000 %",
    "     epoch 1, minibatch 2500/2500, test error of best model 10.090000 %",
    "epoch 2, minibatch 2500/2500, validation error 8.610000 %",
    "     epoch 2, minibatch 2500/2500, test error of best model 8.740000 %",
    "epoch 3, minibatch 2500/2500, validation error 8.000000 %",
    "     epoch 3, minibatch 2500/2500, test error of best model 8.160000 %",
]


class MLP:
    def __init__(self):
        rng = np.random.RandomState(1234)
        bound = np.sqrt(6.0 / (N_IN + N_HIDDEN))
        self.W1 = np.asarray(rng.uniform(low=-bound, high=bound, size=(N_IN, N_HIDDEN)), dtype=F32)
        self.b1 = np.zeros(N_HIDDEN, dtype=F32)
        self.W2 = np.zeros((N_HIDDEN, N_OUT), dtype=F32)
        self.b2 = np.zeros(N_OUT, dtype=F32)

    def hidden(self, x):
        return np.tanh(x @ self.W1 + self.b1)

    def sgd_step(self, x, y):
        n = len(y)
        h = self.hidden(x)
        z = h @ self.W2 + self.b2
        # Theano's softmax: exp in float32, the row sum in float64, one float64 reciprocal.
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = (e * (1.0 / e.sum(axis=1, dtype=np.float64, keepdims=True))).astype(F32)
        # d mean(NLL) / dz: p / n, then - 1/n at the label (1/n in float32).
        inv_n = F32(1.0 / n)
        dz = p * inv_n
        dz[np.arange(n), y] -= inv_n
        dpre = (dz @ self.W2.T) * (ONE - h * h)  # tanh' from the output, with the old W2
        # Theano's Sum accumulates float32 in float64.
        gb2 = dz.sum(axis=0, dtype=np.float64).astype(F32)
        gb1 = dpre.sum(axis=0, dtype=np.float64).astype(F32)
        gW2 = h.T @ dz
        gW1 = x.T @ dpre
        self.W1 -= LR * (gW1 + WEIGHT_DECAY * self.W1)
        self.W2 -= LR * (gW2 + WEIGHT_DECAY * self.W2)
        self.b1 -= LR * gb1
        self.b2 -= LR * gb2

    def errors(self, x, y):
        """Wrong predictions, one minibatch of 20 at a time as the tutorial's validate_model.

        The prediction is argmax(h.W2 + b2): Theano's local_argmax_pushdown rewrites
        argmax(softmax(z)) to argmax(z), so rounding ties in p play no part."""
        wrong = 0
        for i in range(len(y) // BATCH):
            s = slice(i * BATCH, (i + 1) * BATCH)
            z = self.hidden(x[s]) @ self.W2 + self.b2
            wrong += int(np.count_nonzero(np.argmax(z, axis=1) != y[s]))
        return wrong


def train(data, epochs, out=sys.stdout):
    """mlp.py's loop for at most `epochs` epochs; prints its log; returns the timings."""
    (tx, ty), (vx, vy), (sx, sy) = data
    n_train, n_valid, n_test = len(ty) // BATCH, len(vy) // BATCH, len(sy) // BATCH
    m = MLP()
    patience = PATIENCE
    freq = min(n_train, patience // 2)
    best, best_iter, test = np.inf, 0, 0.0
    epoch, done = 0, False
    step_us, train_s, epoch_s = [], [], []
    start = time.perf_counter()
    while epoch < epochs and not done:
        epoch += 1
        t_epoch = time.perf_counter()
        t_train = 0.0
        for i in range(n_train):
            t0 = time.perf_counter()
            m.sgd_step(tx[i * BATCH:(i + 1) * BATCH], ty[i * BATCH:(i + 1) * BATCH])
            dt = time.perf_counter() - t0
            t_train += dt
            step_us.append(dt * 1e6)
            it = (epoch - 1) * n_train + i
            if (it + 1) % freq == 0:
                v = m.errors(vx, vy) / float(n_valid * BATCH)
                print("epoch %i, minibatch %i/%i, validation error %f %%" % (epoch, i + 1, n_train, v * 100.0),
                      file=out, flush=True)
                if v < best:
                    if v < best * IMPROVEMENT_THRESHOLD:
                        patience = max(patience, it * PATIENCE_INCREASE)
                    best, best_iter = v, it
                    test = m.errors(sx, sy) / float(n_test * BATCH)
                    print("     epoch %i, minibatch %i/%i, test error of best model %f %%"
                          % (epoch, i + 1, n_train, test * 100.0), file=out, flush=True)
            if patience <= it:
                done = True
                break
        train_s.append(t_train)
        epoch_s.append(time.perf_counter() - t_epoch)
    secs = time.perf_counter() - start
    print("Optimization complete. Best validation score of %f %% obtained at iteration %i, "
          "with test performance %f %%" % (best * 100.0, best_iter + 1, test * 100.0), file=out)
    print("The code run for %d epochs, with %f epochs/sec" % (epoch, epoch / secs), file=out, flush=True)
    return {"epochs": epoch, "steps_per_epoch": n_train, "seconds": secs,
            "epoch_train_s": train_s, "epoch_s": epoch_s,
            "step_us_median": statistics.median(step_us),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def summary(t):
    """Timing lines: medians over the run's epochs."""
    tr, ep = statistics.median(t["epoch_train_s"]), statistics.median(t["epoch_s"])
    n = t["steps_per_epoch"]
    return ["numpy %s, OPENBLAS_NUM_THREADS=%s, median of %d epochs:" % (np.__version__, t["blas_threads"], t["epochs"]),
            "  per epoch: %.3f s training only, %.3f s with validation and test" % (tr, ep),
            "  per step: %.1f us median step, %.1f us training epoch / %d, %.1f us epoch with validation / %d"
            % (t["step_us_median"], tr * 1e6 / n, n, ep * 1e6 / n, n)]


def main():
    import compare_numpy  # the IDX loader; imported here since compare_numpy imports this module

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3, help="at most this many epochs (mlp.py: 1000)")
    ap.add_argument("--data-dir", default=compare_numpy.default_data_dir())
    ap.add_argument("--json", help="also write the timings to this file")
    a = ap.parse_args()
    t = train(compare_numpy.load(a.data_dir), a.epochs)
    print("\n".join(summary(t)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(t, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
