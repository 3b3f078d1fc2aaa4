#!/usr/bin/env bash
# Builds the libFuzzer targets (IDX, safetensors, the config file reader, the option parser, the
# image readers) with clang-14 (ASan + UBSan) in build-fuzz and fuzzes each for FUZZ_SECONDS
# (default 60), starting from the checked-in corpus (whose seeds reach deep JSON nesting, a
# network of 1,030 layers and every image format; hence inputs up to 128 KiB). New inputs go to
# the build tree (build-fuzz/corpus-*), never to the checked-in corpus; a crash fails the script
# and leaves its input in build-fuzz/artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
mkdir -p build-fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLMNIST_FUZZ=ON -DCLMNIST_WITH_OPENCL=OFF > build-fuzz/build.log
targets=(idx safetensors config options image)
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/clmnist_fuzz_}" \
  >> build-fuzz/build.log
mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus-$target
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds} s"
  dict=()
  [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
  build-fuzz/tests/fuzz/clmnist_fuzz_$target "$corpus" "tests/fuzz/corpus/$target" "${dict[@]}" \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ \
    -max_len=131072 -close_fd_mask=1 2> "build-fuzz/$target.log" || { tail -n 40 "build-fuzz/$target.log"; exit 1; }
  runs=$(grep -a "stat::number_of_executed_units" "build-fuzz/$target.log" | awk '{print $2}')
  echo "fuzz: $target: $runs inputs run, $(ls "$corpus" | wc -l) in the corpus, no crash"
done
rm -f /tmp/clmnist-fuzz-*
