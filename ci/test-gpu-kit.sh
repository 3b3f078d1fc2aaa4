#!/usr/bin/env bash
# Tests the GPU check kit end to end against PoCL: builds it (ci/gpu-kit.sh) into a temporary
# directory, unpacks the tarball elsewhere and deletes the build, so the kit must stand alone, then
# runs its run.sh with PoCL's CPU device and fails when run.sh fails.
#
#   ci/test-gpu-kit.sh [RESULTS_DIR]    (default build/gpu-kit/pocl-results, replaced)
#
# Settings for a 2-core CI machine, not those of the NVIDIA run:
#   KIT_ICD_DIR=/etc/OpenCL/vendors    the system's ICDs (PoCL) instead of libnvidia-opencl.so.1
#   KIT_DEVICE=cpu                     PoCL's device
#   KIT_LOGREG_GPU_EPOCHS=5            the GPU family runs logistic regression at about 0.4
#                                      epochs/s on PoCL here: compare its first 5 epochs only
#                                      (the --impl auto run still compares the whole log)
#   KIT_MLP_IMPL=auto                  the CPU family for the MLP (--impl gpu takes ~2 min an epoch)
#   KIT_TUNE_BUDGET=20, KIT_QUICK=1    tune --budget 20 --rounds 3; bench --quick --runs 1
#   KIT_SKIP="bench-mlp tune-lenet bench-lenet"
#                                      bench times every family, and the GPU family's MLP epoch
#                                      alone takes minutes on PoCL (bench-theano runs the same code);
#                                      LeNet's tune and bench take minutes here too (its three
#                                      epochs and their check still run)
# Then a run with one step made to fail (KIT_INJECT: logreg-auto's program build fails): it must
# exit 1, report that step and its check as FAIL, and still run and pass the MLP steps after it.
# Then the kit's own glibc (KIT_GLIBC=bundled), which run.sh uses on older systems, runs the
# version and devices steps.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
results=${1:-${BUILD_DIR:-$root/build}/gpu-kit/pocl-results}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clmnist-gpu-kit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$root/ci/gpu-kit.sh" "$tmp/build"
mkdir "$tmp/unpacked"
tar -C "$tmp/unpacked" -xzf "$tmp/build/clmnist-gpu-kit.tar.gz"
rm -rf "$tmp/build"
kit=$tmp/unpacked/clmnist-gpu-kit

rm -rf "$results" "$results-glibc" "$results-inject"
rc=0
env KIT_ICD_DIR=/etc/OpenCL/vendors KIT_DEVICE=cpu KIT_LOGREG_GPU_EPOCHS=5 KIT_MLP_IMPL=auto \
  KIT_TUNE_BUDGET=20 KIT_QUICK=1 KIT_SKIP="bench-mlp tune-lenet bench-lenet" \
  "$kit/run.sh" "$results" || rc=$?
for want in "lenet-log +PASS" "^## training speed" "^## bench-theano" " us/iter" " calls "; do
  grep -Eq -- "$want" "$results/summary.txt" || {
    echo "test-gpu-kit: summary.txt lacks '$want'" >&2
    rc=1
  }
done
inject_rc=0
env KIT_ICD_DIR=/etc/OpenCL/vendors KIT_DEVICE=cpu KIT_MLP_IMPL=auto \
  KIT_STEPS="logreg-auto mlp" KIT_INJECT=logreg-auto=clBuildProgram \
  "$kit/run.sh" "$results-inject" || inject_rc=$?
for want in "^logreg-auto +FAIL" "^logreg-auto-log +FAIL" "^mlp +PASS" "^mlp-log +PASS" \
  "^# 2 failed"; do
  grep -Eq -- "$want" "$results-inject/summary.txt" || {
    echo "test-gpu-kit: with a failing step, summary.txt lacks '$want'" >&2
    rc=1
  }
done
if [ "$inject_rc" -ne 1 ]; then
  echo "test-gpu-kit: with a failing step, run.sh exited $inject_rc, not 1" >&2
  rc=1
fi
env KIT_ICD_DIR=/etc/OpenCL/vendors KIT_DEVICE=cpu KIT_GLIBC=bundled KIT_STEPS="version devices" \
  "$kit/run.sh" "$results-glibc" || rc=$?
grep -q 'kit.s glibc' "$results-glibc/glibc.log" || {
  echo "test-gpu-kit: KIT_GLIBC=bundled did not use the kit's glibc" >&2
  rc=1
}

echo "--- $results/summary.txt"
cat "$results/summary.txt"
if [ "$rc" -ne 0 ]; then
  echo "test-gpu-kit: FAILED (logs in $results and $results-glibc)" >&2
  exit 1
fi
echo "test-gpu-kit: passed"
