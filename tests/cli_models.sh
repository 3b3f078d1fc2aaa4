#!/usr/bin/env bash
# The CLI cases of the MLP preset and the model file formats, sourced by cli_test.sh (which
# defines bin, case, scratch, fail and need_mnist).
case $case in
  mlp_workflow)
    # Theano's mlp.py (784-500 tanh-10) for one epoch on PoCL, then everything a user does with
    # the model: eval, predict (test set and own images), export, numpy/PyTorch, resume.
    need_mnist
    data=$mnist_dir here=$(dirname "$0")
    args=(train --preset theano-mlp --device cpu --data-dir "$data" --max-steps 2500)
    m=$scratch/m.safetensors
    out=$("$bin" "${args[@]}" --save-model "$m" --checkpoint "$scratch/ck" \
          --summary-json "$scratch/s.json" --plot-dir "$scratch/plots" 2>&1) || fail "train exit $?: $out"
    echo "$out"
    # mlp.py's log lines (floatX=float32), and its result line.
    epoch1=("epoch 1, minibatch 2500/2500, validation error 9.620000 %"
            "     epoch 1, minibatch 2500/2500, test error of best model 10.090000 %"
            "Optimization complete. Best validation score of 9.620000 % obtained at iteration 2500, with test performance 10.090000 %")
    for line in "${epoch1[@]}"; do grep -qxF -- "$line" <<<"$out" || fail "no line '$line'"; done
    [ "$(grep -c "^epoch .*, validation error" <<<"$out")" -eq 1 ] || fail "not one validation"
    grep -q "test error 10.090000 % (10000 images)" <<<"$out" || fail "no error over every sample"
    # The summary names the network and the plan that ran it; the model file holds the same
    # network (clmnist-network-2) with W1, b1, W2, b2.
    /usr/bin/python3 - "$scratch/s.json" "$m" "$here/interop" <<'EOF' || fail "summary JSON / model file"
import json, sys
sys.path.insert(0, sys.argv[3])
from read_safetensors import read_safetensors
s = json.load(open(sys.argv[1]))
t, meta = read_safetensors(sys.argv[2])
def check(ok, what):
    if not ok:
        sys.exit("FAIL: %s" % what)
net = s.get("network")
check(net is not None and "plan" in s, "the summary lacks 'network' or 'plan': %s" % sorted(s))
check(net == {"input": {"rows": 28, "cols": 28, "pixel_divisor": 256.0}, "layers": [
    {"type": "dense", "inputs": 784, "outputs": 500, "activation": "tanh", "weight": "W1", "bias": "b1"},
    {"type": "dense", "inputs": 500, "outputs": 10, "activation": "none", "weight": "W2", "bias": "b2"}],
    "head": "softmax_cross_entropy"}, "network %s" % net)
covered = [l for p in s["plan"] for l in range(p["first_layer"], p["last_layer"] + 1)]
check(covered == [1, 2], "the plan %s does not run layers 1 and 2 once each" % s["plan"])
check(all(p["impl"] in ("fused", "dense", "clblast") for p in s["plan"]), "plan %s" % s["plan"])
check(s["preset"] == "theano-mlp" and s["iterations"] == 2500
      and s["best_validation_error"] == 0.0962 and s["test_error"] == 0.1009, "results %s" % s)
check(meta["format"] == "clmnist-network-2" and json.loads(meta["network"]) == net,
      "model metadata %s" % meta)
shapes = {k: v.shape for k, v in t.items()}
check(shapes == {"W1": (784, 500), "b1": (500,), "W2": (500, 10), "b2": (10,)}, "tensors %s" % shapes)
print("summary and model name the network %s, plan %s" % (
    "-".join(str(l["outputs"]) for l in net["layers"]), [p["impl"] for p in s["plan"]]))
