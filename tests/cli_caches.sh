#!/usr/bin/env bash
# CLI cases of caches after a crash (issue 25, class 2): a damaged kernel binary cache entry or
# tuning file entry costs one warning and a rebuild or the built-in settings, never a crash, a hang
# or a refusal. Sourced by cli_test.sh (which defines bin, case, scratch, fail and need_mnist).

/usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny" >/dev/null

# entries DIR ACTION [OTHER]: applies ACTION to every kernel cache entry in DIR and prints how
# many it changed. zero: the binary's bytes zeroed (the header kept, as a rename without fsync can
# leave it); flip: 16 bytes of the binary flipped; splice: the binary of OTHER's entry for the same
# source with other build options put under this entry's key; check: every entry is of the
# current format, with its checksum right (healed).
entries() {
  /usr/bin/python3 - "$@" <<'PY'
import glob, os, random, struct, sys
action, d = sys.argv[1], sys.argv[2]
def parse(path):
    raw = open(path, "rb").read()
    fmt = struct.unpack_from("<I", raw, 8)[0]
    klen = struct.unpack_from("<Q", raw, 12)[0]
    key = raw[20:20 + klen]
    blen = struct.unpack_from("<Q", raw, 20 + klen)[0]
    start = 28 + klen
    return raw, fmt, key, start, blen
def fnv(data, h=1469598103934665603):
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h
changed = 0
for path in sorted(glob.glob(d + "/*.bin")):
    raw, fmt, key, start, blen = parse(path)
    body = bytearray(raw[start:start + blen])
    if action == "zero":
        body = bytearray(blen)
    elif action == "flip":
        rng = random.Random(path)
        for i in rng.sample(range(blen), 16):
            body[i] ^= 0xFF
    elif action == "splice":
        src = key.split(b"\noptions:")[0]
        others = [parse(p) for p in glob.glob(sys.argv[3] + "/*.bin")]
        alien = [o for o in others if o[2].split(b"\noptions:")[0] == src and o[2] != key]
        if not alien:
            continue
        o = alien[0]
        body = bytearray(o[0][o[3]:o[3] + o[4]])
    elif action == "check":
        assert fmt == 2, (path, fmt)
        (sum_,) = struct.unpack_from("<Q", raw, start + blen)
        assert sum_ == fnv(raw[start:start + blen], fnv(key)), path
        continue
    open(path, "wb").write(raw[:start - 8] + struct.pack("<Q", len(body)) + bytes(body) +
                           raw[start + blen:])
    changed += 1
print(changed)
PY
}

