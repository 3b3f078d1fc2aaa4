#!/usr/bin/env bash
# Runs the device tests on Mesa's rusticl (mesa-opencl-icd: llvmpipe behind an OpenCL 3.0 driver,
# CPU type, no fp64), a second runtime next to PoCL with other quirks (shared/GPU.md): the tests of
# build/tests/clmnist_device_tests (all, or those the Catch2 test specs given as arguments select,
# e.g. "[kernels]"), then a 2-epoch `clmnist train` and an eval on a tiny generated dataset.
# The tests pick the device by CLMNIST_TEST_DEVICE (a --device spec). Needs the main build
# (ci/build.sh build); the binary is $CLMNIST_BIN, else build/apps/clmnist. Not part of
# ci/test.sh yet.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=build/tests/clmnist_device_tests
bin=${CLMNIST_BIN:-build/apps/clmnist}
if [ ! -x "$tests" ] || [ ! -x "$bin" ]; then
  echo "test-rusticl: build first (ci/build.sh build)" >&2; exit 1
fi
out=build/rusticl
rm -rf "$out"; mkdir -p "$out/tmp" "$out/shader-cache"
# rusticl offers no device unless told which drivers to enable. Mesa's shader cache goes to a
# directory made fresh for each run, never ~/.cache: nothing outlives the run, yet the tests'
# many identical program builds within it are compiled once (all 16 device tests in 125 s; with
# the cache off, [kernels] alone took 58 s instead of 8 s and 15 of the 16 tests 81 min).
# MESA_SHADER_CACHE_DISABLE=true in the caller's environment still turns it off.
export RUSTICL_ENABLE=swrast MESA_SHADER_CACHE_DIR=$PWD/$out/shader-cache
export CLMNIST_REQUIRE_DEVICE=1 CLMNIST_TEST_DEVICE=rusticl CLMNIST_TEST_TMP=$PWD/$out/tmp
# the table's rows only: an empty rusticl platform is named in the notes after it
seen=$("$bin" devices | sed '/^$/q' | grep -i rusticl || true)
if [ -z "$seen" ]; then
  echo "test-rusticl: no rusticl device (install mesa-opencl-icd: ci/install-deps.sh --test)" >&2
  "$bin" devices >&2
  exit 1
fi
echo "test-rusticl: device: $seen"
start=$SECONDS
"$tests" --warn NoTests --durations yes "$@"
tests_s=$((SECONDS - start))
start=$SECONDS
/usr/bin/python3 tests/make_tiny_mnist.py "$out/data" > /dev/null
"$bin" train --device rusticl --data-dir "$out/data" --validation-size 200 --batch-size 50 \
  --max-epochs 2 --save-model "$out/m.safetensors" --quiet
"$bin" eval --device rusticl --model "$out/m.safetensors" --data-dir "$out/data"
echo "test-rusticl: passed on rusticl: device tests in $tests_s s, train and eval in" \
  "$((SECONDS - start)) s"
