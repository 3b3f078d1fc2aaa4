#!/usr/bin/env bash
# CLI cases of `predict --raw`, `predict --save-prepared` and what `eval` names (issue 26),
# sourced by cli_test.sh (which defines bin, case, scratch and fail).
here=$(cd "$(dirname "$0")" && pwd)

# Tiny 28x28 data of ten classes in $scratch/tiny and a softmax model trained on it, m.st.
tiny_model() {
  /usr/bin/python3 "$here/make_tiny_mnist.py" "$scratch/tiny" --rows 28 --cols 28 --classes 10 \
    --test 310 >/dev/null
  cd "$scratch" || fail "cd"
  "$bin" train --device host --data-dir tiny --validation-size 200 --batch-size 50 \
    --max-epochs 3 --save-model m.st --quiet >/dev/null || fail "train exit $?"
}

# Test images 0..COUNT-1 of tiny/ as files in DIR, their pixels as stored: digitI.pgm (P5) and,
# for I = 0, digit0.ppm (colour P6 with R = G = B, which gray keeps exactly).
write_test_digits() {  # DIR COUNT
  /usr/bin/python3 - "$1" "$2" <<'PY' || fail "writing the test digits"
import os, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
data = open("tiny/t10k-images-idx3-ubyte", "rb").read()
for i in range(count):
    px = data[16 + 784 * i:16 + 784 * (i + 1)]
    open(os.path.join(out, "digit%d.pgm" % i), "wb").write(b"P5\n28 28\n255\n" + px)
    if i == 0:
        rgb = bytes(v for p in px for v in (p, p, p))
        open(os.path.join(out, "digit0.ppm"), "wb").write(b"P6\n28 28\n255\n" + rgb)
PY
}

# The "probabilities" of each JSON line on standard input, one line each, as printed.
probabilities() {
  /usr/bin/python3 -c 'import json, sys
for line in sys.stdin: print(json.loads(line)["probabilities"])'
}

case $case in
  predict_raw_is_the_test_digit)
    # A 28x28 MNIST-form digit with --raw is what the network sees of that test image: the same
    # probabilities as `predict --count` (which predicts the test set directly), to the bit;
    # without --raw the digit is prepared again and its probabilities change.
    tiny_model
    write_test_digits raw 10
    files=(); for i in $(seq 0 9); do files+=("raw/digit$i.pgm"); done
    direct=$("$bin" predict --model m.st --data-dir tiny --device host --count 10 --json \
             2>/dev/null) || fail "predict --count --json exit $?"
    got=$("$bin" predict --model m.st --device host --json --raw "${files[@]}" 2>/dev/null) \
      || fail "predict --raw exit $?"
    head -n 2 <<<"$got"
    [ "$(probabilities <<<"$got")" = "$(probabilities <<<"$direct")" ] \
      || fail "--raw predicted the test digits unlike --count: $got vs $direct"
    [ "$(wc -l <<<"$got")" = 10 ] || fail "not ten results: $got"
    colour=$("$bin" predict --model m.st --device host --json --raw raw/digit0.ppm 2>/dev/null) \
      || fail "colour --raw exit $?"
    [ "$(probabilities <<<"$colour")" = "$(head -n 1 <<<"$direct" | probabilities)" ] \
      || fail "a colour image of the same pixels predicted differently: $colour"
    prepared=$("$bin" predict --model m.st --device host --json "${files[@]}" 2>/dev/null) \
      || fail "predict without --raw exit $?"
    [ "$(probabilities <<<"$prepared")" != "$(probabilities <<<"$direct")" ] \
      || fail "preparing the digits again changed nothing: the case cannot tell --raw from it"
    # Another size with --raw is that image's error, naming both sizes; the others are predicted.
    /usr/bin/python3 "$here/make_seven.py" img >/dev/null
    out=$("$bin" predict --model m.st --device host --raw raw/digit1.pgm img/seven.pgm 2>&1); rc=$?
    echo "$out"
    [ $rc = 1 ] || fail "a 40x40 image with --raw: exit $rc, not 1"
    grep -q "^raw/digit1.pgm: 1 (p = " <<<"$out" || fail "the 28x28 image was not predicted"
    grep -q "img/seven.pgm: the image is 40x40 pixels.*--raw takes images of the model's input size, 28x28" \
      <<<"$out" || fail "the size error does not name both sizes"
    # --raw applies to images only.
    "$bin" predict --model m.st --data-dir tiny --device host --raw >/dev/null 2>&1; rc=$?
    [ $rc = 2 ] || fail "--raw without images: exit $rc, not 2"
    ;;
  predict_save_prepared_is_what_was_seen)
    # --save-prepared DIR holds, per image, the 28x28 picture the network was given: predicted
    # with --raw it gives the probabilities the original gave; with --raw it is the image as
    # given. Two images with one name get two files; the directory is checked before any work.
    tiny_model
    write_test_digits raw 2
    /usr/bin/python3 "$here/make_seven.py" a >/dev/null
    /usr/bin/python3 "$here/make_seven.py" b >/dev/null
    out=$("$bin" predict --model m.st --device host --json --save-prepared seen a/seven.pgm \
          b/seven.bmp raw/digit0.pgm 2>/dev/null) || fail "--save-prepared exit $?"
    echo "$out"
    [ "$(LC_ALL=C ls seen | tr '\n' ' ')" = "digit0.png seven-2.png seven.png " ] \
      || fail "not one file per image, named after it: $(ls seen)"
    /usr/bin/python3 -c 'import json, sys
