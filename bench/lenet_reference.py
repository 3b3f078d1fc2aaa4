#!/usr/bin/python3
"""The Theano tutorial's convolutional_mlp.py (evaluate_lenet5) in float32 PyTorch (CPU).

LeNet on MNIST as the tutorial builds it: (500,1,28,28) -> conv 5x5, 20 maps -> max-pool 2x2 ->
tanh(. + b0) -> conv 5x5, 50 maps -> max-pool 2x2 -> tanh(. + b1) -> flatten to 800 ->
tanh(x.W2 + b2), 500 units -> softmax(x.W3 + b3), 10 classes. Theano's conv2d is a true
convolution, so W0 (20,1,5,5) and W1 (50,20,5,5) are kept in Theano's orientation and flipped for
F.conv2d, which correlates. W0, W1, W2 ~ U(+-sqrt(6/(fan_in+fan_out))) drawn in that order from
RandomState(23455) (conv fan_out = maps*25 // 4), everything else zero; the script checks their
SHA-256 against the tutorial's draw. Mean NLL, plain SGD with lr 0.1, batch 500 in order (100
training, 20 validation, 20 test minibatches; pixels / 256), early stopping as mlp.py (patience
10000, one validation per epoch, 200 epochs at most).

Max-pool ties: about 40 % of the first layer's windows are all zero (MNIST's blank border), so the
rule that routes the gradient through a tie matters. --ties one (default) sends it to the first
maximum of the window in row-major order (F.max_pool2d's backward, as cuDNN's pooling does);
--ties all sends it to every element equal to the maximum (Theano's CPU DownsampleFactorMaxGrad).
The published log (THEANO_LOG, Theano under cuDNN) is for the first rule; --check compares with it.
Its epoch-1 test figure (9.54 %) hangs on two near-tied test images, so the softmax gradient
follows the form of Theano's GPU kernel (see softmax_nll); F.cross_entropy would give 9.55 %.

Threads: --threads N sets torch.set_num_threads (OpenMP: oneDNN's convolutions and torch's own
kernels) and OPENBLAS_NUM_THREADS, since Debian's torch runs its matrix products (the two dense
layers) on the system OpenBLAS, which torch's thread setting does not reach. The convolutions go
through the bundled oneDNN (libdnnl), not OpenBLAS. As in bench/compare_numpy.py,
bench/openblas_core.py sets OPENBLAS_CORETYPE where OpenBLAS would fall back to a kernel without
AVX; the first output line says which core is used.

Usage: /usr/bin/python3 bench/lenet_reference.py [--epochs 3] [--ties one|all] [--threads N]
                              [--data-dir DIR] [--json FILE] [--check] [--print-init-sha]
"""
import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time

import openblas_core

BATCH = 500
LR = 0.1
N_EPOCHS = 200
PATIENCE, PATIENCE_INCREASE, IMPROVEMENT_THRESHOLD = 10000, 2, 0.995
SEED = 23455

# SHA-256 of the tutorial's initial filters and hidden weights (little-endian float32, C order).
INIT_SHA256 = {
    "W0": "a932a7f798ef5afdd1760995148abd98ab3d42cc4db7e101b392db06533bd81c",
    "W1": "a88f072f40cc1fc0c985d531842f94d24e4a2e42164c086f7e20fd832b9eb03f",
    "W2": "3d636d0e66bd6a2fe05039728cd6ab7433af3629ca57e4c7a1012c29ff6ddae5",
}

# The first three epochs of Theano's convolutional_mlp.py, floatX=float32, under cuDNN.
THEANO_LOG = [
    "epoch 1, minibatch 100/100, validation error 9.230000 %",
    "     epoch 1, minibatch 100/100, test error of best model 9.540000 %",
    "epoch 2, minibatch 100/100, validation error 6.170000 %",
    "     epoch 2, minibatch 100/100, test error of best model 6.480000 %",
    "epoch 3, minibatch 100/100, validation error 4.640000 %",
    "     epoch 3, minibatch 100/100, test error of best model 4.840000 %",
]

