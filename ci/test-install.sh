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
