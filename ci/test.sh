#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing, builds, fetches
# MNIST, lints the kernels and runs every CTest test. Device tests must run on PoCL here: a
# missing OpenCL device or dataset fails them instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh build
ci/fetch-mnist.sh
ci/lint-kernels.sh

export CLMNIST_REQUIRE_DEVICE=1
export POCL_CACHE_DIR=$PWD/build/pocl-cache
mkdir -p "$POCL_CACHE_DIR"
echo "OpenCL devices seen by the tests:"
build/apps/clmnist devices
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 1500
