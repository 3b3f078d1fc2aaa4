#!/usr/bin/env bash
# End-to-end checks of the clmnist command: exit codes and what it prints.
# Usage: cli_test.sh CLMNIST_BINARY CASE SCRATCH_DIR
set -u
bin=$1 case=$2 scratch=$3
mkdir -p "$scratch"
fail() { echo "FAIL ($case): $*"; exit 1; }

case $case in
  devices_lists_opencl_and_host)
    out=$("$bin" devices) || fail "exit $?"
    echo "$out"
    grep -q "0:0" <<<"$out" || fail "no OpenCL device 0:0 listed"
    grep -q "host backend" <<<"$out" || fail "host backend not listed"
    ;;
  no_platform_auto_uses_host)
    empty=$scratch/empty-vendors; mkdir -p "$empty"
    out=$(OCL_ICD_VENDORS=$empty "$bin" devices) || fail "devices exit $?"
    echo "$out"
    grep -q "0:0" <<<"$out" && fail "an OpenCL device is listed with no vendors"
    # train with a tiny synthetic dataset would need data; auto selection is visible at start-up
    out=$(OCL_ICD_VENDORS=$empty "$bin" train --device auto --data-dir "$scratch/none" 2>&1)
    echo "$out"
    grep -q "auto chose the host backend" <<<"$out" || fail "auto did not say it chose the host"
    ;;
  gpu_without_gpu_lists_devices)
    if "$bin" devices | grep -q " GPU "; then echo "this machine has a GPU"; exit 77; fi
    out=$("$bin" train --device gpu --data-dir "$scratch/none" 2>&1); rc=$?
    echo "$out"
    [ $rc -ne 0 ] || fail "exit 0"
    grep -q "no device matches --device 'gpu'" <<<"$out" || fail "no clear message"
    grep -q "host backend" <<<"$out" || fail "devices not listed"
    ;;
  usage_errors_exit_2)
    for args in "train --learning-rate -1" "train --learning-rate nan" "train --batch-size 0" \
                "train --preset keras" "train --gemm magic" "train --no-such-option" \
                "eval --batch-size 0" "frobnicate"; do
      # shellcheck disable=SC2086
      out=$("$bin" $args 2>&1); rc=$?
      echo "$args -> $rc: $out"
      [ $rc -eq 2 ] || fail "'$args' exited $rc, expected 2"
    done
    ;;
  missing_data_says_how_to_fetch)
    out=$("$bin" train --device host --data-dir "$scratch/none" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "exit $rc"
    grep -q "fetch-mnist.sh" <<<"$out" || fail "no fetch hint"
    ;;
  help_for_every_command)
    for c in devices train eval predict bench; do
      "$bin" $c --help | grep -q "Usage: clmnist $c" || fail "$c --help"
    done
    ;;
  bench_follows_schema)
    # Needs MNIST: skipped without it, unless CI requires it.
    if ! "$bin" train --help >/dev/null || ! ls "${CLMNIST_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/clmnist/mnist}"/train-images-idx3-ubyte* >/dev/null 2>&1; then
      [ "${CLMNIST_REQUIRE_DEVICE:-}" = 1 ] && fail "MNIST not found"
      echo "no MNIST data"; exit 77
    fi
    n=$("$bin" devices | tail -n +2 | wc -l)
    "$bin" bench --quick --runs 1 --json "$scratch/b.json" --csv "$scratch/b.csv" || fail "bench exit $?"
    /usr/bin/python3 "$(dirname "$0")/check_bench_output.py" "$scratch/b.json" "$scratch/b.csv" "$n" \
      || fail "schema"
    ;;
  *) fail "unknown case" ;;
esac
echo "PASS ($case)"
