#!/usr/bin/env bash
# The CLI cases of `clmnist tune` and of the tuned choice, sourced by cli_test.sh (which defines
# bin, case, scratch, fail and need_mnist).
case $case in
  tune_cache_used_and_invalidated)
    # tune stores a winner checked against the host; train uses a stored choice only for the same
    # device, driver, kernel sources and shape; --tune overrides it; bad tunables exit 2.
    need_mnist
    f=$scratch/tuning.json
    rm -f "$f"
    out=$("$bin" tune --device cpu --impl gpu --quick --budget 5 --rounds 1 --tuning-file "$f" 2>&1) \
      || fail "tune exit $?: $out"
    echo "$out"
    grep -q "^  ok  *gpu fwd_cols=" <<<"$out" || fail "no gpu candidate checked against the host"
    grep -q "Stored in $f" <<<"$out" || fail "tune did not say where it stored the winner"
    /usr/bin/python3 - "$f" <<'EOF' || fail "tuning file"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["format"] == "clmnist-tuning-1", j
(e,) = j["entries"]
for k in ("device", "vendor", "driver", "kernel_sources", "impl", "tunables", "step_us", "tuned_at"):
    assert e.get(k) not in (None, ""), (k, e)
assert e["shape"] == "784-10 softmax, batch 600", e["shape"]
assert e["step_us"] > 0 and e["default_step_us"] > 0, e
# A distinctive choice for the checks below: the gpu family with small groups.
e["impl"], e["tunables"] = "gpu", {"fwd_wg": 64, "upd_wg": 64, "fwd_cols": 16, "upd_cols": 16}
json.dump(j, open(sys.argv[1], "w"))
EOF
    # run_train LABEL [args]: one epoch with the tuning file; prints the output, keeps s.json.
    run_train() {
      "$bin" train --device cpu --max-epochs 1 --tuning-file "$f" --summary-json "$scratch/s.json" \
        --save-model "$scratch/best.safetensors" \
        "${@:2}" 2>&1 || fail "$1: train exit $?"
    }
    summary() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$1)" "$scratch/s.json"; }
    line1="epoch 1, minibatch 83/83, validation error 12.458333 %"
    out=$(run_train tuned); echo "$out"
    grep -q "^Kernels tuned for this device on .*: gpu fwd_cols=16" <<<"$out" || fail "tuned choice not used"
    grep -q "(gpu path)" <<<"$out" || fail "the tuned family did not run"
    grep -qxF "$line1" <<<"$out" || fail "the tuned run changed the published log"
    [ "$(summary '["tuning"]["source"]')" = tuned ] || fail "summary tuning source not 'tuned'"
    grep -q "FWD_WG=64" <<<"$(summary '["plan"]')" || fail "the plan lacks the tuned work-group size"
    # Another driver version or kernel source: the entry no longer applies.
    for field in driver kernel_sources; do
      /usr/bin/python3 - "$f" "$field" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1])); j["entries"][0][sys.argv[2]] += "-other"
json.dump(j, open(sys.argv[1], "w"))
EOF
      out=$(run_train "$field")
      grep -q "Kernels tuned" <<<"$out" && fail "an entry for another $field was used"
      grep -q "(fused path)" <<<"$out" || fail "not the CPU default after a $field change: $out"
      [ "$(summary '["tuning"]["source"]')" = default ] || fail "summary source not 'default'"
    done
    # --tune sets tunables for one run, over any tuned or default choice.
    out=$(run_train override --impl gpu --tune fwd_wg=32,upd_wg=32,L1.fwd_rows=2)
    grep -qxF "$line1" <<<"$out" || fail "an override changed the published log"
    [ "$(summary '["tuning"]["source"]')" = override ] || fail "summary source not 'override'"
    grep -q "FWD_WG=32 -DFWD_COLS=16 -DFWD_ROWS=2" <<<"$(summary '["plan"]')" || fail "override not in the plan"
    # Bad tunables: exit 2 naming the problem.
    for bad in "fwd_wg=abc" "vec=4" "L3.fwd_wg=64" "fwd_wg=48" "fwd_cols=8"; do
      out=$("$bin" train --device cpu --impl gpu --max-epochs 1 --tune "$bad" \
            --save-model "$scratch/never.safetensors" 2>&1)
      [ $? -eq 2 ] || fail "--tune $bad: not exit 2: $out"
      grep -qi "tunable\|fwd_\|power of two\|classes" <<<"$out" || fail "--tune $bad: unclear: $out"
    done
    # Settings that compile to the kernels of an earlier candidate (here the default's spelt out):
    # said, and not timed twice.
    out=$("$bin" tune --device cpu --impl fused --quick --rounds 1 --tuning-file "$scratch/f.json" 2>&1) \
      || fail "tune --impl fused exit $?: $out"
    echo "$out"
    grep -q "^  same  *fused .*: the kernels of default, timed once" <<<"$out" || fail "no twin of the default"
    [ "$(grep -c "^  same " <<<"$out")" = 1 ] || fail "not exactly one twin of the default"
    twin=$(sed -n 's/^  same  *\(fused [^:]*\):.*/\1/p' <<<"$out")
    grep -q "us  $twin\( \|$\)" <<<"$out" && fail "the twin $twin was timed"
    grep -q "^Best: " <<<"$out" || fail "no winner"
    # --list names what each family takes: the fused family's line as its refusal lists them.
    listed=$("$bin" tune --list | unwrap | sed -n 's/^fused: \(.*\) (cl\/fused.cl, .*)$/\1/p')
    out=$("$bin" train --device cpu --impl fused --max-epochs 1 --tune bogus=1 \
          --save-model "$scratch/never.safetensors" 2>&1)
    grep -qF "($listed)" <<<"$out" || fail "tune --list's fused names '$listed' are not the family's: $out"
    grep -q "split" <<<"$listed" || fail "tune --list lacks split: $listed"
    # A file that is not a tuning file: tune refuses before any work, train ignores it.
    echo '{"not": "tuning"}' > "$f"
    out=$("$bin" tune --device cpu --quick --tuning-file "$f" 2>&1)
    [ $? -eq 1 ] && grep -q "not a clmnist tuning file" <<<"$out" || fail "tune took a foreign file: $out"
    grep -q '"not"' "$f" || fail "tune replaced a foreign file"
    true
    ;;
  *) fail "unknown case" ;;
esac
