#!/usr/bin/env bash
# CLI cases of crafted files (issue 25, class 1): files from strangers never crash, stall or
# exhaust memory. Sourced by cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
# shellcheck source=tests/cli_helpers.sh
source "$(dirname "$0")/cli_helpers.sh"

# craft IN OUT KIND: a copy of the safetensors file IN with one JSON value nested 100,000 levels
# deep (KIND "metadata": in the 'network' metadata text, "header": in the header itself), or with
# a network of 60,000 chained dense layers (KIND "layers").
craft() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import json, struct, sys
src, dst, kind = sys.argv[1:4]
raw = open(src, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
deep = "[" * 100000 + "]" * 100000
if kind == "layers":
    net = json.loads(header["__metadata__"]["network"])
    dense = [l for l in net["layers"] if l.get("type") == "dense"][0]
    layers = []
    for i in range(60000):
        layers.append(dict(dense, inputs=dense["inputs"] if i == 0 else 10, outputs=10,
                           weight="W%d" % i, bias="b%d" % i))
    net["layers"] = layers
    header["__metadata__"]["network"] = json.dumps(net)
    text = json.dumps(header)
elif kind == "metadata":
    header["__metadata__"]["network"] = deep
    text = json.dumps(header)
else:
    text = json.dumps(header)[:-1] + ', "deep": ' + deep + "}"
text = text.encode()
text += b" " * (-len(text) % 8)
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + raw[8 + n:])
PY
}

# expect_refusal WHAT OUTPUT RC: a clear error (exit 1 or 2, a message naming the nesting), not a
# crash (139 from a stack overflow) or a success.
expect_refusal() {
  echo "$1 -> $3: $2" | cut -c1-400
  case $3 in 1 | 2) ;; *) fail "$1: exit $3, not a clear error" ;; esac
  grep -q "nest deeper than 64 levels" <<<"$2" || fail "$1: the message does not say why"
}

# huge IN OUT: a copy of the safetensors file IN with every weight +-3e38 (finite, but every
# product overflows).
huge() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = bytearray(raw[8 + n:])
for name, t in header.items():
    if name == "__metadata__" or not name.startswith("W"):
        continue
    a, b = t["data_offsets"]
    for k, o in enumerate(range(a, b, 4)):
        data[o:o + 4] = struct.pack("<f", 3e38 if k % 2 == 0 else -3e38)
open(sys.argv[2], "wb").write(raw[:8 + n] + bytes(data))
PY
}

# edit IN OUT KEY=VALUE...: a copy of the safetensors file IN with metadata keys set; a KEY of
# "nan:NAME" (with an empty VALUE) puts a NaN into tensor NAME instead.
edit() {
  /usr/bin/python3 - "$@" <<'PY'
import json, struct, sys
src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
raw = open(src, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = bytearray(raw[8 + n:])
for e in edits:
    key, value = e.split("=", 1)
    if key.startswith("nan:"):
        a = header[key[4:]]["data_offsets"][0]
        data[a:a + 4] = struct.pack("<f", float("nan"))
    else:
        header["__metadata__"][key] = value
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + bytes(data))
PY
}

