#!/usr/bin/env bash
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan and runs
# the unit, device and command tests there (the MNIST reference run is left to the main build:
# it is the same code, 10x slower instrumented). Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLMNIST_SANITIZE=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$PWD/ci/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export CLMNIST_REQUIRE_DEVICE=1
export POCL_CACHE_DIR=$PWD/build-asan/pocl-cache
mkdir -p "$POCL_CACHE_DIR"
# PoCL's ICD only: the other drivers ci/install-deps.sh installs for the kernel lint and rusticl
# break an instrumented process as soon as the ICD loader opens them (Intel's libigdrcl dlopens
# with RTLD_DEEPBIND, which ASan aborts on; Mesa's Clover leaks 128 bytes), and these tests are
# about clmnist, not the drivers.
icd_dir=$PWD/build-asan/icd
rm -rf "$icd_dir"; mkdir -p "$icd_dir"
cp /etc/OpenCL/vendors/pocl.icd "$icd_dir/"
export OCL_ICD_VENDORS=$icd_dir
cd build-asan
if ! ctest --output-on-failure -j "$(nproc)" -LE mnist --timeout 1500; then
  # LeakSanitizer's stop-the-world tracer now and then dies under load (signal 11 in the tracer,
  # no report): such a test proved nothing, so it runs again, alone. Any finding fails the run.
  if python3 ../ci/sanitizer_tool_crashes.py .; then
    echo "=== tests where LeakSanitizer itself crashed, once more, one at a time ==="
    ctest --rerun-failed --output-on-failure -j 1 --timeout 1500
  else
    # A CI log keeps only its head and tail: run what failed once more, alone, so its output
    # (and whether it fails again) ends the log. The run stays failed either way.
    echo "=== the failed tests once more, one at a time ==="
    ctest --rerun-failed --output-on-failure -j 1 --timeout 1500 || true
    exit 1
  fi
fi
