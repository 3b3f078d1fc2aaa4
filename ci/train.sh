#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing (the main package set),
# builds, fetches MNIST and runs `clmnist train` with the defaults (theano preset, best device
# found). Extra arguments go to clmnist train; it runs in the caller's directory, so relative
# paths in them (--save-model, --data-dir) mean what they say.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/install-deps.sh"
"$root/ci/build.sh" build -DCLMNIST_BUILD_TESTS=OFF
"$root/ci/fetch-mnist.sh"
exec "$root/build/apps/clmnist" train "$@"