got = [json.loads(l).get("prepared") for l in sys.stdin]
want = ["seen/seven.png", "seen/seven-2.png", "seen/digit0.png"]
sys.exit(0 if got == want else "prepared: %r, not %r" % (got, want))' <<<"$out" \
      || fail "the JSON does not name each prepared file"
    again=$("$bin" predict --model m.st --device host --json --raw seen/seven.png \
            seen/seven-2.png seen/digit0.png 2>/dev/null) || fail "--raw on the prepared exit $?"
    [ "$(probabilities <<<"$again")" = "$(probabilities <<<"$out")" ] \
      || fail "the prepared images are not what the network saw: $again"
    "$bin" predict --model m.st --device host --raw --save-prepared seen-raw raw/digit1.pgm \
      >text 2>/dev/null || fail "--raw --save-prepared exit $?"
    cat text
    grep -q "as the network saw them (28x28, PNG) are in seen-raw" text \
      || fail "the text does not say where the images went"
    /usr/bin/python3 -c 'import sys
sys.path.insert(0, sys.argv[1])
from check_pictures import png_pixels
w, h, px = png_pixels("seen-raw/digit1.png")
given = open("raw/digit1.pgm", "rb").read()[-784:]
sys.exit(0 if (w, h) == (28, 28) and b"".join(px) == given else "pixels differ")' "$here" \
      || fail "--raw --save-prepared did not write the image as given"
    # Refused before any work (exit 2, nothing written): a file as DIR, a file of DIR that is
    # an input, and no images.
    for args in "--save-prepared raw/digit0.pgm raw/digit1.pgm" \
                "--save-prepared raw raw/digit0.png" "--save-prepared '' raw/digit0.pgm" \
                "--save-prepared out2 --data-dir tiny"; do
      cp raw/digit0.pgm raw/digit0.png
      out=$(eval "\"$bin\" predict --model m.st --device host $args" 2>&1); rc=$?
      echo "$args -> $rc: $(head -n 1 <<<"$out")"
      [ $rc = 2 ] || fail "'$args': exit $rc, not 2"
      cmp -s raw/digit0.pgm raw/digit0.png || fail "'$args' replaced an input"
    done
    [ ! -e out2 ] || fail "a refused command created its directory"
    ;;
  eval_names_model_and_batch)
    # eval names the model file and its network, and counts whole minibatches of the model's
    # own batch size: 20 for theano-mlp (300 of 310 images), not 600 (fewer than one).
    tiny_model
    "$bin" train --device host --preset theano-mlp --hidden 20 --data-dir tiny \
      --validation-size 200 --max-epochs 1 --save-model mlp.st --quiet >/dev/null \
      || fail "train theano-mlp exit $?"
    out=$("$bin" eval --model mlp.st --data-dir tiny --device host 2>&1) || fail "eval exit $?"
    echo "$out"
    grep -q "^Model mlp.st: 784-20 tanh-10 softmax$" <<<"$out" || fail "the model is not named"
    grep -q "over the first 300 samples" <<<"$out" || fail "not 300 samples counted"
    grep -q "whole minibatches of 20," <<<"$out" || fail "not the model's batch size"
    ;;
  *)
    echo "cli_predict.sh: no case '$case'" >&2
    exit 2
    ;;
esac
