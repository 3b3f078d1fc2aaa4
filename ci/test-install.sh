#!/usr/bin/env bash
# Installs the main build into build/install and builds and runs examples/consumer against the
# installed package (find_package(clmnist), clmnist::runtime, clmnist::model), and again with
# pkg-config (clmnist.pc); checks the man page and the bash and zsh completions are installed; the
# installed clmnist fetches MNIST into a scratch directory (from the data already fetched) and
# trains one epoch on it.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/install build/consumer
cmake --install build --prefix "$PWD/build/install" > build/install.log
test -x build/install/bin/clmnist
build/install/bin/clmnist --version
cmake -S examples/consumer -B build/consumer -DCMAKE_PREFIX_PATH="$PWD/build/install" > build/consumer.log
cmake --build build/consumer -j "$(nproc)" >> build/consumer.log
build/consumer/consumer
prefix=$PWD/build/install
# The same program built with pkg-config instead of CMake.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs clmnist)
echo "pkg-config --cflags --libs clmnist: $flags"
# shellcheck disable=SC2086
c++ -std=c++17 examples/consumer/main.cpp -o build/consumer/consumer-pc $flags
build/consumer/consumer-pc >/dev/null
test -s "$prefix/share/man/man1/clmnist.1" || { echo "test-install: no man page" >&2; exit 1; }
grep -q '^\.SS train$' "$prefix/share/man/man1/clmnist.1"
comp=$prefix/share/bash-completion/completions/clmnist
[ "$(bash -c 'source "$1"; COMP_WORDS=("$2" tr); COMP_CWORD=1; _clmnist; echo "${COMPREPLY[*]}"' \
      _ "$comp" "$prefix/bin/clmnist")" = train ] || { echo "test-install: completion" >&2; exit 1; }
[ -f "$prefix/share/zsh/site-functions/_clmnist" ] || { echo "test-install: no zsh completion" >&2; exit 1; }
# The installed command end to end on a small generated dataset: train with pictures, predict a
# digit image, export to ONNX.
bin=build/install/bin/clmnist
tmp=build/install-smoke; rm -rf "$tmp"; mkdir -p "$tmp"
/usr/bin/python3 tests/make_tiny_mnist.py "$tmp/data" --rows 28 --cols 28
"$bin" train --device auto --data-dir "$tmp/data" --validation-size 200 --batch-size 50 \
  --max-epochs 3 --save-model "$tmp/m.safetensors" --plot-dir "$tmp/plots" --quiet
ls "$tmp/plots"/learning_curves.png "$tmp/plots"/confusion.svg >/dev/null
/usr/bin/python3 tests/interop/make_digit_images.py "$tmp/data" "$tmp/img" 1 >/dev/null
"$bin" predict --model "$tmp/m.safetensors" --json "$tmp/img/digit0.png"
"$bin" export --model "$tmp/m.safetensors" --format onnx --output "$tmp/m.onnx"
# The installed command gets its own data (from the MNIST fetched for the tests, so no network)
# and trains one epoch of the default preset on it.
mnist=${CLMNIST_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/clmnist/mnist}
"$bin" fetch --data-dir "$tmp/mnist" --from "$mnist"
"$bin" train --data-dir "$tmp/mnist" --max-epochs 1 --save-model "$tmp/best.safetensors" \
  | tee "$tmp/train.log" | tail -n 3
grep -q "^epoch 1, minibatch 83/83, validation error" "$tmp/train.log"
echo "test-install: the installed package and command work"
