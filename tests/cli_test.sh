#!/usr/bin/env bash
# End-to-end checks of the clmnist command: exit codes and what it prints.
# Usage: cli_test.sh CLMNIST_BINARY CASE SCRATCH_DIR
set -u
bin=$1 case=$2 scratch=$3
mkdir -p "$scratch"
fail() { echo "FAIL ($case): $*"; exit 1; }
# Standard input with every line wrapped to the width (continued on lines that start with spaces,
# the notes of `clmnist devices`) joined into one, for grep.
unwrap() { sed -e ':a' -e 'N' -e '$!ba' -e 's/\n  */ /g'; }
# Where clmnist looks for MNIST by default. Cases that need it are skipped without it (exit 77),
# unless CI requires it.
mnist_dir=${CLMNIST_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/clmnist/mnist}
need_mnist() {
  if ! ls "$mnist_dir"/train-images-idx3-ubyte* >/dev/null 2>&1; then
    [ "${CLMNIST_REQUIRE_DEVICE:-}" = 1 ] && fail "MNIST not found"
    echo "no MNIST data"; exit 77
  fi
}

# Runs "$bin" ARGS... with --save-model $scratch/mt.safetensors --checkpoint $scratch/ckt into
# $scratch/out and sends SIGTERM DELAY seconds after the kernels are built; retried (3 tries) when
# the run was not interrupted in epoch 1. Sets rc (the exit status) and stopped (the minibatch of
# MINIBATCHES it stopped after).
interrupt_run() {  # DELAY MINIBATCHES ARGS...
  local delay=$1 total=$2 try i pid
  shift 2
  for try in 1 2 3; do
    rm -f "$scratch/ckt" "$scratch/mt.safetensors"
    "$bin" "$@" --save-model "$scratch/mt.safetensors" --checkpoint "$scratch/ckt" \
      >"$scratch/out" 2>&1 &
    pid=$!
    for i in $(seq 1 1000); do grep -q "^Building kernels" "$scratch/out" && break; sleep 0.01; done
    sleep "$delay"
    kill -TERM $pid; wait $pid; rc=$?
    stopped=$(sed -n "s|^Interrupted after epoch 1, minibatch \([0-9]*\)/$total\.\$|\1|p" "$scratch/out")
    [ $rc -eq 143 ] && [ -n "$stopped" ] && return
    echo "try $try: exit $rc, not interrupted in epoch 1: $(tail -n 2 "$scratch/out")"
  done
}

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
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    out=$(OCL_ICD_VENDORS=$empty "$bin" train --device auto --data-dir "$scratch/tiny" \
          --validation-size 200 --batch-size 50 --max-epochs 2 --save-model "" 2>&1) \
      || fail "train exit $?: $out"
    echo "$out"
    grep -q "auto chose the host backend" <<<"$(unwrap <<<"$out")" \
      || fail "auto did not say it chose the host"
    grep -q "Optimization complete" <<<"$out" || fail "did not train"
    ;;
  gpu_without_gpu_lists_devices)
    if "$bin" devices | grep -q " GPU "; then echo "this machine has a GPU"; exit 77; fi
    out=$("$bin" train --device gpu 2>&1); rc=$?
    echo "$out"
    [ $rc -ne 0 ] || fail "exit 0"
    grep -q "no device matches --device 'gpu'" <<<"$out" || fail "no clear message"
    grep -q "host backend" <<<"$out" || fail "devices not listed"
    ;;
  usage_errors_exit_2)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    tiny="--data-dir $scratch/tiny --validation-size 200"
    for args in "train --learning-rate -1" "train --learning-rate nan" "train --learning-rate inf" \
                "train --batch-size 0" "train --batch-size 5000 $tiny" "train --batch-size x" \
                "train --preset keras" "train --gemm magic" "train --no-such-option" \
                "train --data-dir $scratch/absent" "train --save-model $scratch/absent/m.st" \
                "train --save-model $scratch" "train --save-model $scratch/a --summary-json $scratch/a" \
                "train --max-epochs 0" "train --validation-size 0" "train --pixel-divisor -2" \
                "eval --model $scratch/absent.safetensors" "eval --batch-size 0" \
                "predict --count 0" "bench --runs 0" "bench --json $scratch/absent/b.json" \
                "devices extra" "frobnicate"; do
      # shellcheck disable=SC2086
      out=$("$bin" $args 2>&1); rc=$?
      echo "$args -> $rc: $out"
      [ $rc -eq 2 ] || fail "'$args' exited $rc, expected 2"
      grep -q -- "--\|unknown command\|option" <<<"$out" || fail "'$args': message names no option"
    done
    ;;
  missing_data_says_how_to_fetch)
    mkdir -p "$scratch/empty"
    out=$("$bin" train --device host --data-dir "$scratch/empty" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "exit $rc"
    grep -q "clmnist fetch" <<<"$out" || fail "no fetch hint"
    out=$(CLMNIST_DATA_DIR="$scratch/absent" "$bin" train --device host 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "default location: exit $rc"
    grep -q "clmnist fetch" <<<"$out" || fail "default location: no fetch hint"
    ;;
  help_for_every_command)
    for c in devices train eval predict bench "bench compare" "bench report" export tune fetch; do
      "$bin" $c --help | grep -q "Usage: clmnist $c" || fail "$c --help"
      "$bin" $c --help | grep -q "Example" || fail "$c --help has no example"
    done
    out=$("$bin" --version) || fail "--version exit $?"
    for lib in "OpenCL ICD loader" CLBlast Boost zlib; do
      grep -q "$lib: " <<<"$out" || fail "--version lacks $lib"
    done
    ;;
  bench_follows_schema)
    need_mnist
    # the table's rows (not a wrapped cell's continuation), not the notes on platforms after it
    n=$("$bin" devices | sed '/^$/q' | tail -n +2 | grep -c '^[^ ]')
    "$bin" bench --quick --runs 1 --families all --json "$scratch/b.json" --csv "$scratch/b.csv" \
      || fail "bench exit $?"
    /usr/bin/python3 "$(dirname "$0")/check_bench_output.py" "$scratch/b.json" "$scratch/b.csv" "$n" 1 \
      || fail "schema"
    # The record names the build that made it: the commit --version shows (null without one).
    want=$("$bin" --version | head -n 1 | sed -nE 's/.*\(commit ([0-9a-f]+).*/\1/p')
    got=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["context"]["commit"] or "")' \
          "$scratch/b.json")
    [ "$got" = "$want" ] || fail "record's commit '$got', --version's '$want'"
    ;;
  ab_tool_compares_two_settings)
    need_mnist
    ab=${CLMNIST_AB:?CLMNIST_AB names the clmnist-ab binary}
    out=$("$ab" --device pocl --rounds 1 default CLMNIST_SKIP_ZERO=0 2>&1) || fail "exit $?: $out"
    echo "$out"
    grep -Eq "^A default +median +[0-9.]+ us/iter" <<<"$out" || fail "no A line"
    grep -Eq "^B CLMNIST_SKIP_ZERO=0 +median +[0-9.]+ us/iter" <<<"$out" || fail "no B line"
    grep -Eq "median ratio [0-9]+\.[0-9]+" <<<"$out" || fail "no ratio"
    for bad in "default" "default FOO=1" "--rounds 0 default default" "--speed 2 default default"; do
      # shellcheck disable=SC2086
      out=$("$ab" $bad 2>&1); rc=$?
      echo "$bad -> $rc: $out"
      [ $rc = 2 ] || fail "'$bad' exit $rc, not 2"
    done
    out=$("$ab" --device pocl default CLMNIST_ROWS=9 2>&1); rc=$?
    [ $rc = 1 ] || fail "CLMNIST_ROWS=9 exit $rc, not 1"
    grep -q "CLMNIST_ROWS must be one of" <<<"$out" || fail "bad value not named: $out"
    # A fused tunable is a setting too; its value is checked by the family.
    out=$("$ab" --device pocl --rounds 1 default split=3 2>&1) || fail "split=3 exit $?: $out"
    grep -Eq "^B split=3 +median +[0-9.]+ us/iter" <<<"$out" || fail "no split=3 line: $out"
    out=$("$ab" --device pocl default split=99 2>&1); rc=$?
    [ $rc = 1 ] || fail "split=99 exit $rc, not 1"
    grep -q "split" <<<"$out" || fail "bad split not named: $out"
    # The settings are options of each backend, not the environment's: one in the environment
    # changes neither A nor B.
    out=$(CLMNIST_ROWS=9 "$ab" --device pocl --rounds 1 CLMNIST_ROWS=1 default 2>&1); rc=$?
    [ $rc = 0 ] || fail "the environment leaked into clmnist-ab (exit $rc): $out"
    ;;
  faults_leave_model_intact)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    args=(train --device cpu --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50
          --max-epochs 3 --save-model "$scratch/m.safetensors" --no-kernel-cache)
    "$bin" "${args[@]}" >/dev/null || fail "clean run exit $?"
    cp "$scratch/m.safetensors" "$scratch/before"
    for fault in clGetPlatformIDs clCreateContext clBuildProgram clCreateBuffer:3 \
                 clEnqueueNDRangeKernel:1; do
      out=$(CLMNIST_FAULT=$fault "$bin" "${args[@]}" 2>&1); rc=$?
      echo "--- $fault -> $rc"; echo "$out" | tail -n 4
      [ $rc -eq 1 ] || fail "$fault: exit $rc, expected 1"
      cmp -s "$scratch/before" "$scratch/m.safetensors" || fail "$fault: the saved model changed"
      case $fault in
        clBuildProgram)
          grep -q "Build log:" <<<"$out" || fail "no build log"
          grep -q "injected build failure" <<<"$out" || fail "build log lacks the compiler's error"
          grep -q "with options '-cl-std=CL1.2" <<<"$out" || fail "options not named" ;;
        *) grep -q "injected fault (CLMNIST_FAULT=$fault)" <<<"$out" || fail "$fault: unclear error" ;;
      esac
    done
    # A fault mid-run, after the model has been saved: the file is a complete, loadable model,
    # and the history holds the validations made before it.
    rm -f "$scratch/h.csv"
    out=$(CLMNIST_FAULT=clEnqueueNDRangeKernel:100 "$bin" "${args[@]}" --history "$scratch/h.csv" 2>&1)
    rc=$?
    [ $rc -eq 1 ] || fail "mid-run fault: exit $rc"
    rows=$(($(wc -l < "$scratch/h.csv") - 1))
    [ "$rows" -ge 1 ] && [ "$rows" = "$(grep -c ', validation error' <<<"$out")" ] \
      || fail "mid-run fault: the history has $rows rows, not one per validation logged"
    "$bin" eval --device host --model "$scratch/m.safetensors" --data-dir "$scratch/tiny" \
      >/dev/null || fail "model unloadable after a mid-run fault"
    # eval and predict meet the same faults with the same clear error.
    for cmd in eval predict; do
      for fault in clCreateBuffer:2 clEnqueueNDRangeKernel:1; do
        out=$(CLMNIST_FAULT=$fault "$bin" $cmd --device cpu --model "$scratch/m.safetensors" \
              --data-dir "$scratch/tiny" 2>&1); rc=$?
        echo "--- $cmd $fault -> $rc: $(tail -n 1 <<<"$out")"
        [ $rc -eq 1 ] || fail "$cmd $fault: exit $rc, expected 1"
        grep -q "injected fault (CLMNIST_FAULT=$fault)" <<<"$out" || fail "$cmd $fault: unclear"
      done
    done
    # More device memory than the device (here: the host, under ulimit -v) can give: refused
    # with the figures before any buffer is used, not PoCL's assertion.
    # (Not in a sanitizer build, which cannot start under a limit of address space.)
    if (ulimit -v 6000000; "$bin" --version >/dev/null 2>&1); then
      out=$( (ulimit -v 6000000; "$bin" train --device cpu --data-dir "$scratch/tiny" \
              --validation-size 200 --batch-size 1000 --hidden 800000 --save-model "" 2>&1) )
      rc=$?
      echo "--- 6 GB of address space -> $rc: $(tail -n 1 <<<"$out")"
      [ $rc -eq 1 ] || fail "memory beyond the limit: exit $rc, expected 1"
      grep -q "the run needs more memory than .* in buffers so far .* against" <<<"$out" \
        || fail "memory beyond the limit: no figures"
    else
      echo "SKIP part: this build cannot run under ulimit -v (a sanitizer build)"
    fi
    ;;
  divergence_stops_and_keeps_model)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    base=(train --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50 --max-epochs 3
          --save-model "$scratch/m.safetensors")
    for dev in host cpu; do
      "$bin" "${base[@]}" --device $dev >/dev/null || fail "clean run exit $?"
      cp "$scratch/m.safetensors" "$scratch/before"
      out=$("$bin" "${base[@]}" --device $dev --learning-rate 1e38 2>&1); rc=$?
      echo "$out" | tail -n 2
      [ $rc -eq 1 ] || fail "$dev: exit $rc, expected 1"
      grep -q "diverged" <<<"$out" || fail "$dev: no divergence message"
      grep -q "smaller --learning-rate" <<<"$out" || fail "$dev: no advice"
      cmp -s "$scratch/before" "$scratch/m.safetensors" || fail "$dev: the saved model changed"
    done
    # --history is still written: the validations before the divergence (none here, as a step
    # of 1e38 diverges at once), under its header.
    rm -f "$scratch/h.csv"
    "$bin" "${base[@]}" --device host --learning-rate 1e38 --history "$scratch/h.csv" >/dev/null 2>&1
    [ -f "$scratch/h.csv" ] || fail "no history after the divergence"
    [ "$(wc -l < "$scratch/h.csv")" = 1 ] && head -n 1 "$scratch/h.csv" | grep -q "^epoch," \
      || fail "history after the divergence: $(cat "$scratch/h.csv")"
    ;;
  quiet_verbose_and_pipes)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    args=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50
          --max-epochs 3 --save-model "")
    out=$("$bin" "${args[@]}") || fail "exit $?"
    grep -q $'\r' <<<"$out" && fail "progress line written to a pipe"
    grep -q "^epoch 3, minibatch 20/20, validation error" <<<"$out" || fail "no log lines on a pipe"
    out=$("$bin" "${args[@]}" --quiet) || fail "quiet exit $?"
    echo "$out"
    # Three results: "Optimization complete", "The code run" and "Over every sample" on three lines.
    [ "$(grep -c '^[^ ]' <<<"$out")" -eq 3 ] && [ "$(wc -l <<<"$out")" -eq 5 ] \
      || fail "--quiet printed more than the 3 result lines"
    grep -q "^Optimization complete" <<<"$out" || fail "--quiet lost the result"
    out=$("$bin" "${args[@]}" --verbose) || fail "verbose exit $?"
    [ "$(grep -c "training loss .* validation loss" <<<"$out")" -eq 3 ] || fail "--verbose: no losses"
    grep -q "^Device address: host$" <<<"$out" || fail "--verbose: no stable device address"
    # On a terminal (a pseudo-terminal from util-linux script), the live progress line appears.
    tty_args=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 10
              --max-epochs 40 --save-model "")
    script -qec "$(printf '%q ' "$bin" "${tty_args[@]}")" /dev/null >"$scratch/tty.out" 2>&1 \
      || fail "train on a terminal exit $?"
    # (A run this short shows no estimate: cli: progress_on_stderr_only_on_terminal tries that.)
    grep -aq "epoch [0-9]*,* \(minibatch \)*[0-9]*/[0-9]* \[[#.]*\]" "$scratch/tty.out" \
      || fail "no progress line on a terminal"
    grep -aq $'\r' "$scratch/tty.out" || fail "the progress line is not redrawn in place"
    ;;
  numpy_interop)
    need_mnist
    data=$mnist_dir
    "$bin" train --device host --data-dir "$data" --max-epochs 3 --quiet \
      --save-model "$scratch/m.safetensors" >/dev/null || fail "train exit $?"
    /usr/bin/python3 "$(dirname "$0")/interop/check_numpy_interop.py" "$bin" \
      "$scratch/m.safetensors" "$data" || fail "numpy predictions differ"
    /usr/bin/python3 "$(dirname "$0")/interop/check_torch_interop.py" "$bin" \
      "$scratch/m.safetensors" "$data" || fail "PyTorch predictions differ"
    "$bin" export --model "$scratch/m.safetensors" --format npy --output "$scratch/npy" \
      || fail "export npy exit $?"
    "$bin" export --model "$scratch/m.safetensors" --format onnx --output "$scratch/m.onnx" \
      || fail "export onnx exit $?"
    /usr/bin/python3 "$(dirname "$0")/interop/check_exports.py" "$scratch/m.safetensors" \
      "$scratch/npy" "$scratch/m.onnx" "$data" "$bin" || fail "exports"
    "$bin" export --model "$scratch/m.safetensors" --format tflite --output x >/dev/null 2>&1
    [ $? -eq 2 ] || fail "an unknown export format is not a usage error"
    ;;
  config_and_environment)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    # A bad value is blamed on where it came from: the command line beats the variable.
    out=$(CLMNIST_LEARNING_RATE=0.05 "$bin" train --device host --learning-rate abc 2>&1)
    grep -q "^clmnist train: --learning-rate 'abc'" <<<"$out" || fail "bad option value: $out"
    out=$(CLMNIST_LEARNING_RATE=abc "$bin" train --device host 2>&1)
    grep -q "^clmnist train: CLMNIST_LEARNING_RATE: --learning-rate 'abc'" <<<"$out" \
      || fail "bad variable not named: $out"
    printf 'learning-rate = 0.05\nbatch-size = 50\nvalidation-size = 200\n' > "$scratch/c.cfg"
    run() { env "$@" "$bin" train --config "$scratch/c.cfg" --device host --data-dir "$scratch/tiny" \
              --max-epochs 1 --save-model "" 2>&1 | grep -o "learning rate [0-9.]*, batch size [0-9]*"; }
    [ "$(run)" = "learning rate 0.05, batch size 50" ] || fail "config file not applied: $(run)"
    [ "$(run CLMNIST_LEARNING_RATE=0.07)" = "learning rate 0.07, batch size 50" ] \
      || fail "environment does not beat the config file"
    got=$(env CLMNIST_LEARNING_RATE=0.07 "$bin" train --config "$scratch/c.cfg" --device host \
          --data-dir "$scratch/tiny" --max-epochs 1 --save-model "" --learning-rate 0.09 2>&1 \
          | grep -o "learning rate [0-9.]*")
    [ "$got" = "learning rate 0.09" ] || fail "the flag does not beat the environment: $got"
    # --config beats CLMNIST_CONFIG (its learning rate is used); the environment beats the file.
    [ "$(run CLMNIST_CONFIG=/dev/null CLMNIST_BATCH_SIZE=25)" = "learning rate 0.05, batch size 25" ] \
      || fail "CLMNIST_CONFIG / CLMNIST_BATCH_SIZE: $(run CLMNIST_CONFIG=/dev/null CLMNIST_BATCH_SIZE=25)"
    printf 'learning-rat = 0.05\n' > "$scratch/typo.cfg"
    "$bin" train --config "$scratch/typo.cfg" >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "a typo in the config file: exit $rc, expected 2"
    ;;
  predict_own_digits)
    need_mnist
    data=$mnist_dir
    "$bin" train --device host --data-dir "$data" --max-epochs 5 --quiet \
      --save-model "$scratch/m.safetensors" >/dev/null || fail "train exit $?"
    /usr/bin/python3 "$(dirname "$0")/interop/make_digit_images.py" "$data" "$scratch/img" 20 >/dev/null
    # The model's own predictions for the original test digits 0..19.
    direct=$("$bin" predict --model "$scratch/m.safetensors" --data-dir "$data" --count 20 \
             --device host 2>/dev/null | sed -n 2p | tr -d '[]')
    for ext in pgm png; do
      files=(); for i in $(seq 0 19); do files+=("$scratch/img/digit$i.$ext"); done
      got=$("$bin" predict --model "$scratch/m.safetensors" --json --device host "${files[@]}" \
            | /usr/bin/python3 -c 'import sys, json; print(" ".join(str(json.loads(l)["label"]) for l in sys.stdin))')
      same=0; read -ra a <<<"$direct"; read -ra b <<<"$got"
      for i in $(seq 0 19); do [ "${a[$i]}" = "${b[$i]}" ] && same=$((same + 1)); done
      echo "$ext: $same of 20 as the originals ($got vs $direct)"
      [ $same -ge 18 ] || fail "$ext: prepared digits predicted unlike the originals"
    done
    "$bin" predict --model "$scratch/m.safetensors" --device host "$scratch/img/blank.png" \
      >"$scratch/out" 2>&1; rc=$?
    [ $rc -eq 1 ] || fail "blank image: exit $rc"
    grep -q "blank.png: no digit" "$scratch/out" || fail "blank image: unclear error"
    ;;
  pictures)
    need_mnist
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    "$bin" train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50 \
      --max-epochs 8 --save-model "" --quiet --plot-dir "$scratch/train" >/dev/null || fail "train exit $?"
    "$bin" bench --device host --quick --runs 1 --plot-dir "$scratch/bench" >/dev/null 2>&1 \
      || fail "bench exit $?"
    specs=()
    for ext in png svg; do
      specs+=("$scratch/train/learning_curves.$ext:900:720" "$scratch/train/weights.$ext:900:200"
              "$scratch/train/confusion.$ext:640:660" "$scratch/bench/devices.$ext:1000:100")
    done
    /usr/bin/python3 "$(dirname "$0")/check_pictures.py" "${specs[@]}" || fail "pictures"
    # MNIST's weight pictures as rasters in the SVG, not one rect a weight (softmax regression's
    # was 500 KB, an MLP's 100 filters 4 MB), checked as the others.
    for net in "softmax:0:400:40000" "mlp:100:900:150000"; do
      IFS=: read -r name hidden height most <<<"$net"
      "$bin" train --device host --data-dir "$mnist_dir" --hidden "$hidden" --max-steps 3 \
        --save-model "" --quiet --plot-dir "$scratch/$name" >/dev/null || fail "$name train exit $?"
      /usr/bin/python3 "$(dirname "$0")/check_pictures.py" "$scratch/$name/weights.svg:900:$height" \
        "$scratch/$name/weights.png:900:$height" || fail "$name weights"
      size=$(stat -c %s "$scratch/$name/weights.svg")
      echo "$name weights.svg: $size bytes"
      [ "$size" -lt "$most" ] || fail "$name: weights.svg is $size bytes, over $most"
    done
    # A blank picture must fail the check.
    /usr/bin/python3 "$(dirname "$0")/interop/make_digit_images.py" "$mnist_dir" "$scratch/img" 1 >/dev/null
    /usr/bin/python3 "$(dirname "$0")/check_pictures.py" "$scratch/img/blank.png:10:10" >/dev/null \
      && fail "a blank picture passed the check"
    true
    ;;
  special_file_outputs | inputs_must_be_regular_files | outputs_never_destroy_inputs | \
  output_groups_all_or_nothing | outputs_keep_owner_and_groups)
    # shellcheck source=tests/cli_files.sh
    source "$(dirname "$0")/cli_files.sh"
    ;;
  lenet_workflow)
    # shellcheck source=tests/cli_lenet.sh
    source "$(dirname "$0")/cli_lenet.sh"
    ;;
  mlp_workflow | v1_model_still_loads)
    # Cases of the MLP and the model files: cli_models.sh, with this file's helpers.
    # shellcheck source=tests/cli_models.sh
    source "$(dirname "$0")/cli_models.sh"
    ;;
  fetch_* | man_page_built | bash_completion_completes | zsh_completion_completes | \
  version_names_the_commit)
    # shellcheck source=tests/cli_packaging.sh
    source "$(dirname "$0")/cli_packaging.sh"
      ;;
  unknown_options_suggest_names | help_command_and_layout | shuffle_is_a_switch | \
  predict_reads_jpeg_and_bmp | history_file_per_validation | \
  progress_on_stderr_only_on_terminal | one_validation_picture_has_its_point | \
  numbers_read_as_typed | outputs_to_stdout_stream)
    # Help, names, switches, image formats and training output: cli_usability.sh.
    # shellcheck source=tests/cli_usability.sh
    source "$(dirname "$0")/cli_usability.sh"
    ;;
  signals_*)
    # SIGINT, SIGTERM and SIGHUP: cli_signals.sh.
    # shellcheck source=tests/cli_signals.sh
    source "$(dirname "$0")/cli_signals.sh"
    ;;
  predict_raw_is_the_test_digit | predict_save_prepared_is_what_was_seen | \
  eval_names_model_and_batch)
    # shellcheck source=tests/cli_predict.sh
    source "$(dirname "$0")/cli_predict.sh"
    ;;
  resume_keeps_env_and_config | resume_keeps_save_model | option_values_one_rule)
    # shellcheck source=tests/cli_resume.sh
    source "$(dirname "$0")/cli_resume.sh"
    ;;
  crafted_*)
    # Files from strangers: cli_crafted.sh.
    # shellcheck source=tests/cli_crafted.sh
    source "$(dirname "$0")/cli_crafted.sh"
    ;;
  terminal_*)
    # Untrusted text on the terminal: cli_terminal.sh.
    # shellcheck source=tests/cli_terminal.sh
    source "$(dirname "$0")/cli_terminal.sh"
    ;;
  caches_*)
    # Caches after a crash: cli_caches.sh.
    # shellcheck source=tests/cli_caches.sh
    source "$(dirname "$0")/cli_caches.sh"
    ;;
  output_fits_80_columns)
    # shellcheck source=tests/cli_columns.sh
    source "$(dirname "$0")/cli_columns.sh"
    ;;
  tune_cache_used_and_invalidated)
    # shellcheck source=tests/cli_tune.sh
    source "$(dirname "$0")/cli_tune.sh"
    ;;
  bench_compare_marks_differences | results_page_renders)
    # shellcheck source=tests/cli_report.sh
    source "$(dirname "$0")/cli_report.sh"
    ;;
  devices_json_follows_schema | failed_platform_is_named | stable_address_selects_device | \
  bench_compare_records | bench_tune_overrides_one_device | bench_reports_each_family)
    # shellcheck source=tests/cli_bench_devices.sh
    source "$(dirname "$0")/cli_bench_devices.sh"
    ;;
  *)
    # The cases of issue 11's classes of bad input (cli_safety.sh says if there is no such case).
    # shellcheck source=tests/cli_safety.sh
    source "$(dirname "$0")/cli_safety.sh"
    ;;
esac
echo "PASS ($case)"
