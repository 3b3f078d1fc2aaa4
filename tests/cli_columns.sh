#!/usr/bin/env bash
# The CLI case of issue 26's "80 columns": every command's default output fits 80 columns where
# the terminal has 80, and where the width is unknown (a pipe: 80). Sourced by cli_test.sh (which
# defines bin, case, scratch, fail and mnist_dir).
here=$(cd "$(dirname "$0")" && pwd)
# Lines of standard input wider than 80 columns (UTF-8 characters, not bytes), each with its
# width and the command that printed it; the tutorial's published result lines are exempt, as
# they must stay word for word (README.md, "Reproducing the tutorials").
wide_lines() {  # WHAT
  /usr/bin/python3 -c '
import sys
for line in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines():
    if len(line) > 80 and not line.startswith("Optimization complete"):
        print("%s: %d columns: %s" % (sys.argv[1], len(line), line))' "$1"
}
case $case in
  output_fits_80_columns)
    # Short relative paths, so that no line is long for the test's own directory's sake.
    bin=$(realpath "$bin")
    cd "$scratch" || fail "cd $scratch"
    rm -rf ./*
    # Ten classes (predict prints ten probabilities) and enough images for bench's 10,000.
    /usr/bin/python3 "$here/make_tiny_mnist.py" tiny --classes 10 --train 11000 >/dev/null
    printf 'P2\n9 8\n255\n' > digit.pgm
    for i in $(seq 1 72); do echo $(( (i * 37) % 256 )); done >> digit.pgm
    small=(--data-dir tiny --validation-size 200 --batch-size 50 --max-epochs 1)
    runs=("devices" "presets" "train ${small[*]} --save-model m.st"
          "train ${small[*]} --preset theano-mlp --save-model \"\""
          "eval --model m.st --data-dir tiny" "predict --model m.st --data-dir tiny"
          "predict --model m.st digit.pgm" "export --model m.st --format npy --output npy"
          "tune --list" "bench --quick --runs 1 --families all --data-dir tiny" "--help")
    if ls "$mnist_dir"/train-images-idx3-ubyte* >/dev/null 2>&1; then  # fetch needs MNIST itself
      ln -s "$mnist_dir" mnist
      runs+=("fetch --data-dir m --from mnist" "fetch --data-dir m")
    fi
    for c in devices train eval predict bench "bench compare" "bench report" export tune fetch presets; do
      runs+=("$c --help")
    done
    wide=""
    for args in "${runs[@]}"; do
      for columns in 80 unset; do
        # shellcheck disable=SC2086
        if [ $columns = unset ]; then
          out=$(eval env -u COLUMNS "\"$bin\"" $args 2>&1); rc=$?
        else
          out=$(eval env COLUMNS=$columns "\"$bin\"" $args 2>&1); rc=$?
        fi
        echo "clmnist $args (COLUMNS $columns) -> $rc"
        [ $rc = 0 ] || fail "clmnist $args: exit $rc: $out"
        wide+=$(wide_lines "clmnist $args (COLUMNS $columns)" <<<"$out")$'\n'
      done
    done
    wide=$(grep . <<<"$wide")
    [ -z "$wide" ] || fail "lines wider than 80 columns:
$wide"
    # The Settings: line says how often it validates, not the rule that decides it.
    out=$("$bin" train "${small[@]}" --save-model "" 2>&1) || fail "train exit $?"
    grep -q "validation every 216 minibatches" <<<"$out" || fail "no validation interval: $out"
    # Wider only where the terminal is: the full device table at 200 columns.
    COLUMNS=200 "$bin" devices | head -n 1 | grep -q "OpenCL C" || fail "no full table at 200"
    "$bin" devices -v | head -n 1 | grep -q "OpenCL C" || fail "no full table with -v"
    ;;
esac