case $case in
  caches_kernel_binary_heals)
    # Each kind of damage: the run succeeds with the same log, one warning per damaged entry
    # naming it, and the entry is rebuilt (checked by its checksum); a FIFO does not hang a run.
    kc=$scratch/kc
    run() {
      timeout 60 "$bin" train --device cpu --data-dir "$scratch/tiny" --validation-size 200 \
        --batch-size 50 --max-epochs 1 --save-model "" --kernel-cache-dir "$kc" "$@" 2>&1
    }
    log() { grep "validation error\|test error" <<<"$1"; }
    rm -rf "$kc" "$scratch/kc-good" "$scratch/kc-other"
    ref=$(run) || fail "first run exit $?: $ref"
    echo "$ref"
    grep -q "warning" <<<"$ref" && fail "a warning with an empty cache: $ref"
    [ -n "$(log "$ref")" ] || fail "no training log: $ref"
    cp -r "$kc" "$scratch/kc-good"
    # Binaries of the same sources with other -D options, for the splice.
    run --tune split=7 >/dev/null || fail "the split=7 run failed"
    mv "$kc" "$scratch/kc-other"
    for damage in zero flip splice fifo; do
      rm -rf "$kc"; cp -r "$scratch/kc-good" "$kc"
      if [ $damage = fifo ]; then
        n=0
        for f in "$kc"/*.bin; do rm "$f"; mkfifo "$f"; n=$((n + 1)); done
      else
        n=$(entries $damage "$kc" "$scratch/kc-other") || fail "$damage: cannot damage the cache"
      fi
      [ "$n" -ge 1 ] || fail "$damage: no entry damaged"
      out=$(run); rc=$?
      echo "$damage ($n entries) -> $rc: $out" | head -c 3000; echo
      [ $rc -eq 0 ] || fail "$damage: exit $rc"
      [ "$(log "$out")" = "$(log "$ref")" ] || fail "$damage: another training log"
      [ "$(grep -c "warning: kernel cache entry '$kc/[0-9a-f]*\.bin' .*; built cl/.* from source and replaced the entry" <<<"$out")" = "$n" ] \
        || fail "$damage: not one warning per damaged entry naming it"
      [ "$(grep -c warning <<<"$out")" = "$n" ] || fail "$damage: other warnings"
      entries check "$kc" >/dev/null || fail "$damage: the entries were not healed"
      [ -z "$(find "$kc" -not -type f -not -type d)" ] || fail "$damage: something not a file is left"
    done
    out=$(run) || fail "the healed cache: exit $?"
    grep -q "warning" <<<"$out" && fail "a warning after healing: $out"
    true
    ;;
  caches_tuning_entries_checked)
    # tune on a fresh account makes its directory; a bad entry costs one warning naming the file
    # and the entry, the good ones still apply; a bad matching entry leaves the built-in settings.
    big=$scratch/big xdg=$scratch/xdg
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$big" --train 18000 >/dev/null
    rm -rf "$xdg"; mkdir -p "$xdg"
    out=$(env -u CLMNIST_TUNING_FILE XDG_CACHE_HOME="$xdg" "$bin" tune --device cpu --impl gpu \
          --quick --budget 5 --rounds 1 --data-dir "$big" 2>&1) || fail "tune, fresh account: exit $?: $out"
    f=$xdg/clmnist/tuning.json
    [ -f "$f" ] || fail "tune stored no $f: $out"
    # entries KIND: rewrites $f from its first good entry (the gpu family with small groups).
    entries() {
      /usr/bin/python3 - "$f" "$1" <<'PY'
import copy, json, sys
path, kind = sys.argv[1:3]
j = json.load(open(path))
good = [e for e in j["entries"] if isinstance(e.get("tunables"), dict)][0]
good["impl"], good["tunables"] = "gpu", {"fwd_wg": 64, "upd_wg": 64, "fwd_cols": 16, "upd_cols": 16}
def bad(**kw):
    e = copy.deepcopy(good); e.update(kw); return e
if kind == "mixed":
    gone = copy.deepcopy(good); del gone["device"]
    j["entries"] = [bad(tunables={"fwd_wg": -1}), bad(tunables={"fwd_wg": 1e10}), gone,
                    bad(impl=5), good]
else:
    j["entries"] = [{"vec3": bad(impl="fused", tunables={"vec": 3}),
                     "split": bad(impl="fused", tunables={"split": 100000}),
                     "minus": bad(impl="fused", tunables={"vec": -1}),
                     "host": bad(impl="host", tunables={})}[kind]]
json.dump(j, open(path, "w"))
PY
    }
    run() {
      "$bin" train --device cpu --data-dir "$big" --max-epochs 1 --save-model "" \
        --kernel-cache-dir "$scratch/kc" "$@" 2>&1
    }
    log() { grep "validation error\|test error" <<<"$1"; }
    ref=$(run --tuning-file "$scratch/none.json") || fail "default run: exit $?: $ref"
    entries mixed
    out=$(run --tuning-file "$f"); rc=$?
    echo "mixed -> $rc: $out"
    [ $rc -eq 0 ] || fail "mixed entries: exit $rc"
    for n in 1 2 3 4; do
      [ "$(grep -c "warning: tuning file $f, entry $n: .*; the entry is skipped" <<<"$out")" = 1 ] \
        || fail "entry $n: not one warning naming the file and the entry"
    done
    [ "$(grep -c warning <<<"$out")" = 4 ] || fail "mixed entries: other warnings"
    grep -q 'entry 1: tunable "fwd_wg" is -1, not a whole number' <<<"$out" || fail "-1 not named"
    grep -q 'entry 2: tunable "fwd_wg" is 1[0-9.e+]*, not a whole number' <<<"$out" || fail "1e10 not named"
    grep -q "^Kernels tuned for this device on .*: gpu fwd_cols=16" <<<"$out" || fail "the good entry was not used"
    for kind in vec3 split minus host; do
      entries $kind
      out=$(run --tuning-file "$f"); rc=$?
      echo "$kind -> $rc: $out"
      [ $rc -eq 0 ] || fail "$kind: exit $rc"
      [ "$(grep -c "warning: tuning file $f, entry 1: .*; the entry is skipped" <<<"$out")" = 1 ] \
        || fail "$kind: not one warning naming the file and the entry"
      grep -q "Kernels tuned" <<<"$out" && fail "$kind: the bad entry was used"
      [ "$(log "$out")" = "$(log "$ref")" ] || fail "$kind: not the built-in settings' log"
    done
    printf '{"format": "clmnist-tuning-1", "entries": [' > "$f"
    out=$(run --tuning-file "$f"); rc=$?
    echo "malformed -> $rc: $out"
    [ $rc -eq 0 ] || fail "malformed file: exit $rc"
    grep -q "warning: $f is not a clmnist tuning file (not JSON: an error at byte [0-9]*)" <<<"$out" \
      || fail "malformed file: no warning naming it in clmnist's words"
    grep -qi "syntax error\|json.exception\|parse error" <<<"$out" && fail "the JSON library's text shown"
    true
    ;;
  *) fail "unknown case" ;;
esac
