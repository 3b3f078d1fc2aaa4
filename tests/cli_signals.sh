#!/usr/bin/env bash
# CLI cases of SIGINT, SIGTERM and SIGHUP (runtime/stop_signals.hpp; issue 25, class 5), sourced
# by cli_test.sh (which defines bin, case, scratch and fail).

# Runs clmnist ARGS in the background with CLMNIST_TEST_PAUSE_WRITES=MARKER:SUFFIX, waits until
# the group write has staged its files (MARKER appears), sends SIGNAL, and returns the exit
# status; stdout and stderr go to $scratch/out and $scratch/err.
signal_while_writing() {  # SIGNAL SUFFIX ARGS...
  local sig=$1 suffix=$2 i
  shift 2
  rm -f "$scratch/marker"
  CLMNIST_TEST_PAUSE_WRITES="$scratch/marker:$suffix" "$bin" "$@" >"$scratch/out" 2>"$scratch/err" &
  local pid=$!
  for i in $(seq 1 600); do [ -e "$scratch/marker" ] && break; sleep 0.05; done
  [ -e "$scratch/marker" ] || { kill -9 $pid; fail "the write never paused: $(cat "$scratch/err")"; }
  kill -"$sig" $pid
  wait $pid
}

# Fails when DIR holds a temporary file of an interrupted write.
no_temporary_files() {
  local left
  left=$(find "$1" -name '.*.tmp-*')
  [ -z "$left" ] || fail "temporary files left: $left"
}

