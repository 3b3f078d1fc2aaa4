#!/usr/bin/env bash
# CLI cases of resuming a run and of option values (issue 25, classes 6 and 7), sourced by
# cli_test.sh (which defines bin, case, scratch and fail).

# interrupted_run LOG ARGS...: runs `clmnist train ARGS` on the tiny data (4,000 epochs of 1,000
# steps: ARGS must hold early stopping off; no model saved unless ARGS has --save-model), stops it
# with SIGINT after a second and a half and leaves its output in LOG.
interrupted_run() {
  local log=$1 save=(--save-model "")
  shift
  [[ " $* " == *" --save-model "* ]] && save=()
  "$bin" train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 1 \
    --max-epochs 4000 "${save[@]}" "$@" > "$log" 2>&1 &
  local pid=$!
  sleep 1.5
  kill -INT $pid
  wait $pid
  echo "interrupted run exit $?: $(grep -A1 "^Stopped by" "$log" | tr '\n' ' ')"
}

# A resumed run below trains to its end (thousands of short epochs, a checkpoint each): a few
# seconds here, about a minute under ASan, so its hang guard is 300 s.

# The resume command the interrupted run printed in LOG, with this build's binary.
printed_resume() {
  grep -A1 "continue with:" "$1" | tail -n 1 | sed -E "s|^ *clmnist |$bin |"
}

case $case in
  option_values_one_rule)
    # Issue 25, class 7: values a float cannot hold, a threshold above 1, hex and nan, an empty
    # --resume, '--', --version with words after it: each a usage error (exit 2) naming the
    # option and the rule, before any work; a variable set but empty is not set.
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
    cd "$scratch" || fail "cd"
    t=(train --device host --data-dir tiny --validation-size 200 --batch-size 50 --max-epochs 1
       --save-model "")
    while IFS='|' read -r args want; do
      # shellcheck disable=SC2086
      out=$("$bin" "${t[@]}" $args 2>&1); rc=$?
      echo "$args -> $rc: $(head -n 1 <<<"$out")"
      [ $rc = 2 ] || fail "'$args': exit $rc, not 2"
      grep -q -- "$want" <<<"$out" || fail "'$args': not '$want'"
    done <<'CASES'
