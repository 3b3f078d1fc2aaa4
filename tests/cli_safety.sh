#!/usr/bin/env bash
# CLI cases of bad input that must never destroy data, crash or report what did not happen,
# sourced by cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
# shellcheck source=tests/cli_helpers.sh
source "$(dirname "$0")/cli_helpers.sh"
case $case in
  unsigned_options_refuse_negatives)
    # Every whole-number option of every command: a negative value is a usage error naming the
    # option, never a wrap to 2^64 - n.
    for args in "train --max-epochs -3" "train --batch-size -1" "train --patience -2" \
                "train --patience-increase -2" "train --validation-frequency -1" \
                "train --max-steps -5" "train --seed -1" "train --hidden -1" \
                "train --validation-size -10" "eval --batch-size -3" "predict --count -1" \
                "bench --runs -2" "train --max-epochs 18446744073709551616"; do
      # shellcheck disable=SC2086
      out=$("$bin" $args 2>&1); rc=$?
      echo "$args -> $rc: $out"
      [ $rc = 2 ] || fail "'$args' exit $rc, not 2"
      opt=$(awk '{print $2}' <<<"$args")
      grep -q -- "$opt" <<<"$out" || fail "'$args': the option is not named"
      grep -q "whole number" <<<"$out" || fail "'$args': the valid range is not said"
    done
    ;;
  no_validation_is_honest)
    tiny
    # The run ends before its first validation: nothing invented, no file claimed, no crash.
    out=$(short_train --validation-frequency 1000 --save-model "$scratch/m.st" \
          --summary-json "$scratch/s.json" --plot-dir "$scratch/plots" 2>&1) \
      || fail "exit $?: $out"
    echo "$out"
    grep -q "100.000000" <<<"$out" && fail "an invented 100 % error is printed"
    grep -q "Best model saved" <<<"$out" && fail "a model file is claimed"
    [ -e "$scratch/m.st" ] && fail "a model file was written without a validation"
    grep -q "before any validation" <<<"$out" || fail "the log does not say no validation ran"
    /usr/bin/python3 - "$scratch/s.json" <<'PY' || fail "the summary invents figures"
import json, sys
d = json.load(open(sys.argv[1]))
bad = [k for k in ("best_epoch", "best_validation_error", "test_error", "best_validation_error_all",
                   "test_error_all") if d[k] is not None]
