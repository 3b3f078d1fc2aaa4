#!/usr/bin/env bash
# The CLI cases of issue 12 (help, names, switches, image formats, training output), sourced by
# cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
here=$(dirname "$0")
tiny_args() {  # sets tiny: the options of a quick run on the tiny data set
  /usr/bin/python3 "$here/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
  tiny=(--device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50
        --save-model "")
}
case $case in
  unknown_options_suggest_names)
    # No prefix guessing; each near miss names the option, the one meant and the help command.
    check_unknown() {  # check_unknown COMMAND TYPED MEANT [ARGS...]
      local c=$1 typed=$2 meant=$3; shift 3
      out=$("$bin" "$c" "$typed" "$@" 2>&1); rc=$?
      echo "$c $typed -> $rc: $out"
      [ $rc -eq 2 ] || fail "$c $typed: exit $rc, expected 2"
      grep -qF -- "unknown option '$typed'" <<<"$out" || fail "$c $typed: not named"
      if [ -n "$meant" ]; then
        grep -qF -- "did you mean --$meant?" <<<"$out" || fail "$c $typed: no suggestion $meant"
      else
        grep -q "did you mean" <<<"$out" && fail "$c $typed: a suggestion for nothing close"
      fi
      grep -qF "clmnist help $c" <<<"$out" || fail "$c $typed: no help command"
    }
    check_unknown train --max-epoch max-epochs 2
    check_unknown train --learn learning-rate 0.1   # a prefix is no longer taken as the option
    check_unknown train --lr learning-rate 0.1
    check_unknown train --epochs max-epochs 3
    check_unknown train --batch_size batch-size 10
    check_unknown eval --modle model x
    check_unknown bench --run runs 2
    check_unknown train --frobnicate ""
    out=$("$bin" train --lr=0.1 2>&1); [ $? -eq 2 ] || fail "--lr=0.1 accepted"
    grep -qF "did you mean --learning-rate?" <<<"$out" || fail "--lr=0.1: no suggestion"
    # Config files take exact names too, with the same suggestions.
    printf 'max-epoch = 2\n' >"$scratch/c.cfg"
    out=$("$bin" train --config "$scratch/c.cfg" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 2 ] || fail "config max-epoch: exit $rc"
    grep -qF "did you mean 'max-epochs'?" <<<"$out" || fail "config: no suggestion"
    grep -qF "c.cfg line 1" <<<"$out" || fail "config: no line"
    out=$("$bin" trian 2>&1); rc=$?
    [ $rc -eq 2 ] || fail "unknown command: exit $rc"
    grep -qF "did you mean train?" <<<"$out" || fail "unknown command: no suggestion: $out"
    ;;
  help_command_and_layout)
    "$bin" help >"$scratch/list" || fail "clmnist help exit $?"
    grep -q "^Commands:" "$scratch/list" || fail "clmnist help lists no commands"
    commands=$(sed -n '/^Commands:/,/^$/p' "$scratch/list" | awk 'NR > 1 && NF {print $1}')
    [ "$(wc -w <<<"$commands")" -ge 8 ] || fail "too few commands: $commands"
    for c in $commands; do
      [ "$c" = help ] && continue
      a=$(COLUMNS=80 "$bin" help "$c") || fail "help $c exit $?"
      b=$(COLUMNS=80 "$bin" "$c" --help) || fail "$c --help exit $?"
      [ "$a" = "$b" ] || fail "clmnist help $c differs from clmnist $c --help"
      # Placeholders, not Boost's "arg".
      grep -E '^ +-.*(^|[ =\[])arg([] )]|$)' <<<"$a" && fail "$c --help shows 'arg'"
      # Every option is under a caption: no group starts without one.
      awk -v c="$c" 'prev == "" && /^  -/ {print c ": unlabelled group at: " $0; bad = 1}
                     {prev = $0} END {exit bad}' <<<"$a" || fail "$c --help has an unlabelled group"
      for section in "Environment:" "Config file" "Exit status:"; do
        grep -q "^$section" <<<"$a" || fail "$c --help has no '$section'"
      done
      for w in 60 80 100; do
        long=$(COLUMNS=$w "$bin" "$c" --help | awk -v w="$w" 'length > w')
        [ -z "$long" ] || fail "$c --help at COLUMNS=$w has longer lines: $long"
      done
    done
    COLUMNS=150 "$bin" train --help | awk 'length > 100 {found = 1} END {exit !found}' \
      || fail "train --help does not use a wide terminal"
    # Without COLUMNS and a terminal: 80 columns.
    env -u COLUMNS "$bin" train --help | awk 'length > 80 {exit 1}' || fail "not 80 columns"
    h=$("$bin" train --help)
    for p in "--data-dir DIR" "--save-model FILE" "--learning-rate X" "--batch-size N" \
             "--preset NAME" "--config FILE" "--history FILE"; do
      grep -qF -- "$p" <<<"$h" || fail "train --help: no '$p'"
    done
    # Every CLMNIST_* variable the code reads is listed.
    vars=$(grep -rhoE '"CLMNIST_[A-Z_]+"' "$here/../apps" "$here/../model" "$here/../runtime" \
           | tr -d '"' | sort -u)
    [ "$(wc -l <<<"$vars")" -ge 8 ] || fail "found too few variables in the code: $vars"
    for v in $vars; do grep -q -- "$v" <<<"$h" || fail "train --help does not list $v"; done
    ;;
  shuffle_is_a_switch)
    tiny_args
    settings() { "$bin" train "${tiny[@]}" --max-epochs 1 --verbose "$@" | grep '^  shuffle = '; }
    [ "$(settings --shuffle)" = "  shuffle = true" ] || fail "--shuffle alone: $(settings --shuffle)"
    [ "$(settings --shuffle false)" = "  shuffle = false" ] || fail "--shuffle false"
    [ "$(settings --shuffle=false)" = "  shuffle = false" ] || fail "--shuffle=false"
    [ "$(settings --shuffle true --seed 3)" = "  shuffle = true" ] || fail "--shuffle true"
    [ "$(settings --preset tensorflow --shuffle no)" = "  shuffle = false" ] || fail "--shuffle no"
    # A switch before another option leaves that option alone.
    out=$("$bin" train "${tiny[@]}" --max-epochs 1 --shuffle --seed 3 --verbose) \
      || fail "--shuffle --seed 3 exit $?"
    grep -q '^  seed = 3$' <<<"$out" || fail "--seed after --shuffle lost"
    "$bin" train "${tiny[@]}" --max-epochs 1 --shuffle maybe >/dev/null 2>&1
    [ $? -eq 2 ] || fail "--shuffle maybe accepted"
    ;;
  predict_reads_jpeg_and_bmp)
    model=$here/data/model_v1.safetensors
    /usr/bin/python3 "$here/make_seven.py" "$scratch/img"
    cp "$here/data/seven.jpg" "$scratch/img/seven.jpg"
    json() { "$bin" predict --model "$model" --device host --json "$1" 2>&1; }
    pgm=$(json "$scratch/img/seven.pgm") || fail "pgm exit $?: $pgm"
    bmp=$(json "$scratch/img/seven.bmp") || fail "bmp exit $?: $bmp"
    jpg=$(json "$scratch/img/seven.jpg") || fail "jpg exit $?: $jpg"
    echo "$pgm"; echo "$bmp"; echo "$jpg"
    label() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["label"])' "$1"; }
    probs() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["probabilities"])' "$1"; }
    # The BMP holds the PGM's pixels: the same probabilities; the JPEG, lossy, the same label.
    [ "$(probs "$bmp")" = "$(probs "$pgm")" ] || fail "BMP and PGM predicted differently"
    [ "$(label "$jpg")" = "$(label "$pgm")" ] || fail "JPEG and PGM predicted differently"
    head -c 300 "$scratch/img/seven.jpg" >"$scratch/img/cut.jpg"
    out=$("$bin" predict --model "$model" --device host "$scratch/img/cut.jpg" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "cut JPEG: exit $rc"
    grep -q "cut.jpg: " <<<"$out" || fail "cut JPEG: the error does not name the file"
    ;;
  history_file_per_validation)
    tiny_args
    "$bin" train "${tiny[@]}" --max-epochs 4 --validation-frequency 10 --learning-rate 0.1 \
      --history "$scratch/h.csv" >"$scratch/log" || fail "csv exit $?"
    "$bin" train "${tiny[@]}" --max-epochs 4 --validation-frequency 10 --learning-rate 0.1 \
      --history "$scratch/h.json" >/dev/null || fail "json exit $?"
    "$bin" train "${tiny[@]}" --max-epochs 4 --validation-frequency 10 --learning-rate 0.1 \
      >"$scratch/plain" || fail "plain exit $?"
    # The log is the same with or without --history (but for the measured speed).
    diff <(grep -v epochs/sec "$scratch/log") <(grep -v epochs/sec "$scratch/plain") \
      || fail "--history changed the log"
    /usr/bin/python3 - "$scratch/h.csv" "$scratch/h.json" "$scratch/log" <<'PY' || fail "history"