--l2 1e39|--l2 1e+39 must be 0 or a positive float
--l1 4e38|--l1 4e+38 must be 0 or a positive float
--improvement-threshold 1000|--improvement-threshold 1000 must be at most 1
--learning-rate 0x1p-3|--learning-rate '0x1p-3' is not a decimal number
--learning-rate nan|--learning-rate 'nan' is not a decimal number
-- --max-epochs 1|'--max-epochs' is not an option (they start with --) and the command takes no other words; after '--' every word
CASES
    out=$("$bin" "${t[@]}" --resume "" 2>&1); rc=$?
    [ $rc = 2 ] || fail "--resume '': exit $rc, not 2"
    grep -q "names no checkpoint" <<<"$out" || fail "--resume '': $out"
    out=$("$bin" --version extra junk 2>&1); rc=$?
    [ $rc = 2 ] || fail "--version extra junk: exit $rc"
    grep -q "takes no arguments, not 'extra'" <<<"$out" || fail "--version junk: $out"
    # CLMNIST_SAVE_MODEL= (set, empty) is not set: the default model file is written.
    rm -f best_model.safetensors
    CLMNIST_SAVE_MODEL= "$bin" train --device host --data-dir tiny --validation-size 200 \
      --batch-size 50 --max-epochs 1 > /dev/null 2>&1 || fail "empty CLMNIST_SAVE_MODEL: exit $?"
    [ -f best_model.safetensors ] || fail "an empty CLMNIST_SAVE_MODEL saved nothing"
    # Paths: a config file with a UTF-8 byte order mark is read; a kernel cache "directory" that
    # is a file and a model in a "directory" that is a file are refused, saying so.
    printf '\xef\xbb\xbflearning-rate = 0.07\n' > bom.cfg
    "$bin" "${t[@]}" --config bom.cfg 2>&1 | grep -q "learning rate 0.07" \
      || fail "a config file with a byte order mark"
    touch afile
    out=$("$bin" "${t[@]}" --kernel-cache-dir afile 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "'afile' is not a directory" <<<"$out" || fail "cache dir a file: $rc $out"
    out=$("$bin" train --device host --data-dir tiny --max-epochs 1 --save-model afile/x 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "'afile' is a file, not a directory" <<<"$out" \
      || fail "afile/x: $rc $out"
    # HOME unset: the home directory of the password database, not a relative "data/mnist";
    # an XDG variable that is relative or a file is named in a warning, not followed silently.
    home=$(getent passwd "$(id -u)" | cut -d: -f6)
    out=$(env -u HOME -u XDG_DATA_HOME -u CLMNIST_DATA_DIR "$bin" train --device host \
          --max-epochs 1 --max-steps 1 --save-model "" 2>&1)
    grep -q "'$home/.local/share/clmnist/mnist'\|from $home/.local/share/clmnist/mnist" <<<"$out" \
      || fail "HOME unset: $out"
    out=$(env -u CLMNIST_CACHE_DIR -u CLMNIST_TUNING_FILE XDG_CACHE_HOME="$PWD/afile" \
          "$bin" "${t[@]/host/cpu}" 2>&1) \
      || fail "XDG_CACHE_HOME a file: exit $?"
    grep -q "warning: XDG_CACHE_HOME='$PWD/afile' is not a directory; clmnist uses" <<<"$out" \
      || fail "XDG_CACHE_HOME a file: no warning"
    # A loop of symbolic links is named as one, as a directory and as an output.
    ln -sf loop1 loop2; ln -sf loop2 loop1
    out=$("$bin" "${t[@]}" --plot-dir loop1 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "loop of symbolic links" <<<"$out" || fail "--plot-dir loop: $rc $out"
    out=$("$bin" train --device host --data-dir loop1 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "'loop1' is not a directory (a loop of symbolic links)" <<<"$out" \
      || fail "--data-dir loop: $rc $out"
    out=$("$bin" "${t[@]}" --summary-json loop1 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "it is a loop of symbolic links" <<<"$out" && [ -L loop1 ] \
      || fail "--summary-json loop: $rc $out"
    out=$("$bin" "${t[@]/host/cpu}" --tuning-file loop1 2>&1) || fail "--tuning-file loop: exit $?"
    grep -q "warning: tuning file loop1: cannot see it: Too many levels" <<<"$out" \
      || fail "--tuning-file loop: not said: $out"
    # A directory to create where none can be (root's access() says yes to /proc).
    out=$("$bin" "${t[@]}" --plot-dir /proc/clmnist-x 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "cannot be created" <<<"$out" || fail "--plot-dir /proc/x: $rc $out"
    # eval reads the test set only: a directory without the training files serves.
    mkdir -p testonly && cp tiny/t10k-* testonly/
    "$bin" eval --device host --model best_model.safetensors --data-dir testonly > /dev/null \
      || fail "eval wants more than the test set"
    # '--' ends the options: an image named like an option is predicted.
    cp tiny/../best_model.safetensors m.st
    printf 'P2\n9 8\n255\n' > ./-x.pgm
    for i in $(seq 1 72); do echo $(( (i * 37) % 256 )); done >> ./-x.pgm
    "$bin" predict --device host --model m.st -- -x.pgm | grep -q "^-x.pgm: [0-9]" \
      || fail "predict -- -x.pgm"
    ;;
  resume_keeps_env_and_config)
    # The resume command printed after Ctrl-C works with the variable or the config file that
    # configured the run still in place; a value that differs from the checkpoint's is refused
    # naming its source.
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
    d=$scratch/resume; rm -rf "$d"; mkdir -p "$d"
    export CLMNIST_LEARNING_RATE=0.05
    interrupted_run "$d/env.log" --checkpoint "$d/env.ckpt" --patience 10000000
    cmd=$(printed_resume "$d/env.log")
    [ -n "$cmd" ] || fail "no resume command printed: $(cat "$d/env.log")"
    echo "resume: $cmd"
    out=$(eval "timeout 300 $cmd" 2>&1) || fail "the printed resume command exit $?: $out"
    CLMNIST_LEARNING_RATE=0.07 "$bin" train --resume "$d/env.ckpt" --device host \
      --data-dir "$scratch/tiny" --save-model "" > "$d/bad.log" 2>&1; rc=$?
    cat "$d/bad.log"
    [ $rc = 2 ] || fail "a different learning rate in the environment: exit $rc, not 2"
    grep -q "CLMNIST_LEARNING_RATE: learning-rate = 0.07 conflicts with --resume.* 0.05" \
      "$d/bad.log" || fail "the variable and the checkpoint's value are not named"
    unset CLMNIST_LEARNING_RATE
    printf 'learning-rate = 0.05\npatience = 10000000\n' > "$d/run.cfg"
    export CLMNIST_CONFIG=$d/run.cfg
    interrupted_run "$d/cfg.log" --checkpoint "$d/cfg.ckpt"
    cmd=$(printed_resume "$d/cfg.log")
    out=$(eval "timeout 300 $cmd" 2>&1) || fail "resume with the config file exit $?: $out"
    printf 'learning-rate = 0.05\npatience = 99\n' > "$d/run.cfg"
    out=$("$bin" train --resume "$d/cfg.ckpt" --device host --data-dir "$scratch/tiny" \
          --save-model "" 2>&1); rc=$?
    echo "$out"
    [ $rc = 2 ] || fail "a different patience in the config file: exit $rc, not 2"
    grep -q "run.cfg line 2: patience = 99 conflicts with --resume" <<<"$out" \
      || fail "the file and line are not named"
    # On the command line a setting still conflicts, whatever its value.
    unset CLMNIST_CONFIG
    "$bin" train --resume "$d/cfg.ckpt" --learning-rate 0.05 --device host \
      --data-dir "$scratch/tiny" > /dev/null 2>&1 && fail "--learning-rate with --resume accepted"
    true
    ;;
  resume_keeps_save_model)
    # A resumed run saves its best model where the interrupted run did: the checkpoint records
    # --save-model, so the printed resume command needs none; one given on resume wins; a
    # checkpoint written before the record keeps the default, best_model.safetensors. (Twice the
    # training images: a run still going when the signal comes on a fast machine; a validation,
    # and so a checkpoint written and synced, every 100,000 minibatches, not every epoch.)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny" --train 2400 >/dev/null
    d=$scratch/resume-model; rm -rf "$d"; mkdir -p "$d"; cd "$d" || fail "cd"
    for run in 1 2 3; do
      interrupted_run "run$run.log" --save-model "x$run.st" --checkpoint "run$run.ckpt" \
        --patience 10000000 --validation-frequency 100000
      rm -f "x$run.st"  # saved while training: only the resumed run may write it now
    done
    cmd=$(printed_resume run1.log)
    echo "resume: $cmd"
    grep -q -- "--save-model" <<<"$cmd" && fail "the printed command names --save-model: $cmd"
    out=$(eval "timeout 300 $cmd" 2>&1) || fail "the printed resume command exit $?: $out"
    grep -q "^Best model saved to x1.st$" <<<"$out" || fail "not saved to x1.st: $out"
    [ -f x1.st ] && [ ! -e best_model.safetensors ] || fail "the model went elsewhere: $(ls)"
    out=$(timeout 300 "$bin" train --resume run2.ckpt --device host --data-dir "$scratch/tiny" \
          --save-model y.st 2>&1) || fail "resume with --save-model exit $?: $out"
    [ -f y.st ] && [ ! -e x2.st ] || fail "--save-model on resume did not win: $(ls)"
    # The checkpoint of a clmnist before the record: its save_model key taken out.
    /usr/bin/python3 - run3.ckpt <<'PY' || fail "removing save_model"
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
assert header["__metadata__"].pop("save_model") == "x3.st"
text = json.dumps(header).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
    out=$(timeout 300 "$bin" train --resume run3.ckpt --device host --data-dir "$scratch/tiny" \
          2>&1) || fail "resume of an older checkpoint exit $?: $out"
    [ -f best_model.safetensors ] && [ ! -e x3.st ] || fail "an older checkpoint: $(ls)"
    ;;
  *)
    echo "cli_resume.sh: no case '$case'" >&2
    exit 2
    ;;
esac
