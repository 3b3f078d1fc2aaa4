#!/usr/bin/env bash
# CLI cases of files as inputs and outputs (issue 11's classes): special files, inputs that are
# not regular files, outputs that are inputs, groups of outputs. Sourced by cli_test.sh (which
# defines bin, case, scratch, fail and need_mnist).
# shellcheck source=tests/cli_helpers.sh
source "$(dirname "$0")/cli_helpers.sh"
case $case in
  special_file_outputs)
    tiny
    d=$scratch/out; rm -rf "$d"; mkdir -p "$d"
    # A character device is written into, never replaced (root only: mknod).
    if [ "$(id -u)" = 0 ]; then
      mknod "$d/null" c 1 3 && mknod "$d/null2" c 1 3 || fail "mknod"
      short_train --save-model "$d/null" --summary-json "$d/null2" --checkpoint "$d/ck" >/dev/null \
        || fail "writing into a character device exit $?"
      [ -c "$d/null" ] && [ -c "$d/null2" ] || fail "a character device was replaced"
    else
      echo "SKIP part: not root, so no character device can be made for the test"
    fi
    # A FIFO, a socket-like non-file and a read-only file are refused before any work (exit 2) and
    # stay as they were.
    mkfifo "$d/fifo"
    out=$(short_train --summary-json "$d/fifo" 2>&1); rc=$?
    echo "$out" | tail -2
    [ $rc = 2 ] || fail "a FIFO output: exit $rc, not 2"
    grep -q "FIFO" <<<"$out" || fail "a FIFO output: no clear message"
    [ -p "$d/fifo" ] || fail "the FIFO was replaced"
    grep -q "Optimization complete" <<<"$out" && fail "training ran before the refusal"
    echo keep > "$d/ro.json"; chmod 444 "$d/ro.json"
    out=$(short_train --summary-json "$d/ro.json" 2>&1); rc=$?
    [ $rc = 2 ] || fail "a read-only output: exit $rc, not 2"
    grep -q "read-only" <<<"$out" || fail "a read-only output: no clear message: $out"
    [ "$(cat "$d/ro.json")" = keep ] || fail "the read-only file was changed"
    # A symbolic link is followed: its target is replaced, the link stays a link.
    echo old > "$d/real.json"; ln -s real.json "$d/link.json"
    short_train --save-model "" --summary-json "$d/link.json" >/dev/null || fail "symlink exit $?"
    [ -L "$d/link.json" ] || fail "the symbolic link was replaced by a file"
    grep -q '"epochs"' "$d/real.json" || fail "the link's target was not written"
    # An existing file keeps its permission bits.
    echo old > "$d/mode.json"; chmod 640 "$d/mode.json"
    short_train --save-model "" --summary-json "$d/mode.json" >/dev/null || fail "mode exit $?"
    [ "$(stat -c %a "$d/mode.json")" = 640 ] || fail "mode changed to $(stat -c %a "$d/mode.json")"
    ;;
  inputs_must_be_regular_files)
    # A FIFO or a device as any input is refused at once, never read until it hangs or fills
    # memory. timeout turns a hang into a failure.
    tiny
    d=$scratch/in; rm -rf "$d"; mkdir -p "$d"
    mkfifo "$d/fifo"; ln -s /dev/zero "$d/zero"
    short_train --save-model "$d/m.st" --max-steps 3 >/dev/null || fail "training a model"
    cp -r "$scratch/tiny" "$d/data"; rm "$d/data/t10k-images-idx3-ubyte"*
    mkfifo "$d/data/t10k-images-idx3-ubyte"
    for input in fifo zero; do
      for args in "eval --model $d/$input --data-dir $scratch/tiny" \
                  "predict --model $d/m.st $d/$input" "export --model $d/$input --format npy --output $d/npy" \
                  "train --config $d/$input --data-dir $scratch/tiny" \
                  "train --resume $d/$input --data-dir $scratch/tiny"; do
        # shellcheck disable=SC2086
        out=$(timeout 20 "$bin" $args 2>&1); rc=$?
        echo "$args -> $rc: $(tail -2 <<<"$out" | head -1)"
        [ $rc = 124 ] && fail "'$args' hangs"
        { [ $rc = 1 ] || [ $rc = 2 ]; } || fail "'$args' exit $rc"
        grep -qE "FIFO|device|regular file" <<<"$out" || fail "'$args': no clear message: $out"
      done
    done
    out=$(timeout 20 "$bin" eval --model "$d/m.st" --data-dir "$d/data" 2>&1); rc=$?
    echo "FIFO as a data file -> $rc: $(tail -1 <<<"$out")"
    [ $rc = 124 ] && fail "a FIFO data file hangs"
    [ $rc = 1 ] || fail "a FIFO data file: exit $rc"
    grep -q "FIFO" <<<"$out" || fail "a FIFO data file: no clear message"
    ;;
  outputs_never_destroy_inputs)
    # An output that is an input or another output, however it is spelled, is refused with exit 2
    # before any work, and every file stays as it was.
    tiny
    d=$scratch/io; rm -rf "$d"; mkdir -p "$d"
    short_train --save-model "$d/m.st" --max-steps 3 >/dev/null || fail "training a model"
    ln -s m.st "$d/link.st"
    ln -s new.st "$d/dangling.ck"  # a checkpoint through a link to the model's name
    printf 'learning-rate = 0.1\n' > "$d/c.cfg"
    sums() { sha256sum "$scratch/tiny"/* "$d/m.st" "$d/c.cfg" | sha256sum; }
    before=$(sums)
    for args in "train --device cpu --data-dir $scratch/tiny --validation-size 200 --save-model $scratch/tiny/./train-images-idx3-ubyte" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --summary-json $scratch/tiny/../tiny/t10k-labels-idx1-ubyte" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --config $d/c.cfg --save-model $d/./c.cfg" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --save-model $d/a.st --summary-json $d/../io/a.st" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --save-model $d/b.st --checkpoint $d/./b.st" \
                "export --model $d/m.st --format onnx --output $d/link.st" \
                "export --model $d/link.st --format onnx --output $d/./m.st" \
                "bench --device cpu --data-dir $scratch/tiny --quick --json $scratch/tiny/train-labels-idx1-ubyte" \
                "bench compare $d/c.cfg --plot $d/./c.cfg" \
                "bench --device cpu --data-dir $scratch/tiny --quick --config $d/c.cfg --json $d/c.cfg" \
                "bench --device cpu --data-dir $scratch/tiny --quick --tuning-file $d/t.json --csv $d/../io/t.json" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --tuning-file $d/t.json --save-model $d/./t.json" \
                "train --device cpu --data-dir $scratch/tiny --validation-size 200 --save-model $d/new.st --checkpoint $d/dangling.ck" \
                "tune --device cpu --data-dir $scratch/tiny --tuning-file $scratch/tiny/t10k-images-idx3-ubyte" \
                "export --model $d/m.st --format onnx --output $d/c.cfg --config $d/c.cfg"; do
      # shellcheck disable=SC2086
      out=$("$bin" $args 2>&1); rc=$?
      echo "$args -> $rc: $(tail -2 <<<"$out" | head -1)"
      [ $rc = 2 ] || fail "'$args' exit $rc, not 2"
      grep -qE "same file|this command reads" <<<"$out" || fail "'$args': no clear message"
      grep -q "Optimization complete" <<<"$out" && fail "'$args' trained before refusing"
    done
    [ "$(sums)" = "$before" ] || fail "an input was changed"
    [ -L "$d/link.st" ] || fail "the link was replaced"
    [ ! -e "$d/new.st" ] && [ ! -e "$d/t.json" ] || fail "an output was written"
    ;;
  outputs_keep_owner_and_groups)
    # Replacing a file keeps its owner (as root) and permission bits less setuid and setgid, and
    # says so where it breaks a hard link; groups written by two processes into one directory
    # end whole.
    model_and_digit "$scratch/own"
    d=$scratch/own
    short_train --learning-rate 0.5 --save-model "$d/b.st" >/dev/null || fail "second model"
    cp "$d/m.st" "$d/r.st"; ln -f "$d/r.st" "$d/r-link.st"
    if [ "$(id -u)" = 0 ]; then chown nobody:nogroup "$d/r.st"; else echo "(owner: not root, not checked)"; fi
    chmod 6750 "$d/r.st"
    out=$(short_train --save-model "$d/r.st" 2>&1) || fail "training over r.st"
    [ "$(stat -c %a "$d/r.st")" = 750 ] || fail "mode after replacing: $(stat -c %a "$d/r.st"), not 750"
    if [ "$(id -u)" = 0 ]; then
      [ "$(stat -c %U:%G "$d/r.st")" = nobody:nogroup ] || fail "owner: $(stat -c %U:%G "$d/r.st")"
    fi
    grep -q "warning: '$d/r.st' has 2 names (hard links)" <<<"$out" || fail "no hard link warning"
    cmp -s "$d/m.st" "$d/r-link.st" || fail "the other name of the hard link changed"
    "$bin" export --model "$d/m.st" --format npy --output "$d/a" >/dev/null
    "$bin" export --model "$d/b.st" --format npy --output "$d/b" >/dev/null
    cmp -s "$d/a/W.npy" "$d/b/W.npy" && fail "the two models are alike"
    mkdir -p "$d/both"; mixed=0
    for i in $(seq 1 150); do
      "$bin" export --model "$d/m.st" --format npy --output "$d/both" >/dev/null &
      "$bin" export --model "$d/b.st" --format npy --output "$d/both" >/dev/null &
      wait
      w=none; b=neither
      for m in a b; do cmp -s "$d/both/W.npy" "$d/$m/W.npy" && w=$m; cmp -s "$d/both/b.npy" "$d/$m/b.npy" && b=$m; done
      [ "$w" = "$b" ] || mixed=$((mixed + 1))
    done
    echo "150 concurrent export pairs, $mixed mixed"
    [ $mixed = 0 ] || fail "$mixed of 150 concurrent export pairs left a mixed group"
    ;;
  output_groups_all_or_nothing)
    # Outputs that belong together are checked before any work and written old-or-new as a
    # group: export's one .npy per parameter; train's pictures, after the model and the summary.
    tiny
    d=$scratch/groups; rm -rf "$d"; mkdir -p "$d"
    short_train --save-model "$d/m.st" >/dev/null || fail "training a model"
    mkdir -p "$d/npy"; echo old > "$d/npy/W.npy"; mkdir "$d/npy/b.npy"
    out=$("$bin" export --model "$d/m.st" --format npy --output "$d/npy" 2>&1); rc=$?
    echo "export, b.npy a directory -> $rc: $out"
    [ $rc = 2 ] || fail "export with b.npy a directory: exit $rc, not 2"
    grep -q "b.npy" <<<"$out" || fail "export: b.npy not named"
    [ "$(cat "$d/npy/W.npy")" = old ] || fail "export replaced W.npy and then failed on b.npy"
    # A picture that cannot be written is found before training.
    mkdir -p "$d/plots/confusion.png"
    out=$(short_train --save-model "$d/m2.st" --summary-json "$d/s.json" --plot-dir "$d/plots" 2>&1); rc=$?
    echo "train, confusion.png a directory -> $rc: $(tail -1 <<<"$out")"
    [ $rc = 2 ] || fail "train with a picture that cannot be written: exit $rc, not 2"
    grep -q "confusion.png" <<<"$out" || fail "the picture is not named"
    grep -q "Optimization complete" <<<"$out" && fail "trained before refusing"
    [ -e "$d/m2.st" ] || [ -e "$d/s.json" ] && fail "an output was written"
    # The disk fills up while the pictures are written: the model and the summary (written
    # first) are complete, and the pictures are all the old ones.
    rm -rf "$d/plots"; mkdir -p "$d/plots"
    for f in learning_curves weights confusion; do
      for e in png svg; do echo old > "$d/plots/$f.$e"; done
    done
    # (The host backend: PoCL's own cache files would meet the limit first.)
    out=$( (trap '' XFSZ; ulimit -f 12; "$bin" train --device host --data-dir "$scratch/tiny" \
           --validation-size 200 --batch-size 50 --max-epochs 1 --save-model "$d/m3.st" \
           --summary-json "$d/s.json" --plot-dir "$d/plots") 2>&1); rc=$?
    echo "train, disk full at the pictures -> $rc: $(tail -1 <<<"$out")"
    [ $rc = 1 ] || fail "disk full at the pictures: exit $rc, not 1"
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$d/s.json" \
      || fail "the summary JSON was lost or cut"
    "$bin" eval --model "$d/m3.st" --data-dir "$scratch/tiny" --device host >/dev/null \
      || fail "the model was lost"
    for f in learning_curves weights confusion; do
      for e in png svg; do
        [ "$(cat "$d/plots/$f.$e")" = old ] || fail "$f.$e was replaced: a mix of old and new pictures"
      done
    done
    ls -a "$d/plots" | grep -q tmp && fail "a temporary file was left"
    true
    ;;
  *) fail "unknown case" ;;
esac