import csv, json, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
js = json.load(open(sys.argv[2]))
log = open(sys.argv[3]).read().splitlines()
valid = [l for l in log if re.match(r"^epoch \d+, minibatch \d+/\d+, validation error", l)]
tests = [l for l in log if "test error of best model" in l]
assert len(rows) == len(valid) == len(js) > 2, (len(rows), len(valid), len(js))
assert list(rows[0]) == ["epoch", "iteration", "train_loss", "validation_error", "test_error",
                         "learning_rate", "seconds"], list(rows[0])
assert sum(1 for r in rows if r["test_error"] != "") == len(tests)
assert sum(1 for r in js if r["test_error"] is not None) == len(tests)
for r, line in zip(rows, valid):
    e, err = re.match(r"^epoch (\d+), minibatch \d+/\d+, validation error ([0-9.]+) %", line).groups()
    assert int(r["epoch"]) == int(e), (r, line)
    assert abs(float(r["validation_error"]) * 100 - float(err)) < 1e-4, (r, line)
    assert float(r["learning_rate"]) == 0.1 and float(r["train_loss"]) > 0
its = [int(r["iteration"]) for r in rows]
assert its == list(range(10, 10 * len(rows) + 1, 10)), its
secs = [float(r["seconds"]) for r in rows]
assert secs == sorted(secs) and secs[0] >= 0, secs
assert [r["iteration"] for r in js] == its
print(len(rows), "rows, as the log")
PY
    # train_loss is the mean since the previous validation: within an epoch the rows' losses,
    # weighted by their minibatches, make the epoch's running mean that -v prints.
    "$bin" train "${tiny[@]}" --max-epochs 2 --validation-frequency 10 --learning-rate 0.1 -v \
      --history "$scratch/hv.csv" >"$scratch/logv" || fail "-v exit $?"
    /usr/bin/python3 - "$scratch/hv.csv" "$scratch/logv" <<'PY' || fail "train_loss since the last validation"
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
log = open(sys.argv[2]).read()
per_epoch = int(re.search(r"minibatch \d+/(\d+), validation", log).group(1))
running = [float(x) for x in re.findall(r"training loss ([0-9.]+) \(this epoch\)", log)]
assert len(running) == len(rows) and per_epoch > 10, (len(running), len(rows), per_epoch)
total, done, epoch, several = 0.0, 0, 0, False
for r, want in zip(rows, running):
    if int(r["epoch"]) != epoch:
        epoch, total, done = int(r["epoch"]), 0.0, 0
    else:
        several = True
    n = int(r["iteration"]) - (epoch - 1) * per_epoch - done
    total += float(r["train_loss"]) * n
    done += n
    assert abs(total / done - want) < 1e-5 * max(1.0, want), (r, want, total / done)
