#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds, fetches MNIST and
# runs `clmnist train` with the defaults (theano preset, best device found). Extra arguments go
# to clmnist train.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh build
ci/fetch-mnist.sh
exec build/apps/clmnist train "$@"
