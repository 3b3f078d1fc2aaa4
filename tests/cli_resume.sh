#!/usr/bin/env bash
# CLI cases of resuming a run (issue 25, class 6), sourced by cli_test.sh (which defines bin,
# case, scratch and fail).

# interrupted_run LOG ARGS...: runs `clmnist train ARGS` on the tiny data (4,000 epochs of 1,000
# steps: ARGS must hold early stopping off), stops it with SIGINT after a second and a half and
# leaves its output in LOG.
interrupted_run() {
  local log=$1
  shift
  "$bin" train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 1 \
    --max-epochs 4000 --save-model "" "$@" > "$log" 2>&1 &
  local pid=$!
  sleep 1.5
  kill -INT $pid
  wait $pid
  echo "interrupted run exit $?: $(grep -A1 "^Stopped by" "$log" | tr '\n' ' ')"
}

# The resume command the interrupted run printed in LOG, with this build's binary.
printed_resume() {
  grep -A1 "continue with:" "$1" | tail -n 1 | sed -E "s|^ *clmnist |$bin |"
}

case $case in
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
    out=$(eval "timeout 60 $cmd" 2>&1) || fail "the printed resume command exit $?: $out"
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
    out=$(eval "timeout 60 $cmd" 2>&1) || fail "resume with the config file exit $?: $out"
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
  *)
    echo "cli_resume.sh: no case '$case'" >&2
    exit 2
    ;;
esac