assert several, "no epoch with two validations"
print("train_loss per validation adds up to each epoch's running mean")
PY
    # Another extension is refused before any training.
    out=$("$bin" train "${tiny[@]}" --history "$scratch/h.txt" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 2 ] || fail "--history h.txt: exit $rc"
    grep -q "h.txt.*\.csv.*\.json" <<<"$out" || fail "--history h.txt: unclear error"
    grep -q "Loading MNIST" <<<"$out" && fail "--history h.txt: refused only after loading"
    [ -e "$scratch/h.txt" ] && fail "--history h.txt was written"
    # -v says how long each epoch took; the default log does not.
    out=$("$bin" train "${tiny[@]}" --max-epochs 2 --verbose) || fail "verbose exit $?"
    [ "$(grep -c '^     epoch [12] took [0-9.]* s$' <<<"$out")" -eq 2 ] || fail "-v: no epoch times"
    grep -q " took " "$scratch/plain" && fail "epoch times without -v"
    true
    ;;
  progress_on_stderr_only_on_terminal)
    /usr/bin/python3 "$here/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
    # Long enough (4 million steps of one image, about 4 s here) for an estimate: none is shown
    # in the first second.
    args=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 1
          --max-epochs 4000 --save-model "")
    # stderr on a terminal, stdout into a file: live progress there, a clean log here.
    COLUMNS=60 script -qec "$(printf '%q ' "$bin" "${args[@]}" --patience 10000000) >$(printf '%q' "$scratch/log")" \
      /dev/null >"$scratch/tty.out" 2>&1 || fail "train on a terminal exit $?"
    grep -aq $'\r' "$scratch/log" && fail "progress went into the log"
    grep -q "^Optimization complete" "$scratch/log" || fail "no log lines in the file"
    grep -aq "epoch [0-9]* [0-9]*/1000 \[[#.]*\]" "$scratch/tty.out" \
      || fail "no progress line with the epoch's bar on the terminal"
    grep -aq "at most" "$scratch/tty.out" && fail "the time left is called an upper bound"
    # Patience beyond the 4 million minibatches: only max epochs ends this run. The elapsed time
    # and the estimate, as tqdm shows them.
    grep -aq ", [0-9hms]*, ~[0-9hms]* left" "$scratch/tty.out" || fail "no elapsed time and estimate"
    # Each drawing fits 60 columns.
    long=$(tr '\r' '\n' <"$scratch/tty.out" | sed 's/\x1b\[K//g' | awk 'length > 59')
    [ -z "$long" ] || fail "progress wider than the terminal: $long"
    # With early stopping ending first, the time left is a lower bound.
    COLUMNS=200 script -qec "$(printf '%q ' "$bin" "${args[@]}" --patience 3500000) >/dev/null" \
      /dev/null >"$scratch/tty2.out" 2>&1 || fail "patience run exit $?"
    grep -aq "at least .* left (early stopping may extend)" "$scratch/tty2.out" \
      || fail "early stopping: the time left is not said to be a lower bound"
    # Into a pipe: no progress at all, on either stream.
    "$bin" "${args[@]}" >"$scratch/out" 2>"$scratch/err" || fail "pipe exit $?"
    grep -aq "samples/s" "$scratch/out" "$scratch/err" && fail "progress without a terminal"
    true
    ;;
  numbers_read_as_typed)
    # A setting shows as typed (0.05, not 0.050000000000000003); the host backend's figures that
    # do not apply say so (no "0.0 us a launch", no "device memory 0.0 MB"), and nothing is
    # said twice ("(host, host)", "[host, host]").
    /usr/bin/python3 "$here/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
    out=$("$bin" train --device host --data-dir "$scratch/tiny" --validation-size 200 \
          --batch-size 50 --max-epochs 1 --save-model "" -v --learning-rate 0.05 2>&1) \
      || fail "train exit $?"
    echo "$out" | head -5
    grep -qx "  learning-rate = 0.05" <<<"$out" || fail "the learning rate is not shown as typed"
    grep -qE "[0-9]\.[0-9]{15,}" <<<"$out" && fail "a number with noise digits"
    grep -q "(host, host)" <<<"$out" && fail "the device line repeats itself"
    out=$("$bin" bench --device host --quick --runs 1 2>&1) || fail "bench exit $?"
    grep -E "host memory|launches" <<<"$out"
    grep -qE "0\.0 us a launch|device memory 0\.0 MB|\[host, host\]" <<<"$out" \
      && fail "bench shows a figure that does not apply to the host backend"
    grep -q "no kernel launches (host backend)" <<<"$out" || fail "the launches are not said n/a"
    # presets fits 80 columns where standard output is no terminal.
    wide=$(env -u COLUMNS "$bin" presets | awk 'length > 80')
    [ -z "$wide" ] || fail "presets wider than 80 columns: $wide"
    ;;
  outputs_to_stdout_stream)
    # - and /dev/stdout as outputs are standard output, written as a stream (into a file the
    # shell opened, never replacing it; into a pipe), with the text on standard error; a closed
    # standard output is refused before any work.
    /usr/bin/python3 "$here/make_tiny_mnist.py" "$scratch/tiny" >/dev/null
    args=(train --device host --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50
          --max-epochs 2 --save-model "")
    cd "$scratch" || fail "cd"
    rm -f ./- out.json err.txt
    # A model or checkpoint is replaced at every better validation: no stream takes it.
    for o in "--save-model /dev/stdout" "--checkpoint -"; do
      # shellcheck disable=SC2086
      out=$("$bin" train --device host --data-dir "$scratch/tiny" $o 2>&1); rc=$?
      [ $rc = 2 ] && grep -q "is a stream, but the file is replaced" <<<"$out" \
        || fail "$o: exit $rc: $out"
    done
    "$bin" "${args[@]}" -v --summary-json - > out.json 2> err.txt || fail "summary to - exit $?"
    [ -e ./- ] && fail "'-' was written as a file"
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' out.json || fail "stdout is not the JSON alone"
    grep -q "^Optimization complete" err.txt || fail "the log is not on standard error"
    : > file.json; before=$(stat -c %i file.json)
    "$bin" "${args[@]}" --summary-json /dev/stdout > file.json 2>/dev/null || fail "/dev/stdout exit $?"
    [ "$(stat -c %i file.json)" = "$before" ] || fail "the shell's file was replaced"
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' file.json || fail "/dev/stdout: not JSON"
    "$bin" "${args[@]}" --history /dev/stdout 2>/dev/null | cat > pipe.csv || fail "history into a pipe"
    head -n 1 pipe.csv | grep -q "^epoch,iteration,train_loss" || fail "no CSV through the pipe"
    [ "$(wc -l < pipe.csv)" = 3 ] || fail "the pipe got more than the history: $(cat pipe.csv)"
    "$bin" bench --device host --quick --runs 1 --json - 2>err.txt > bench.json || fail "bench exit $?"
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' bench.json || fail "bench: not JSON alone"
    grep -q "^device " err.txt || fail "bench's table is not on standard error"
    out=$("$bin" "${args[@]}" --summary-json - 2>&1 >&-); rc=$?
    echo "$out"
    [ $rc = 2 ] || fail "closed standard output: exit $rc, not 2"
    grep -q "descriptor 1 is not open" <<<"$out" || fail "closed standard output: not said"
    ;;
  one_validation_picture_has_its_point)
    tiny_args
    "$bin" train "${tiny[@]}" --max-epochs 1 --plot-dir "$scratch/p" >/dev/null || fail "exit $?"
    # The training loss (palette colour 0): its legend box and its one point.
    n=$(grep -c 'fill="#1f77b4"' "$scratch/p/learning_curves.svg")
    echo "$n boxes of the training loss's colour"
    [ "$n" -ge 2 ] || fail "a learning curve of one validation draws no point"
    ;;
  *) fail "unknown case" ;;
esac