sys.exit(1 if bad else 0)
PY
    [ -s "$scratch/plots/learning_curves.png" ] || fail "no learning curves"
    [ -e "$scratch/plots/confusion.png" ] && fail "a confusion matrix of no model was drawn"
    ;;
  float_values_checked_as_used)
    # Values the device uses as floats are checked as floats, and the message names the option.
    for pair in "learning-rate 1e-60" "learning-rate 1e39" "pixel-divisor 1e300" \
                "pixel-divisor 1e-40" "l2 1e-50" "l1 -0.1"; do
      read -r opt value <<<"$pair"
      out=$("$bin" train --"$opt" "$value" 2>&1); rc=$?
      echo "--$opt $value -> $rc: $(head -1 <<<"$out")"
      [ $rc = 2 ] || fail "--$opt $value exit $rc, not 2"
      grep -q -- "--$opt" <<<"$out" || fail "--$opt $value: another option is blamed: $out"
    done
    ;;
  labels_must_be_digits)
    # A label of 10 or more in any label file is refused naming the file and row; a test or
    # validation label above every training label too (the model would never predict it).
    tiny
    d=$scratch/labels; rm -rf "$d"; cp -r "$scratch/tiny" "$d"
    set_label() {  # FILE ROW VALUE: an IDX label file's row set to VALUE
      python3 -c 'import sys; p, r, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); b = bytearray(open(p, "rb").read()); b[8 + r] = v; open(p, "wb").write(bytes(b))' "$@"
    }
    set_label "$d/train-labels-idx1-ubyte" 37 12
    out=$("$bin" train --device host --data-dir "$d" --validation-size 200 --batch-size 50 \
          --max-epochs 1 --save-model "" 2>&1); rc=$?
    echo "$out" | tail -1
    [ $rc = 1 ] || fail "a training label 12: exit $rc, not 1"
    grep -q "train-labels-idx1-ubyte: label 12 at row 37" <<<"$out" || fail "file and row not named"
    grep -q "13 classes" <<<"$out" && fail "the model was widened"
    cp "$scratch/tiny/train-labels-idx1-ubyte" "$d/"
    # Row 1100 is in the validation part (the last 200 of 1200): label 7 > the training's 0-4.
    set_label "$d/train-labels-idx1-ubyte" 1100 7
    out=$("$bin" train --device host --data-dir "$d" --validation-size 200 --batch-size 50 \
          --max-epochs 1 --save-model "" 2>&1); rc=$?
    echo "$out" | tail -1
    [ $rc = 1 ] || fail "a validation label 7: exit $rc, not 1"
    grep -q "train-labels-idx1-ubyte: label 7 at row 1100" <<<"$out" || fail "validation row not named"
    ;;
  config_applies_per_command)
    # A config file of training options works with every command: keys of options a command does
    # not have are not errors for it; [command] sections apply to that command only; an empty
    # CLMNIST_CONFIG is no config; errors name the file and the line.
    tiny
    d=$scratch/cfg; rm -rf "$d"; mkdir -p "$d"
    short_train --save-model "$d/m.st" --max-steps 3 >/dev/null || fail "training a model"
    # bench takes the theano preset's split: 10,000 validation images and a few to train.
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$d/big" --train 11000 >/dev/null
    printf '# a training config\nlearning-rate = 0.05\npatience = 100\nvalidation-size = 200\n[eval]\nbatch-size = 7\n[train]\nmax-epochs = 2\n' > "$d/train.cfg"
    for args in "devices" "presets" "eval --model $d/m.st --data-dir $scratch/tiny --device host" \
                "predict --model $d/m.st --data-dir $scratch/tiny --count 3 --device host" \
                "export --model $d/m.st --format npy --output $d" \
                "bench --device host --data-dir $d/big --quick --runs 1"; do
      for how in "CLMNIST_CONFIG=$d/train.cfg" "CLMNIST_CONFIG="; do
        # shellcheck disable=SC2086
        out=$(env $how "$bin" $args 2>&1); rc=$?
        echo "$how $args -> $rc: $(tail -1 <<<"$out")"
        [ $rc = 0 ] || fail "$how $args: exit $rc: $out"
      done
    done
    out=$(CLMNIST_CONFIG=$d/train.cfg "$bin" eval --model "$d/m.st" --data-dir "$scratch/tiny" \
          --device host 2>&1) || fail "eval"
    grep -q "whole minibatches of 7" <<<"$out" || fail "the [eval] section was not applied: $out"
    out=$(CLMNIST_CONFIG=$d/train.cfg "$bin" train --device host --data-dir "$scratch/tiny" \
          --batch-size 50 --save-model "" 2>&1) || fail "train with the config: $out"
    grep -q "learning rate 0.05, batch size 50, max epochs 2" <<<"$out" || fail "train ignored it"
    out=$(CLMNIST_CONFIG= "$bin" train --device host --data-dir "$scratch/tiny" --batch-size 50 \
          --validation-size 200 --max-epochs 1 --save-model "" 2>&1) || fail "empty CLMNIST_CONFIG"
    # Every option of every command (from --help) is known as a config key: presets, which has
    # none of them, takes a file that sets them all.
    for c in $("$bin" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}'); do
      "$bin" "$c" --help | grep -o -- '--[a-z][a-z0-9-]*' | sed 's/^--//'
    done | sort -u | grep -vx 'help\|config' | sed 's/$/ = x/' > "$d/every.cfg"
    echo "$(wc -l < "$d/every.cfg") options of $("$bin" --help | sed -n '/^Commands:/,/^$/p' | grep -c '^  ') commands"
    [ "$(wc -l < "$d/every.cfg")" -gt 30 ] || fail "the options were not found in --help"
    out=$(CLMNIST_CONFIG=$d/every.cfg "$bin" presets 2>&1) || fail "an option is unknown as a key: $out"
    out=$(CLMNIST_CONFIG=$d/absent.cfg "$bin" devices 2>&1); rc=$?
    [ $rc = 2 ] || fail "a CLMNIST_CONFIG that does not exist: exit $rc"
    grep -q "CLMNIST_CONFIG '$d/absent.cfg': no such file" <<<"$out" || fail "not named: $out"
    # A key no command has, a bad value, a line that is no setting: exit 2, file and line named.
    printf 'learning-rate = 0.05\nlerning-rate = 0.05\n' > "$d/typo.cfg"
    printf '\n\nlearning-rate = fast\n' > "$d/value.cfg"
    printf 'learning-rate 0.05\n' > "$d/syntax.cfg"
    printf '[trian]\nmax-epochs = 3\n' > "$d/section.cfg"
    for pair in "typo.cfg:2:lerning-rate" "value.cfg:3:fast" "syntax.cfg:1:=" "section.cfg:1:trian"; do
      IFS=: read -r f line what <<<"$pair"
      for cmd in devices train; do
        if [ $cmd = devices ]; then
          out=$(CLMNIST_CONFIG=$d/$f "$bin" devices 2>&1); rc=$?
        else
          out=$(CLMNIST_CONFIG=$d/$f "$bin" train --device host --data-dir "$scratch/tiny" 2>&1); rc=$?
        fi
        echo "$f $cmd -> $rc: $(head -2 <<<"$out")"
        if [ "$f" = value.cfg ] && [ $cmd = devices ]; then
          [ $rc = 0 ] || fail "devices refused a value of an option it does not have"
          continue
        fi
        [ $rc = 2 ] || fail "$f $cmd: exit $rc, not 2"
        grep -q "$d/$f line $line" <<<"$out" || fail "$f $cmd: file and line not named: $out"
        grep -q -- "$what" <<<"$out" || fail "$f $cmd: the problem is not named: $out"
        grep -q "Optimization complete" <<<"$out" && fail "$f $cmd: trained before refusing"
      done
    done
    ;;
  predict_reports_every_image)
    # One bad image among many: every other one is predicted, each bad one gets its own error
    # (text: on stderr; --json: an object with "error"), and the exit status is 1 at the end.
    tiny
    d=$scratch/pred; model_and_digit "$d"
    cp "$d/good.pgm" "$d/good2.pgm"
    printf 'P2\n3 3\n255\n9 9 9 9 9 9 9 9 9\n' > "$d/blank.pgm"
    echo "not an image" > "$d/text.png"
    imgs=("$d/good.pgm" "$d/blank.pgm" "$d/text.png" "$d/missing.png" "$d/good2.pgm")
    "$bin" predict --model "$d/m.st" --device host "${imgs[@]}" >"$d/out" 2>"$d/err"; rc=$?
    cat "$d/out" "$d/err"
    [ $rc = 1 ] || fail "text: exit $rc, not 1"
    [ "$(grep -c "^$d/good2\?.pgm: [0-9] (p = " "$d/out")" = 2 ] || fail "text: the good images lack results"
    for bad in blank.pgm text.png missing.png; do
      grep -q "$d/$bad: " "$d/err" || fail "text: no error for $bad"
    done
    "$bin" predict --model "$d/m.st" --device host --json "${imgs[@]}" >"$d/json" 2>"$d/err"; rc=$?
    cat "$d/json"
    [ $rc = 1 ] || fail "json: exit $rc, not 1"
    python3 - "$d/json" "${imgs[@]}" <<'PY' || fail "json: not one object per image in order"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
images = sys.argv[2:]
assert [l["image"] for l in lines] == images, lines
assert ["label" in l for l in lines] == [True, False, False, False, True], lines
assert all("error" in l and l["error"] for l in lines[1:4]), lines
PY
    ;;
  stdout_write_errors_fail)
    # A failed write on standard output is a failed command: exit 1 and a message on stderr. A
    # closed pipe ends the command quietly by SIGPIPE, even where SIGPIPE was ignored.
    tiny
    d=$scratch/full; model_and_digit "$d"
    for args in "--help" "--version" "devices" "presets" "train --help" \
                "eval --model $d/m.st --data-dir $scratch/tiny --device host" \
                "predict --model $d/m.st --device host --json $d/good.pgm" \
                "export --model $d/m.st --format npy --output $d" \
                "train --device host --data-dir $scratch/tiny --validation-size 200 --batch-size 50 --max-epochs 1 --save-model $d/m2.st"; do
      # shellcheck disable=SC2086
      "$bin" $args >/dev/full 2>"$d/err"; rc=$?
      echo "$args > /dev/full -> $rc: $(cat "$d/err")"
      [ $rc = 1 ] || fail "'$args' > /dev/full: exit $rc, not 1"
      grep -q "standard output.*No space left on device" "$d/err" || fail "'$args': no message"
    done
    python3 - "$bin" "$d/m.st" "$scratch/tiny" <<'PY' || fail "a closed pipe"