np = torch = F = None  # imported in main(), once the OpenBLAS environment is set


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=N_EPOCHS, help="at most this many epochs (the tutorial: 200)")
    ap.add_argument("--ties", choices=("one", "all"), default="one", help="max-pool gradient through ties")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--data-dir", help="MNIST IDX files (default: clmnist's data directory)")
    ap.add_argument("--json", help="also write the log and timings to this file")
    ap.add_argument("--check", action="store_true", help="compare the first epochs' lines with THEANO_LOG")
    ap.add_argument("--print-init-sha", action="store_true", help="print the initial weights' SHA-256")
    a = ap.parse_args()
    if a.epochs < 1 or a.threads < 1:
        ap.error("--epochs and --threads must be at least 1")
    return a


def import_libraries(threads):
    """Sets the OpenBLAS environment, then imports numpy and torch; returns the OpenBLAS line."""
    global np, torch, F
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    line = openblas_core.best_core()
    import numpy
    import torch as t
    import torch.nn.functional as f
    np, torch, F = numpy, t, f
    torch.set_num_threads(threads)
    return line


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def uniform(rng, bound, shape):
    return np.asarray(rng.uniform(low=-bound, high=bound, size=shape), dtype=np.float32)


def conv_bound(shape):
    fan_in = shape[1] * shape[2] * shape[3]
    fan_out = shape[0] * shape[2] * shape[3] // (2 * 2)  # the tutorial divides by the pool size
    return np.sqrt(6.0 / (fan_in + fan_out))


def init_params():
    """The tutorial's draw: W0, W1, then the hidden layer's W; returns numpy float32 arrays."""
    rng = np.random.RandomState(SEED)
    p = {}
    for name, shape in (("W0", (20, 1, 5, 5)), ("W1", (50, 20, 5, 5))):
        p[name] = uniform(rng, conv_bound(shape), shape)
    p["W2"] = uniform(rng, np.sqrt(6.0 / (800 + 500)), (800, 500))
    p["b0"], p["b1"], p["b2"] = (np.zeros(n, np.float32) for n in (20, 50, 500))
    p["W3"], p["b3"] = np.zeros((500, 10), np.float32), np.zeros(10, np.float32)
    return p


def check_init(p, show):
    """Exits with 1 unless the initial weights hash to the tutorial's."""
    ok = True
    for name, want in INIT_SHA256.items():
        got = sha256(p[name])
        if show:
            print("init %s %s sha256 %s %s" % (name, "x".join(map(str, p[name].shape)), got,
                                               "ok" if got == want else "DIFFERS (want %s)" % want))
        ok &= got == want
    if not ok:
        sys.exit("initial weights differ from the tutorial's RandomState(23455) draw")


def softmax_nll():
    """mean(-log softmax(z)[y]) with the gradient in the form of Theano's GPU
    CrossentropySoftmax1HotWithBiasDx: (p - onehot) * dnll, dnll = float32(1/n), here all in
    float32 (Theano's kernel subtracts a double 1.0). The epoch-1 test error sits on two test
    images whose top two logits are 1e-5..1e-4 apart: F.cross_entropy's backward gives 9.55 %,
    the double subtraction 9.53 %, this form Theano's 9.54 %; the other five lines agree for all."""
    class SoftmaxNLL(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, y):
            p = torch.softmax(z, 1)
            ctx.save_for_backward(p, y)
            return -torch.log(p[torch.arange(len(y)), y]).mean()

        @staticmethod
        def backward(ctx, g):
            p, y = ctx.saved_tensors
            d = p.clone()
            d[torch.arange(len(y)), y] -= 1.0
            return d * (g / len(y)), None

    return SoftmaxNLL.apply


def pool_all_ties():
    """2x2 max-pool whose gradient goes to every element equal to its window's maximum."""
    class PoolAllTies(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = F.max_pool2d(x, 2)
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            n, c, h, w = y.shape
            xs = x.view(n, c, h, 2, w, 2)
            mask = xs == y.view(n, c, h, 1, w, 1)
            return (mask * g.view(n, c, h, 1, w, 1)).view_as(x)

    return PoolAllTies.apply


class LeNet:
    def __init__(self, ties):
        self.p = {k: torch.from_numpy(v).requires_grad_() for k, v in init_params().items()}
        self.pool = (lambda x: F.max_pool2d(x, 2)) if ties == "one" else pool_all_ties()
        self.nll = softmax_nll()

    def conv_pool(self, x, w, b):
        """Theano's LeNetConvPoolLayer: true convolution, pool, then tanh(pooled + b)."""
        pooled = self.pool(F.conv2d(x, w.flip([2, 3])))
        return torch.tanh(pooled + b.view(1, -1, 1, 1))

    def logits(self, x):
        p = self.p
        h = self.conv_pool(x.view(-1, 1, 28, 28), p["W0"], p["b0"])
        h = self.conv_pool(h, p["W1"], p["b1"])
        h = torch.tanh(h.reshape(h.shape[0], 800) @ p["W2"] + p["b2"])
        return h @ p["W3"] + p["b3"]

    def sgd_step(self, x, y):
        loss = self.nll(self.logits(x), y)
        for v in self.p.values():
            v.grad = None
        loss.backward()
        with torch.no_grad():
            for v in self.p.values():
                v -= LR * v.grad

    def errors(self, x, y):
        """Wrong predictions over all of x, minibatch by minibatch; argmax over the logits
        (numpy's: the first of equal maxima)."""
        wrong = 0
        with torch.no_grad():
            for i in range(len(y) // BATCH):
                s = slice(i * BATCH, (i + 1) * BATCH)
                pred = np.argmax(self.logits(x[s]).numpy(), axis=1)
                wrong += int(np.count_nonzero(pred != y[s].numpy()))
        return wrong


def load_data(data_dir):
    import compare_numpy  # the IDX loader (pixels / 256), shared with bench/numpy_mlp.py

    data = compare_numpy.load(data_dir or compare_numpy.default_data_dir())
    return [(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)) for x, y in data]


class Run:
    """convolutional_mlp.py's training loop and its log."""

    def __init__(self, model, data):
        self.m = model
        (self.tx, self.ty), (self.vx, self.vy), (self.sx, self.sy) = data
        self.n_train = len(self.ty) // BATCH
        self.patience = PATIENCE
        self.freq = min(self.n_train, PATIENCE // 2)
        self.best, self.best_iter, self.test = np.inf, 0, 0.0
        self.log, self.train_s, self.epoch_s = [], [], []

    def say(self, line):
        self.log.append(line)
        print(line, flush=True)

    def validate(self, epoch, i, it):
        v = self.m.errors(self.vx, self.vy) / float(len(self.vy))
        self.say("epoch %i, minibatch %i/%i, validation error %f %%" % (epoch, i + 1, self.n_train, v * 100.0))
        if v < self.best:
            if v < self.best * IMPROVEMENT_THRESHOLD:
                self.patience = max(self.patience, it * PATIENCE_INCREASE)
            self.best, self.best_iter = v, it
            self.test = self.m.errors(self.sx, self.sy) / float(len(self.sy))
            self.say("     epoch %i, minibatch %i/%i, test error of best model %f %%"
                     % (epoch, i + 1, self.n_train, self.test * 100.0))

    def epoch(self, epoch):
        """One epoch; returns False once patience has run out."""
        t_epoch, t_train = time.perf_counter(), 0.0
        going = True
        for i in range(self.n_train):
            s = slice(i * BATCH, (i + 1) * BATCH)
            t0 = time.perf_counter()
            self.m.sgd_step(self.tx[s], self.ty[s])
            t_train += time.perf_counter() - t0
            it = (epoch - 1) * self.n_train + i
            if (it + 1) % self.freq == 0:
                self.validate(epoch, i, it)
            if self.patience <= it:
                going = False
                break
        self.train_s.append(t_train)
        self.epoch_s.append(time.perf_counter() - t_epoch)
        print("  epoch %i: %.3f s training, %.3f s with validation and test"
              % (epoch, self.train_s[-1], self.epoch_s[-1]), flush=True)
        return going

    def train(self, epochs):
        start = time.perf_counter()
        epoch = 0
        while epoch < epochs:
            epoch += 1
            if not self.epoch(epoch):
                break
        secs = time.perf_counter() - start
        self.say("Optimization complete.")
        self.say("Best validation score of %f %% obtained at iteration %i, with test performance %f %%"
                 % (self.best * 100.0, self.best_iter + 1, self.test * 100.0))
        self.say("The code run for %d epochs, with %f epochs/sec" % (epoch, epoch / secs))
        return epoch


def check_log(log, epochs, ties):
    """Compares the first min(3, epochs) epochs' lines with THEANO_LOG; returns the exit status."""
    n = min(3, epochs)
    first = lambda lines: [l for l in lines if re.match(r"\s*epoch (\d+),", l)
                           and int(re.match(r"\s*epoch (\d+),", l).group(1)) <= n]
    ours, theirs = first(log), first(THEANO_LOG)
    note = "" if ties == "one" else " (--ties all: Theano's log is for the one-max rule)"
    if ours == theirs:
        print("log matches Theano's convolutional_mlp.py over its first %d epoch(s)%s" % (n, note))
        return 0
    print("log DIFFERS FROM Theano's convolutional_mlp.py over its first %d epoch(s)%s; Theano:" % (n, note))
    print("\n".join(theirs))
    return 1


def main():
    a = parse_args()
    blas = import_libraries(a.threads)
    print("torch %s, %d thread(s), %s, max-pool ties: %s" % (torch.__version__, a.threads, blas, a.ties))
    model = LeNet(a.ties)
    check_init({k: v.detach().numpy() for k, v in model.p.items()}, a.print_init_sha)
    run = Run(model, load_data(a.data_dir))
    epochs = run.train(a.epochs)
    print("median epoch: %.3f s training, %.3f s with validation and test"
          % (statistics.median(run.train_s), statistics.median(run.epoch_s)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"epochs": epochs, "log": run.log, "train_seconds": run.train_s,
                       "epoch_seconds": run.epoch_s, "threads": a.threads, "ties": a.ties}, f, indent=1)
    return check_log(run.log, epochs, a.ties) if a.check else 0


if __name__ == "__main__":
    sys.exit(main())
