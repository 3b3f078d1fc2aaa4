#!/usr/bin/env bash
# Helpers of the CLI cases of bad input (cli_safety.sh, cli_files.sh, cli_crafted.sh): the tiny
# data set, a short training run on it, a model with a digit image. Sourced after cli_test.sh
# defines bin, scratch and fail.
tiny() { /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny" >/dev/null; }
# A short training run on the tiny data; extra arguments follow.
short_train() {
  "$bin" train --device cpu --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50 \
    --max-epochs 1 "$@"
}
# A fresh directory DIR with a model trained on the tiny data (DIR/m.st) and a PGM image of
# the model's size with some ink (DIR/good.pgm).
model_and_digit() {
  tiny
  rm -rf "$1"; mkdir -p "$1"
  short_train --save-model "$1/m.st" >/dev/null || fail "training a model"
  printf 'P2\n9 8\n255\n' > "$1/good.pgm"
  for i in $(seq 1 72); do echo $(( (i * 37) % 256 )); done >> "$1/good.pgm"
}