import os, signal, subprocess, sys
binary, model, data = sys.argv[1:]
for args in (["presets"], ["--help"], ["eval", "--model", model, "--data-dir", data, "--device", "host"]):
    for ignored in (False, True):
        r, w = os.pipe()
        os.close(r)  # nobody reads
        def setup():
            signal.signal(signal.SIGPIPE, signal.SIG_IGN if ignored else signal.SIG_DFL)
        p = subprocess.run([binary] + args, stdout=w, stderr=subprocess.PIPE, preexec_fn=setup)
        os.close(w)
        print(args, "SIGPIPE ignored" if ignored else "SIGPIPE default", "->", p.returncode,
              p.stderr.decode()[-200:])
        assert p.returncode == -signal.SIGPIPE, p.returncode
        assert p.stderr == b"", p.stderr
PY
    ;;
  json_names_any_bytes)
    # File names are bytes: every JSON clmnist writes is valid UTF-8, a name that is not becomes
    # U+FFFD where its bytes are not UTF-8, and the output is never cut short.
    tiny
    d=$scratch/names; model_and_digit "$d"
    bad=$(printf '%s/caf\xe9-\xff.pgm' "$d")
    cp "$d/good.pgm" "$bad"; cp "$d/good.pgm" "$d/ok.pgm"
    "$bin" predict --model "$d/m.st" --device host --json "$bad" "$d/ok.pgm" "$bad" >"$d/out" \
      2>"$d/err"; rc=$?
    cat "$d/out" "$d/err"
    [ $rc = 0 ] || fail "exit $rc"
    python3 - "$d/out" "$d" <<'PY' || fail "not valid JSON lines with U+FFFD for the bad bytes"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
