#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing, builds, fetches
# MNIST, runs the kernel compile matrix (NVIDIA, AMD, SPIR, Intel targets) and every CTest test;
# then the device tests under oclgrind (GPU-like limits) and on Mesa's rusticl, the GPU kernel
# family against the published log on rusticl with `clmnist tune`, the GPU check kit against
# PoCL, the suite built with ASan + UBSan, and a time-boxed fuzzing run (FUZZ_SECONDS, default 60
# per target). Device tests must run on PoCL here: a missing device or dataset fails them.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh --test
ci/build.sh build -DCLMNIST_BUILD_TESTS=ON
ci/fetch-mnist.sh
ci/lint-kernels.sh

export CLMNIST_REQUIRE_DEVICE=1
export POCL_CACHE_DIR=$PWD/build/pocl-cache
mkdir -p "$POCL_CACHE_DIR"
echo "OpenCL devices seen by the tests:"
build/apps/clmnist devices
if ! (cd build && ctest --output-on-failure -j "$(nproc)" --timeout 1500) | tee build/ctest.log; then
  echo "=== the failed tests once more, one at a time (a CI log keeps its head and tail) ==="
  (cd build && ctest --rerun-failed --output-on-failure -j 1 --timeout 1500) || true
  exit 1
fi
summary=$(grep -E "tests passed, [0-9]+ tests failed out of" build/ctest.log | tail -n 1)

echo "=== cmake --install and a program built against the installed package ==="
ci/test-install.sh
echo "=== device tests under oclgrind ==="
ci/test-oclgrind.sh
echo "=== device tests on Mesa's rusticl ==="
ci/test-rusticl.sh
echo "=== the GPU kernel family on rusticl against the published log; clmnist tune ==="
ci/test-gpu-family.sh
echo "=== the GPU check kit, built and run here against PoCL ==="
ci/test-gpu-kit.sh
echo "=== AddressSanitizer + UndefinedBehaviorSanitizer ==="
ci/test-sanitizers.sh
echo "=== fuzzing ==="
ci/fuzz.sh
echo "ci/test.sh: all checks passed (kernel matrix, CTest, install, oclgrind, rusticl, gpu family," \
     "gpu kit, ASan + UBSan, fuzzing)"
# The main CTest run, as a plain closing line: "N passed, N failed".
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$summary")
echo "ctest: $((total - failed)) passed, $failed failed"