EOF
    # Pictures: the first-layer filters of 100 hidden units (10 rows of 10), curves, confusion.
    specs=()
    for ext in png svg; do
      specs+=("$scratch/plots/weights.$ext:900:1000" "$scratch/plots/learning_curves.$ext:900:720"
              "$scratch/plots/confusion.$ext:640:660")
    done
    /usr/bin/python3 "$here/check_pictures.py" "${specs[@]}" || fail "pictures"
    # eval on PoCL and on the host: the same test error as training reported.
    for dev in cpu host; do
      out=$("$bin" eval --model "$m" --data-dir "$data" --device $dev 2>&1) \
        || fail "eval $dev exit $?: $out"
      echo "$out"
      grep -q "test error 10.090000 % over every sample (1009 of 10000 wrong)" <<<"$out" \
        || fail "eval on $dev"
    done
    # predict --count 20 on PoCL: the numpy reader's labels for the first 20 test images.
    out=$("$bin" predict --model "$m" --data-dir "$data" --count 20 --device cpu 2>/dev/null) \
      || fail "predict exit $?"
    echo "$out"
    want=$(/usr/bin/python3 -c '
import os, sys
sys.path.insert(0, sys.argv[1])
from check_numpy_interop import read_idx
from read_safetensors import predict, read_safetensors
t, meta = read_safetensors(sys.argv[2])
x = read_idx(os.path.join(sys.argv[3], "t10k-images-idx3-ubyte"))[:20]
y = read_idx(os.path.join(sys.argv[3], "t10k-labels-idx1-ubyte"))[:20]
print("[%s]" % " ".join(map(str, predict(t, meta, x).argmax(axis=1))))
print("[%s]" % " ".join(map(str, y)))' "$here/interop" "$m" "$data") || fail "numpy reader"
    [ "$(sed -n '2p;4p' <<<"$out")" = "$want" ] || fail "predict --count 20: expected $want"
    # Own images (PNG, upscaled 3x, dark on light): PoCL and the host agree on every one, and
    # after one epoch most are read as the original test digits (18 of 20 on PoCL 3.1).
    /usr/bin/python3 "$here/interop/make_digit_images.py" "$data" "$scratch/img" 20 >/dev/null
    files=(); for i in $(seq 0 19); do files+=("$scratch/img/digit$i.png"); done
    labels() {  # device -> the 20 labels of predict --json, checking the probabilities
      "$bin" predict --model "$m" --json --device "$1" "${files[@]}" 2>/dev/null | /usr/bin/python3 -c '
import sys, json
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 20, rows
assert all(len(r["probabilities"]) == 10 and abs(sum(r["probabilities"]) - 1) < 1e-4 for r in rows)
print(" ".join(str(r["label"]) for r in rows))'
    }
    got=$(labels cpu) || fail "predict --json on PNGs (cpu)"
    [ "$(labels host)" = "$got" ] || fail "PNGs: the host predicts $(labels host), PoCL $got"
    same=0; read -ra a <<<"$(sed -n 2p <<<"$out" | tr -d '[]')"; read -ra b <<<"$got"
    for i in $(seq 0 19); do [ "${a[$i]}" = "${b[$i]}" ] && same=$((same + 1)); done
    echo "png: $same of 20 as the originals ($got)"
    [ $same -ge 17 ] || fail "prepared digits predicted unlike the originals"
    out=$("$bin" predict --model "$m" --device cpu "$scratch/img/digit0.png" 2>/dev/null) \
      || fail "predict one PNG exit $?"
    echo "$out"
    grep -q "digit0.png: ${a[0]} (p = [01]\.[0-9]*)" <<<"$out" || fail "predict one PNG"
    # Exports and the numpy / PyTorch readers.
    "$bin" export --model "$m" --format npy --output "$scratch/npy" || fail "export npy exit $?"
    "$bin" export --model "$m" --format onnx --output "$scratch/m.onnx" || fail "export onnx exit $?"
    /usr/bin/python3 "$here/interop/check_exports.py" "$m" "$scratch/npy" "$scratch/m.onnx" "$data" \
      "$bin" || fail "exports"
    /usr/bin/python3 "$here/interop/check_numpy_interop.py" "$bin" "$m" "$data" \
      || fail "numpy predictions differ"
    /usr/bin/python3 "$here/interop/check_torch_interop.py" "$bin" "$m" "$data" \
      || fail "PyTorch predictions differ"
    # The finished run's checkpoint keeps its settings: a longer run is a new run.
    "$bin" train --resume "$scratch/ck" --max-epochs 2 --data-dir "$data" >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "--resume with --max-epochs: exit $rc, expected 2"
    # Stopped by SIGTERM and resumed, the run prints the same lines and saves the same model as
    # the uninterrupted one. The OpenCL queue runs behind the host loop (which has queued the
    # whole epoch a fraction of a second after the data is uploaded, and a signal after the last
    # step is not acted on), so the signal goes as soon as the kernels are built: the run stops
    # after its first minibatch or a few. Retried when the run was not interrupted.
    interrupt_run 0.02 2500 "${args[@]}"
    tail -n 3 "$scratch/out"
    [ $rc -eq 143 ] || fail "SIGTERM: exit $rc, expected 143"
    { [ -n "$stopped" ] && [ "$stopped" -lt 2500 ]; } || fail "not interrupted within epoch 1"
    grep -q "Stopped by SIGTERM" "$scratch/out" || fail "SIGTERM not reported"
    grep -q "^epoch .*, validation error" "$scratch/out" && fail "validated before the interruption"
    out=$("$bin" train --resume "$scratch/ckt" --device cpu --data-dir "$data" \
          --save-model "$scratch/mt.safetensors" 2>&1) || fail "resume exit $?: $out"
    echo "$out"
    grep -q "Resuming $scratch/ckt at epoch 1, minibatch $((stopped + 1))$" <<<"$out" \
      || fail "did not resume at minibatch $((stopped + 1))"
    for line in "${epoch1[@]}"; do grep -qxF -- "$line" <<<"$out" || fail "resumed: no '$line'"; done
    cmp "$m" "$scratch/mt.safetensors" || fail "SIGTERM + resume: not the uninterrupted run's model"
    ;;
  v1_model_still_loads)
    # A model file of the first format (clmnist-softmax-regression-1: W, b, pixels / 255), written
    # by the clmnist before networks, on make_tiny_mnist.py's data (tests/test_network_model.cpp).
    v1=$(dirname "$0")/data/model_v1.safetensors
    [ -s "$v1" ] || fail "$v1 is missing"
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    out=$("$bin" eval --model "$v1" --data-dir "$scratch/tiny" --device host 2>&1) \
      || fail "eval exit $?: $out"
    echo "$out"
    grep -Eq "^test error [0-9.]+ % over every sample \([0-9]+ of 300 wrong\)$" <<<"$out" \
      || fail "eval output"
    # The same labels, errors and loss as the numpy reader computes from W, b and pixel_divisor.
    /usr/bin/python3 "$(dirname "$0")/interop/check_numpy_interop.py" "$bin" "$v1" "$scratch/tiny" \
      || fail "v1 model: clmnist and numpy disagree"
    "$bin" export --model "$v1" --format npy --output "$scratch/npy" >/dev/null \
      || fail "export npy exit $?"
    "$bin" export --model "$v1" --format onnx --output "$scratch/m.onnx" >/dev/null \
      || fail "export onnx exit $?"
    /usr/bin/python3 "$(dirname "$0")/interop/check_exports.py" "$v1" "$scratch/npy" "$scratch/m.onnx" \
      "$scratch/tiny" "$bin" || fail "exports of the v1 model"
    ;;
  *) fail "unknown case" ;;
esac
