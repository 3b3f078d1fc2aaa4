#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing (the main package set),
# builds, fetches MNIST and runs `clmnist train` with the defaults (theano preset, best device
# found). Extra arguments go to clmnist train; it runs in the caller's directory, so relative
# paths in them (--save-model, --data-dir) mean what they say. Ends by saying, on stderr, where the
# program is and how to install it on PATH; exits with train's status.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/install-deps.sh"
"$root/ci/build.sh" build -DCLMNIST_BUILD_TESTS=OFF
"$root/ci/fetch-mnist.sh"
status=0
"$root/build/apps/clmnist" train "$@" || status=$?
# Where the program is, on stderr (train's own output stays the published log).
{
  echo
  echo "clmnist is built at $root/build/apps/clmnist. To run it as \`clmnist\` from anywhere:"
  echo "  cmake --install $root/build --prefix ~/.local    # then ~/.local/bin must be on PATH"
} >&2
exit "$status"
