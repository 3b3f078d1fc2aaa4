#!/usr/bin/env bash
# CLI case of untrusted text on the terminal (issue 25, class 8): escape sequences and line ends in
# model files, file names, bench records and config files are shown escaped, never acted on.
# Sourced by cli_test.sh (which defines bin, case, scratch and fail).
# shellcheck source=tests/cli_helpers.sh
source "$(dirname "$0")/cli_helpers.sh"

title=$'\e]0;pwned\a' clear=$'\e[2J'

# raw_free FILE WHAT: fails unless FILE (a command's stdout and stderr) holds no ESC, BEL or C1
# control and shows the escape it was given as text (\x1b).
raw_free() {
  /usr/bin/python3 - "$1" "$2" <<'PY' || fail "$2: raw control bytes reach the terminal"
import sys
data = open(sys.argv[1], "rb").read()
print((sys.argv[2] + ": " + data.decode("utf-8", "replace")[:300]).replace("\x1b", "<ESC>"))
bad = [b for b in (b"\x1b", b"\x07", b"\xc2\x9b") if b in data]
sys.exit(1 if bad or b"\\x1b" not in data else 0)
PY
}

# header_edit IN OUT KIND: a copy of the safetensors file IN with an escape in its model format
# (KIND format) or in the name of a tensor of dtype F16 (KIND tensor).
header_edit() {
  /usr/bin/python3 - "$1" "$2" "$3" "$title$clear" <<'PY'
import json, struct, sys
src, dst, kind, evil = sys.argv[1:5]
raw = open(src, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
if kind == "format":
    header["__metadata__"]["format"] = evil
else:
    header[evil] = dict(header["b"], dtype="F16")
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + raw[8 + n:])
PY
}

# bench_record FILE HOST DEVICE FACTOR: a minimal bench record of schema 2, one passed device.
bench_record() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, host, device, factor = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
us = 1000.0 / factor
record = {"schema_version": 2, "context": {"host_name": host},
          "protocol": {"preset": "theano", "batch_size": 600},
          "devices": [{"correctness": {"passed": True},
                       "device": {"name": device, "stable_address": device},
                       "train": {"us_per_iteration": us, "us_per_iteration_min": us,
                                 "us_per_iteration_max": us, "samples_per_second": 600e3 / us,
                                 "epochs_per_second": 1e3 / us / 83}}]}
open(path, "w").write(json.dumps(record))
PY
}

case $case in
  terminal_text_escaped)
    d=$scratch/term
    model_and_digit "$d"
    # Model files: an escape in the format, in a tensor's name.
    for kind in format tensor; do
      header_edit "$d/m.st" "$d/$kind.st" $kind
      for cmd in "eval --data-dir $scratch/tiny --device cpu" "predict $d/good.pgm --device cpu" \
                 "export --format npy --output $d/npy-$kind"; do
        # shellcheck disable=SC2086
        "$bin" $cmd --model "$d/$kind.st" >"$d/out" 2>&1 && fail "$cmd ($kind): exit 0"
        raw_free "$d/out" "$cmd ($kind)"
      done
    done
    # An image named with a line end and an escape, and a missing one named so: one result
    # line for the image, one error line for the missing one.
    evil="$d/two"$'\n'"lines$clear$title.pgm"
    cp "$d/good.pgm" "$evil"
    "$bin" predict --device cpu --model "$d/m.st" "$evil" "$d/good.pgm" "$evil-gone" \
      >"$d/stdout" 2>"$d/stderr" && fail "predict with a missing image: exit 0"
    cat "$d/stdout" "$d/stderr" > "$d/out"
    raw_free "$d/out" "predict (names)"
    [ "$(grep -c ': [0-9] (p = ' "$d/stdout")" = 2 ] || fail "not one result line an image"
    [ "$(grep -vc '^ ' "$d/stdout")" = 2 ] || fail "a name made a line of its own"
    grep -q '^.*/two\\nlines\\x1b\[2J\\x1b\]0;pwned\\x07\.pgm: [0-9] (p = ' "$d/stdout" \
      || fail "the name is not shown escaped"
    grep -q '^clmnist predict: .*/two\\nlines.*-gone: ' "$d/stderr" \
      || fail "the missing image's error is not one line"
    # A config file: an escape in a value and in a key; an option value on the command line.
    printf 'learning-rate = %s\n' "$clear" > "$d/value.cfg"
    printf '%s = 1\n' "$title" > "$d/key.cfg"
    for args in "--config $d/value.cfg" "--config $d/key.cfg" "--preset $clear"; do
      # shellcheck disable=SC2086
      "$bin" train --data-dir "$scratch/tiny" $args >"$d/out" 2>&1
      rc=$?; what="train ${args//$'\e'/<ESC>}"  # the test's own log shows no escape either
      [ $rc = 2 ] || fail "$what: exit $rc, not 2"
      raw_free "$d/out" "$what"
    done
    # Bench records: escapes in the host and device names; the chart's labels are cut through a
    # multi-byte character and hold control bytes, and the SVG must stay well-formed XML.
    bench_record "$d/a.json" "evil$title" "pocl/$clear"$'\n'"dev" 1
    # "2: 1.50x " and 25 h are 34 bytes: the label's cut at 35 falls inside the first '€' (the
    # cut before the fix came at 37, inside the first '€' of c.json's label).
    bench_record "$d/b.json" "$(printf 'h%.0s' $(seq 25))€€€€" $'pocl/\x01\x7f\xc2\x9b' 1.5
    bench_record "$d/c.json" "$(printf 'h%.0s' $(seq 27))€€€€" "pocl/cpu" 1.5
    "$bin" bench compare "$d/a.json" "$d/b.json" "$d/c.json" --plot "$d/c.svg" >"$d/out" 2>&1 \
      || fail "bench compare exit $?"
    raw_free "$d/out" "bench compare"
    # Each name one cell of its row, escaped: no line of its own.
    grep -q '^host  *evil\\x1b\]0;pwned\\x07 ' "$d/out" || fail "bench compare: the host not in its row"
    grep -q '^device  *pocl/\\x1b\[2J\\ndev ' "$d/out" || fail "bench compare: the device not in its row"
    "$bin" bench compare "$d/a.json" "$d/b.json" --baseline "$title" >"$d/out" 2>&1
    rc=$?; [ $rc = 2 ] || fail "--baseline with an escape: exit $rc, not 2"
    raw_free "$d/out" "bench compare --baseline"
    /usr/bin/python3 - "$d/c.svg" <<'PY' || fail "the chart is not well-formed XML"
import sys
import xml.etree.ElementTree as ET
texts = [t.text or "" for t in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")]
print("labels:", texts)
assert any("\\x1b" in t for t in texts), "the escape is not shown"
assert not any(c < " " and c != "\n" for t in texts for c in t), "a control character"
PY
    ;;
  *)
    echo "cli_terminal.sh: no case '$case'" >&2
    exit 2
    ;;
esac
