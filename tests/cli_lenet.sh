#!/usr/bin/env bash
# The CLI case of the LeNet preset (Theano's convolutional_mlp.py), sourced by cli_test.sh (which
# defines bin, case, scratch, fail and need_mnist): a short run on PoCL, then what a user does with
# the model: eval, predict, export (npy, ONNX checked node by node against numpy and clmnist
# predict), pictures, and an interrupted run resumed to the uninterrupted one's model.
case $case in
  lenet_workflow)
    need_mnist
    data=$mnist_dir here=$(dirname "$0")
    # A validation every 4 minibatches: points where a signal can stop the run (the queue runs
    # the whole of a short run ahead of the host otherwise).
    args=(train --preset theano-lenet --device cpu --data-dir "$data" --max-steps 12
          --validation-frequency 4)
    m=$scratch/m.safetensors
    out=$("$bin" "${args[@]}" --save-model "$m" --checkpoint "$scratch/ck" \
          --summary-json "$scratch/s.json" --plot-dir "$scratch/plots" 2>&1) || fail "train exit $?: $out"
    echo "$out"
    grep -Eq "^Optimization complete. Best validation score of [0-9.]+ % obtained at iteration (4|8|12)," \
      <<<"$out" || fail "no result line"
    # The summary and the model name the network; the plan runs the front end on the conv family
    # and the dense layers on the dense family (a CPU's default).
    /usr/bin/python3 - "$scratch/s.json" "$m" "$here/interop" <<'PY' || fail "summary JSON / model file"
import json, sys
sys.path.insert(0, sys.argv[3])
from read_safetensors import read_safetensors
s = json.load(open(sys.argv[1]))
t, meta = read_safetensors(sys.argv[2])
kinds = [l["type"] for l in s["network"]["layers"]]
assert kinds == ["conv2d", "max_pool", "activation"] * 2 + ["flatten", "dense", "dense"], kinds
assert [(p["impl"], p["first_layer"], p["last_layer"]) for p in s["plan"]] == \
    [("conv", 1, 7), ("dense", 8, 8), ("dense", 9, 9)], s["plan"]
shapes = {k: v.shape for k, v in t.items()}
assert shapes == {"W0": (20, 1, 5, 5), "b0": (20,), "W1": (50, 20, 5, 5), "b1": (50,),
                  "W2": (800, 500), "b2": (500,), "W3": (500, 10), "b3": (10,)}, shapes
assert json.loads(meta["network"]) == s["network"] and meta["batch_size"] == "500"
print("summary and model: layers %s, plan %s" % (kinds, [p["impl"] for p in s["plan"]]))
PY
    specs=()
    for ext in png svg; do
      specs+=("$scratch/plots/weights.$ext:900:100" "$scratch/plots/confusion.$ext:640:660")
    done
    /usr/bin/python3 "$here/check_pictures.py" "${specs[@]}" || fail "pictures"
    # eval on PoCL counts whole minibatches of the model's own 500.
    test_line=$(grep -o "test error [0-9.]* % (10000 images)" <<<"$out")
    ev=$("$bin" eval --model "$m" --data-dir "$data" --device cpu 2>&1) || fail "eval exit $?: $ev"
    echo "$ev"
    grep -q "^${test_line% (10000 images)} over every sample" <<<"$ev" || fail "eval: not $test_line"
    grep -q "(whole minibatches of 500, as the tutorial)" <<<"$ev" || fail "eval batch"
    p=$("$bin" predict --model "$m" --data-dir "$data" --device cpu --count 5 2>&1) \
      || fail "predict exit $?: $p"
    grep -Eq '^\[[0-9] [0-9] [0-9] [0-9] [0-9]\]$' <<<"$p" || fail "predict output: $p"
    "$bin" export --model "$m" --format npy --output "$scratch/npy" >/dev/null || fail "export npy"
    "$bin" export --model "$m" --format onnx --output "$scratch/m.onnx" >/dev/null \
      || fail "export onnx"
    /usr/bin/python3 "$here/interop/check_exports.py" "$m" "$scratch/npy" "$scratch/m.onnx" "$data" \
      "$bin" || fail "exports"
    # Stopped by SIGTERM and resumed: the same model as the uninterrupted run (byte for byte).
    interrupt_run 0.5 100 "${args[@]}"
    [ $rc -eq 143 ] || fail "SIGTERM: exit $rc, expected 143"
    out=$("$bin" train --resume "$scratch/ckt" --device cpu --data-dir "$data" \
          --save-model "$scratch/mt.safetensors" 2>&1) || fail "resume exit $?: $out"
    grep -q "Resuming $scratch/ckt at epoch 1, minibatch $((stopped + 1))$" <<<"$out" \
      || fail "did not resume at minibatch $((stopped + 1)): $out"
    cmp "$m" "$scratch/mt.safetensors" || fail "SIGTERM + resume: not the uninterrupted run's model"
    echo "resumed after minibatch $stopped: the same model"
    # tune on LeNet: candidates for the dense layers after the conv front end, each checked
    # against the host; the winner is stored, and train then runs it.
    tf=$scratch/tuning.json
    out=$("$bin" tune --preset theano-lenet --device cpu --data-dir "$data" --impl dense \
          --rounds 1 --budget 1 --tuning-file "$tf" 2>&1) || fail "tune exit $?: $out"
    echo "$out"
    grep -q "^  ok  *default" <<<"$out" || fail "the default was not checked against the host"
    grep -q "Stored in $tf" <<<"$out" || fail "no winner stored"
    out=$("$bin" train --preset theano-lenet --device cpu --data-dir "$data" --max-steps 2 \
          --tuning-file "$tf" --save-model "" -v 2>&1) || fail "tuned train exit $?: $out"
    grep -q "^Kernels tuned for this device on " <<<"$out" || fail "the tuned choice was not used"
    grep -q "plan: layers 1-7: conv (cl/conv.cl: L1 -DFB=[0-9]* .*); layer 8: dense" <<<"$out" \
      || fail "tuned plan"
    ;;
  *) fail "unknown case" ;;
esac