d = sys.argv[2]
assert [l["image"] for l in lines] == [d + "/caf\ufffd-\ufffd.pgm", d + "/ok.pgm",
                                       d + "/caf\ufffd-\ufffd.pgm"], lines
assert all("label" in l for l in lines)
PY
    grep -q "exception\|type_error\|invalid UTF-8" "$d/err" && fail "an internal text: $(cat "$d/err")"
    true
    ;;
  tensorflow_best_is_lowest_validation)
    # Without early stopping (the tensorflow preset) the best model is still the one of the lowest
    # validation error, as --help says: the log, the summary and the saved file agree.
    tiny
    d=$scratch/tf; rm -rf "$d"; mkdir -p "$d"
    out=$("$bin" train --preset tensorflow --device host --data-dir "$scratch/tiny" \
          --validation-size 200 --batch-size 10 --max-steps 22 --validation-frequency 1 \
          --learning-rate 0.001 --save-model "$d/m.st" --summary-json "$d/s.json" 2>&1) \
      || fail "train exit $?: $out"
    echo "$out" | tail -4
    ev=$("$bin" eval --model "$d/m.st" --data-dir "$scratch/tiny" --device host 2>&1) \
      || fail "eval exit $?"
    python3 - "$d/s.json" <<PY || fail "the best model is not the lowest validation error"
import json, re, sys
log = """$out"""
evals = """$ev"""
errors = [float(m) for m in re.findall(r"^epoch \d+, minibatch \d+/\d+, validation error ([0-9.]+) %", log, re.M)]
s = json.load(open(sys.argv[1]))
print("validation errors", errors, "best", s["best_validation_error"])
assert errors[-1] != min(errors), "the last validation is the best: the test tests nothing"
assert abs(s["best_validation_error"] * 100 - min(errors)) < 1e-6
best_lines = len(re.findall("test error of best model", log))
new_minima = sum(1 for i, e in enumerate(errors) if e < min(errors[:i], default=1e9))
assert best_lines == new_minima, (best_lines, new_minima)
saved = float(re.search(r"test error ([0-9.]+) % over every sample", evals).group(1))
assert abs(saved - s["test_error_all"] * 100) < 1e-4, (saved, s["test_error_all"])
PY
    ;;
  internal_texts_never_shown)
    # Corrupt inputs of every kind: each error names the file or option, the value and the fix;
    # no library's own text (std::stoi, vector::_M_default_append, nlohmann's codes) and no
    # "internal error" reaches the user.
    d=$scratch/texts; model_and_digit "$d"
    python3 - "$d" <<'PY'
