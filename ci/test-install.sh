#!/usr/bin/env bash
# Installs the main build into build/install and builds and runs examples/consumer against the
# installed package (find_package(clmnist), clmnist::runtime, clmnist::model).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/install build/consumer
cmake --install build --prefix "$PWD/build/install" > build/install.log
test -x build/install/bin/clmnist
build/install/bin/clmnist --version
cmake -S examples/consumer -B build/consumer -DCMAKE_PREFIX_PATH="$PWD/build/install" > build/consumer.log
cmake --build build/consumer -j "$(nproc)" >> build/consumer.log
build/consumer/consumer
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
echo "test-install: the installed package and command work"
