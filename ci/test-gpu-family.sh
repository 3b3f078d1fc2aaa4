#!/usr/bin/env bash
# The GPU kernel family (cl/gpu.cl) forced on Mesa's rusticl against the published log, and
# `clmnist tune` on PoCL and rusticl (the tuned choice then used, the log unchanged). The rest of
# the family's proof is elsewhere:
#   PoCL:     the whole published softmax-regression log and mlp.py's epochs 1-3 with --impl gpu
#             (CTest `mnist:`, tests/test_mnist.cpp);
#   rusticl:  here, the first 2 epochs (llvmpipe takes about 25 s an epoch on 2 cores, so the
#             whole run, 74 epochs, does not fit in CI); the MLP in the device tests
#             (ci/test-rusticl.sh);
#   oclgrind: the device tests under GPU-like limits (ci/test-oclgrind.sh); one epoch of real
#             MNIST takes it over 25 minutes.
# Needs the main build and MNIST (ci/fetch-mnist.sh). Usage: ci/test-gpu-family.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/apps/clmnist}
out=build/gpu-family
rm -rf "$out"; mkdir -p "$out"
# rusticl's shader cache in a fresh folder: without one llvmpipe recompiles on every launch (an
# epoch took minutes, not seconds); made anew, nothing outlives the run.
export RUSTICL_ENABLE=swrast MESA_SHADER_CACHE_DIR=$PWD/$out/shader-cache
export CLMNIST_TUNING_FILE=$PWD/$out/none.json
status=0
fail() { echo "test-gpu-family: FAIL: $*" >&2; status=1; }

# logistic_sgd.py's published lines for its first two epochs.
published=("epoch 1, minibatch 83/83, validation error 12.458333 %"
           "     epoch 1, minibatch 83/83, test error of best model 12.375000 %"
           "epoch 2, minibatch 83/83, validation error 11.010417 %"
           "     epoch 2, minibatch 83/83, test error of best model 10.958333 %")

# check_logreg DEVICE: --impl gpu reproduces the published first 2 epochs.
check_logreg() {
  local device=$1 log=$out/logreg-$1.log start=$SECONDS
  "$bin" train --device "$device" --impl gpu --max-epochs 2 \
    --save-model "$out/logreg-$device.safetensors" > "$log" 2>&1 \
    || { fail "$device: train exit $?"; tail -5 "$log" >&2; return; }
  grep -q "(gpu path)" "$log" || fail "$device: the gpu family did not run"
  diff <(grep -E '^ *epoch ' "$log") <(printf '%s\n' "${published[@]}") \
    || fail "$device: the first 2 epochs differ from the published log"
  echo "test-gpu-family: $device: softmax regression with --impl gpu matches the published" \
       "epochs 1-2 ($((SECONDS - start)) s)"
}

# check_tune DEVICE: tune stores a checked winner; a run with --impl auto then uses it.
check_tune() {
  local device=$1 file=$out/tuning-$1.json start=$SECONDS
  "$bin" tune --device "$device" --quick --budget "${TUNE_BUDGET:-20}" --rounds 2 \
    --tuning-file "$file" > "$out/tune-$device.log" 2>&1 \
    || { fail "$device: tune exit $?"; tail -5 "$out/tune-$device.log" >&2; return; }
  "$bin" train --device "$device" --max-epochs 1 --tuning-file "$file" \
    --save-model "$out/tuned-$device.safetensors" > "$out/tuned-$device.log" 2>&1 \
    || { fail "$device: tuned train exit $?"; return; }
  grep -q "^Kernels tuned for this device" "$out/tuned-$device.log" || fail "$device: tuning unused"
  grep -qxF "epoch 1, minibatch 83/83, validation error 12.458333 %" "$out/tuned-$device.log" \
    || fail "$device: the tuned run changed the published log"
  echo "test-gpu-family: $device: tune ($(grep '^Best:' "$out/tune-$device.log" | cut -c1-60)...)" \
       "and the tuned run ($((SECONDS - start)) s)"
}

check_tune pocl
if "$bin" devices | grep -qi rusticl; then
  check_logreg rusticl
  check_tune rusticl
else
  fail "no rusticl device (install mesa-opencl-icd: ci/install-deps.sh --test)"
fi
exit $status