import json, struct, sys
d = sys.argv[1]
b = open(d + "/m.st", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h, data = json.loads(b[8:8 + n]), b[8 + n:]
net = json.loads(h["__metadata__"]["network"])
def model(name, network=None, header=None):
    hh = json.loads(json.dumps(h))
    if network is not None:
        hh["__metadata__"]["network"] = network if isinstance(network, str) else json.dumps(network)
    s = header if header is not None else json.dumps(hh).encode()
    open(d + "/" + name, "wb").write(struct.pack("<Q", len(s)) + s + data)
def changed(f):
    c = json.loads(json.dumps(net)); f(c); return c
model("cut-json.st", "{")
model("no-input.st", changed(lambda c: c.pop("input")))
model("rows-text.st", changed(lambda c: c["input"].update(rows="eight")))
model("rows-negative.st", changed(lambda c: c["input"].update(rows=-8)))
model("outputs-huge.st", changed(lambda c: c["layers"][0].update(outputs=1e30)))
model("layers-number.st", changed(lambda c: c.update(layers=7)))
model("network-string.st", '"a string"')
model("divisor-text.st", changed(lambda c: c["input"].update(pixel_divisor="x")))
model("header-json.st", header=b"{'a': 1}" + b" " * 8)
PY
    printf 'learning-rate = 1e999\n' > "$d/huge.cfg"
    n=0
    check() {  # EXPECTED_EXIT NAMED_TEXT COMMAND...
      local want=$1 named=$2; shift 2
      out=$("$@" 2>&1); rc=$?
      n=$((n + 1))
      echo "$* -> $rc: $(tail -2 <<<"$out" | head -1)"
      [ $rc = "$want" ] || fail "'$*': exit $rc, not $want: $out"
      grep -q -- "$named" <<<"$out" || fail "'$*': '$named' is not named: $out"
      grep -Eq "stoi|stoul|stod|_M_|vector::|basic_string|json\.exception|std::|bad_alloc|internal error" \
        <<<"$out" && fail "'$*': an internal text: $out"
      true
    }
    for m in cut-json no-input rows-text rows-negative outputs-huge layers-number network-string \
             divisor-text header-json; do
      check 1 "$m.st" "$bin" eval --model "$d/$m.st" --data-dir "$scratch/tiny" --device host
    done
    check 1 "network description" "$bin" predict --model "$d/rows-negative.st" "$d/good.pgm"
    check 2 "99999999999:0" "$bin" train --device 99999999999:0 --data-dir "$scratch/tiny"
    check 2 "99999999999:0" "$bin" bench --device 99999999999:0 --data-dir "$scratch/tiny"
    check 2 "huge.cfg line 1" "$bin" train --config "$d/huge.cfg" --data-dir "$scratch/tiny"
    check 2 "learning-rate" "$bin" train --learning-rate 1e999 --data-dir "$scratch/tiny"
    # Memory that runs out is said so, with what to make smaller (not in a sanitizer build, which
    # cannot start under a limit of address space).
    if (ulimit -v 800000; "$bin" --version >/dev/null 2>&1); then
      check 1 "out of memory" bash -c "ulimit -v 800000; exec $(printf '%q ' "$bin") train \
        --device host --data-dir $(printf '%q' "$scratch/tiny") --validation-size 200 \
        --batch-size 50 --hidden 1048576 --max-steps 1 --save-model ''"
    else
      echo "SKIP part: this build cannot run under ulimit -v (a sanitizer build)"
    fi
    echo "$n corrupt inputs, no internal text"
    ;;
  *) fail "unknown case" ;;
esac