case $case in
  crafted_checkpoint_checked)
    # A checkpoint whose figures cannot be a run's: each resume is refused naming the file and
    # the key (exit 1), never a test performance of 700 %, 2^64 epochs or a skipped epoch.
    tiny
    # train never writes what clmnist would then refuse to read: images of 1 x 70,000 pixels
    # (the reader's side limit is 65,536) are refused before training, naming the limit.
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/wide" --train 40 --test 10 \
      --rows 1 --cols 70000 >/dev/null
    out=$("$bin" train --device cpu --data-dir "$scratch/wide" --validation-size 10 --batch-size 10 \
          --max-epochs 1 --save-model "$scratch/wide.st" 2>&1); rc=$?
    echo "images of 1 x 70000 -> $rc: $(tail -n 1 <<<"$out")"
    [ $rc = 1 ] || fail "wide images: exit $rc, not 1"
    grep -q "would make a model clmnist cannot read back: the image side 70000 is over the 65536" \
      <<<"$out" || fail "wide images: the limit is not named"
    [ ! -e "$scratch/wide.st" ] || fail "wide images: a model was written"
    # --hidden with a preset whose network is fixed: a usage error before the data is loaded.
    out=$("$bin" train --preset theano-lenet --hidden 5 --data-dir "$scratch/tiny" 2>&1); rc=$?
    [ $rc = 2 ] && grep -q "does not apply to theano-lenet" <<<"$out" \
      && ! grep -q "Loading" <<<"$out" || fail "--hidden with theano-lenet: exit $rc: $out"
    d=$scratch/ckpt; rm -rf "$d"; mkdir -p "$d"
    train=(train --device cpu --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50)
    "$bin" "${train[@]}" --max-epochs 3 --max-steps 30 --save-model "" --checkpoint "$d/c.ckpt" \
      >/dev/null 2>&1 || fail "training a checkpoint"
    "$bin" train --resume "$d/c.ckpt" --device cpu --data-dir "$scratch/tiny" --save-model "" \
      >/dev/null 2>&1 || fail "the untouched checkpoint does not resume"
    i=0
    for change in best_validation_error=-1 test_error=7 best_so_far=nan train_seconds=-5 \
                  epoch=18446744073709551614 best_iteration=99999 next_minibatch=99999 \
                  iterations=99999 nan:W=; do
      i=$((i + 1))
      edit "$d/c.ckpt" "$d/bad$i.ckpt" "$change"
      out=$("$bin" train --resume "$d/bad$i.ckpt" --device cpu --data-dir "$scratch/tiny" \
            --save-model "" 2>&1); rc=$?
      echo "$change -> $rc: $(tail -n 1 <<<"$out")" | cut -c1-300
      [ $rc = 1 ] || fail "$change: exit $rc, not 1"
      grep -q "bad$i.ckpt: .*the checkpoint is damaged: start the run again" <<<"$out" \
        || fail "$change: the file and the damage are not named"
    done
    ;;
  crafted_images_checked)
    # Each stb_image format, whole and cut to 60 %, and HDR headers that declare more pixels
    # than the cap or than their bytes hold, in one predict: every whole image is predicted,
    # every other one gets its own error (never a digit, never "no digit found"), exit 1.
    d=$scratch/img
    model_and_digit "$d"
    /usr/bin/python3 "$(dirname "$0")/make_stb_images.py" "$d/in"
    whole=(tga.tga tga-rle.tga ppm.ppm hdr.hdr gif.gif psd.psd)
    bad=(tga-cut.tga tga-rle-cut.tga ppm-cut.ppm hdr-cut.hdr gif-cut.gif psd-cut.psd huge.hdr big.hdr)
    args=(); for f in "${whole[@]}" "${bad[@]}"; do args+=("$d/in/$f"); done
    out=$(timeout 30 "$bin" predict --device cpu --model "$d/m.st" "${args[@]}" 2>&1); rc=$?
    echo "$out" | grep -v "^ "
    [ $rc = 1 ] || fail "predict exit $rc, not 1"
    for f in "${whole[@]}"; do
      grep -q "^$d/in/$f: [0-9] (p = " <<<"$out" || fail "$f: not predicted"
    done
    for f in "${bad[@]}"; do
      line=$(grep "predict: $d/in/$f: " <<<"$out") || fail "$f: no error of its own"
      grep -qE "ends before its pixels do|more than its [0-9]+ bytes can hold|more than the 64 M" \
        <<<"$line" || fail "$f: the reason is not the file's size: $line"
    done
    ;;
  crafted_useless_numbers)
    # A model whose weights are finite but make every output NaN: eval, predict on the test set
    # and on an image refuse it (exit 1, naming the model), never print a label or "-nan".
    d=$scratch/huge
    model_and_digit "$d"
    huge "$d/m.st" "$d/huge.st"
    for cmd in "eval --data-dir $scratch/tiny" "predict --data-dir $scratch/tiny --count 5" \
               "predict $d/good.pgm" "predict --json $d/good.pgm"; do
      # shellcheck disable=SC2086
      out=$("$bin" $cmd --device cpu --model "$d/huge.st" 2>&1); rc=$?
      echo "$cmd -> $rc: $out" | cut -c1-400
      [ $rc = 1 ] || fail "$cmd: exit $rc, not 1"
      grep -q "huge.st: the model's outputs for .* are not finite numbers" <<<"$out" \
        || fail "$cmd: the reason is not given"
      grep -qiE "nan|label\"|: [0-9] \(p =" <<<"$(grep -v "not finite" <<<"$out")" \
        && fail "$cmd: a figure or label from NaN outputs"
    done
    # The untouched model still predicts.
    "$bin" predict --device cpu --model "$d/m.st" "$d/good.pgm" >/dev/null 2>&1 \
      || fail "the good model does not predict"
    ;;
  crafted_json_bounded)
    # Deep nesting in a model's metadata, in a model's header, in a checkpoint, a tuning file and
    # a bench record; a model of 60,000 layers.
    tiny
    d=$scratch/deep; rm -rf "$d"; mkdir -p "$d"
    short_train --save-model "$d/m.st" --checkpoint "$d/c.ckpt" >/dev/null 2>&1 \
      || fail "training a model"
    for kind in metadata header; do
      craft "$d/m.st" "$d/$kind.st" $kind
      for cmd in "eval --device cpu --data-dir $scratch/tiny" "export --format npy --output $d/npy-$kind"; do
        # shellcheck disable=SC2086
        out=$("$bin" $cmd --model "$d/$kind.st" 2>&1); expect_refusal "$cmd ($kind)" "$out" $?
      done
      craft "$d/c.ckpt" "$d/$kind.ckpt" $kind
      out=$("$bin" train --device cpu --data-dir "$scratch/tiny" --resume "$d/$kind.ckpt" 2>&1)
      expect_refusal "train --resume ($kind)" "$out" $?
    done
    craft "$d/m.st" "$d/layers.st" layers
    out=$(timeout 120 "$bin" eval --device cpu --data-dir "$scratch/tiny" --model "$d/layers.st" 2>&1)
    rc=$?; echo "eval (60000 layers) -> $rc: $out" | cut -c1-300
    [ $rc = 1 ] || fail "60000 layers: exit $rc, not 1"
    grep -q "has 60000 layers, more than 1024" <<<"$out" || fail "60000 layers: not said"
    printf '{"format": %s}' "$(printf '[%.0s' $(seq 100000))" > "$d/tuning.json"
    out=$(CLMNIST_TUNING_FILE=$d/tuning.json "$bin" train --device cpu \
          --data-dir "$scratch/tiny" --validation-size 200 --batch-size 50 --max-epochs 1 \
          --save-model "" 2>&1)
    # The built-in settings with one warning naming the file (a tuning file only tunes).
    rc=$?; echo "train with a deep tuning file -> $rc: $(grep warning <<<"$out")"
    [ $rc = 0 ] || fail "a broken tuning file stopped training (exit $rc)"
    grep -q "warning: $d/tuning.json.*nest deeper than 64 levels.*built-in kernel settings" \
      <<<"$out" || fail "a broken tuning file is not named"
    printf '{"schema_version": 2, "devices": %s}' "$(printf '[%.0s' $(seq 100000))" > "$d/rec.json"
    out=$("$bin" bench compare "$d/rec.json" "$d/rec.json" 2>&1)
    expect_refusal "bench compare" "$out" $?
    ;;
  *)
    echo "cli_crafted.sh: no case '$case'" >&2
    exit 2
    ;;
esac