case $case in
  signals_checkpoint_resume)
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    args=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50
          --learning-rate 0.01 --max-epochs 8000 --patience 100000000 --validation-frequency 200)
    "$bin" "${args[@]}" --save-model "$scratch/ref.st" >/dev/null || fail "reference run exit $?"
    # Waits until a checkpoint exists, then a moment more, and sends the signal.
    interrupt() {  # signal checkpoint model [more options]
      rm -f "$2"
      "$bin" "${args[@]}" --save-model "$3" --checkpoint "$2" "${@:4}" >"$scratch/out" 2>&1 &
      local pid=$! i
      for i in $(seq 1 300); do [ -s "$2" ] && break; sleep 0.05; done
      [ -s "$2" ] || { kill -9 $pid; fail "no checkpoint appeared"; }
      sleep 0.1
      kill -"$1" $pid
      wait $pid
    }
    interrupt INT "$scratch/ck" "$scratch/m.st"; rc=$?
    cat "$scratch/out" | tail -n 3
    [ $rc -eq 130 ] || fail "SIGINT: exit $rc, expected 130 (the run may have finished first)"
    grep -q "clmnist train --resume $scratch/ck" "$scratch/out" || fail "no resume hint"
    "$bin" train --resume "$scratch/ck" --device host --data-dir "$scratch/tiny" \
      --save-model "$scratch/m.st" >"$scratch/out2" || fail "resume exit $?"
    grep -q "Resuming" "$scratch/out2" || fail "did not resume"
    cmp "$scratch/ref.st" "$scratch/m.st" || fail "SIGINT + resume: model differs from the uninterrupted run"
    interrupt TERM "$scratch/ckt" "$scratch/mt.st" --history "$scratch/ht.csv"; rc=$?
    [ $rc -eq 143 ] || fail "SIGTERM: exit $rc, expected 143"
    grep -q "Stopped by SIGTERM" "$scratch/out" || fail "SIGTERM not reported"
    # The history of the stopped run: a row for each validation it logged.
    rows=$(($(wc -l <"$scratch/ht.csv") - 1))
    if [ "$rows" -lt 1 ] || [ "$rows" -ne "$(grep -c ', validation error' "$scratch/out")" ]; then
      fail "SIGTERM: the history has $rows rows, not one per validation"
    fi
    "$bin" train --resume "$scratch/ckt" --device host --data-dir "$scratch/tiny" \
      --save-model "$scratch/mt.st" >/dev/null || fail "resume after SIGTERM exit $?"
    cmp "$scratch/ref.st" "$scratch/mt.st" || fail "SIGTERM + resume: model differs"
    # kill -9 at an arbitrary moment: the last checkpoint is loadable and resumes to the same end.
    interrupt KILL "$scratch/ck9" "$scratch/m9.st"; rc=$?
    [ $rc -eq 137 ] || fail "kill -9: exit $rc"
    "$bin" train --resume "$scratch/ck9" --device host --data-dir "$scratch/tiny" \
      --save-model "$scratch/m9.st" >/dev/null || fail "resume after kill -9 exit $?"
    cmp "$scratch/ref.st" "$scratch/m9.st" || fail "kill -9 + resume: model differs"
    # Resuming with a setting given again is a conflict.
    "$bin" train --resume "$scratch/ck9" --learning-rate 0.5 --data-dir "$scratch/tiny" \
      >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "--resume with --learning-rate: exit $rc, expected 2"
    ;;
  signals_finish_what_they_write)
    # A signal while a group of files is written waits until the group is in place, then stops
    # the command with a line naming what was written; SIGHUP is SIGTERM; fetch's npm and
    # temporary directory go with it.
    # shellcheck source=tests/cli_helpers.sh
    source "$(dirname "$0")/cli_helpers.sh"
    tiny
    t=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50)
    "$bin" "${t[@]}" --max-epochs 2 --save-model "$scratch/m.st" >/dev/null || fail "training"
    # export: the npy pair, stopped by SIGTERM between staging and renaming.
    "$bin" export --model "$scratch/m.st" --format npy --output "$scratch/ref" >/dev/null
    mkdir -p "$scratch/npy"
    signal_while_writing TERM "" export --model "$scratch/m.st" --format npy --output "$scratch/npy"
    rc=$?; cat "$scratch/err"
    [ $rc = 143 ] || fail "export: exit $rc, not 143"
    for f in W.npy b.npy; do cmp "$scratch/ref/$f" "$scratch/npy/$f" || fail "export: $f"; done
    no_temporary_files "$scratch/npy"
    grep -q "stopped by SIGTERM; the files written before it are complete: .*W.npy, .*b.npy" \
      "$scratch/err" || fail "export: the stop does not name the files written"
    # What kill -9 left of an earlier write there is removed by the next; a live writer's stays.
    dead=$(sh -c 'echo $$')
    touch "$scratch/npy/.W.npy.tmp-$dead-Ab12Cd" "$scratch/npy/.W.npy.tmp-$$-Ef34Gh"
    "$bin" export --model "$scratch/m.st" --format npy --output "$scratch/npy" >/dev/null
    [ ! -e "$scratch/npy/.W.npy.tmp-$dead-Ab12Cd" ] || fail "a dead writer's temporary file stays"
    [ -e "$scratch/npy/.W.npy.tmp-$$-Ef34Gh" ] || fail "a live writer's temporary file was removed"
    rm "$scratch/npy/.W.npy.tmp-$$-Ef34Gh"
    # train: SIGINT while the summary is written, after the training: every file is written.
    mkdir -p "$scratch/pics"
    signal_while_writing INT s.json "${t[@]}" --max-epochs 2 --save-model "$scratch/m2.st" \
      --summary-json "$scratch/s.json" --plot-dir "$scratch/pics"
    rc=$?; tail -n 2 "$scratch/out"
    [ $rc = 130 ] || fail "train: exit $rc, not 130"
    grep -q "Stopped by SIGINT after training, while its files were written" "$scratch/out" \
      || fail "train: the late stop is not reported"
    [ -s "$scratch/s.json" ] && [ -s "$scratch/pics/weights.svg" ] || fail "train: files missing"
    no_temporary_files "$scratch"
    # SIGHUP during training: the checkpoint is saved.
    rm -f "$scratch/ck"
    "$bin" "${t[@]}" --max-epochs 8000 --patience 100000000 --save-model "" \
      --checkpoint "$scratch/ck" >"$scratch/out" 2>&1 &
    pid=$!
    for i in $(seq 1 300); do [ -s "$scratch/ck" ] && break; sleep 0.05; done
    kill -HUP $pid; wait $pid; rc=$?
    tail -n 2 "$scratch/out"
    [ $rc = 129 ] || fail "SIGHUP: exit $rc, not 129"
    grep -q "Stopped by SIGHUP after the current minibatch. Checkpoint saved" "$scratch/out" \
      || fail "SIGHUP: no checkpoint"
    # fetch: SIGTERM while npm runs ends npm and removes the temporary directory.
    rm -rf "$scratch/tmp" "$scratch/npm.pid"
    mkdir -p "$scratch/fakebin" "$scratch/tmp"
    printf '#!/bin/sh\necho $$ > "%s/npm.pid"\nexec sleep 60\n' "$scratch" > "$scratch/fakebin/npm"
    chmod +x "$scratch/fakebin/npm"
    PATH="$scratch/fakebin:$PATH" TMPDIR="$scratch/tmp" "$bin" fetch --data-dir "$scratch/d" \
      >/dev/null 2>"$scratch/err" &
    pid=$!
    for i in $(seq 1 200); do [ -s "$scratch/npm.pid" ] && break; sleep 0.05; done
    [ -s "$scratch/npm.pid" ] || { kill -9 $pid; fail "fetch never ran npm"; }
    kill -TERM $pid; wait $pid; rc=$?
    cat "$scratch/err"
    [ $rc = 143 ] || fail "fetch: exit $rc, not 143"
    npm_pid=$(cat "$scratch/npm.pid")
    for i in $(seq 1 100); do
      state=$(ps -o stat= -p "$npm_pid" 2>/dev/null)
      [ -z "$state" ] || [ "${state:0:1}" = Z ] && break
      sleep 0.05
    done
    [ -z "$state" ] || [ "${state:0:1}" = Z ] || { kill -9 "$npm_pid"; fail "npm still runs"; }
    [ -z "$(ls -A "$scratch/tmp")" ] || fail "fetch left $(ls -A "$scratch/tmp")"
    ;;
esac
