#!/usr/bin/env bash
# The CLI cases of device listings, stable addresses, `clmnist bench compare` and bench --tune,
# sourced by cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
case $case in
  devices_json_follows_schema)
    "$bin" devices > "$scratch/devices.txt" || fail "devices exit $?"
    cat "$scratch/devices.txt"
    "$bin" devices --json > "$scratch/devices.json" || fail "devices --json exit $?"
    /usr/bin/python3 "$(dirname "$0")/check_devices_output.py" "$scratch/devices.json" \
      "$scratch/devices.txt" || fail "schema"
    # Mesa's rusticl offers no device until RUSTICL_ENABLE names a driver: its empty platform is
    # listed with that hint, in the table and in JSON.
    # The loader reads OCL_ICD_VENDORS (a folder, or one .icd file) before the system's folder;
    # the sanitizer run gives it PoCL's alone.
    vendors=${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}
    rusticl_icd=no
    if [ -d "$vendors" ] && [ -e "$vendors/rusticl.icd" ]; then rusticl_icd=yes; fi
    if [ "${vendors##*/}" = rusticl.icd ]; then rusticl_icd=yes; fi
    if [ $rusticl_icd = yes ]; then
      out=$(env -u RUSTICL_ENABLE "$bin" devices) || fail "devices exit $?"
      out=$(unwrap <<<"$out")
      grep -q "^platform [0-9]* (rusticl.*no devices; .*RUSTICL_ENABLE=" <<<"$out" \
        || fail "no RUSTICL_ENABLE hint for the empty rusticl platform: $out"
      env -u RUSTICL_ENABLE "$bin" devices --json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
(p,) = [p for p in j["platforms"] if p["short_name"] == "rusticl"]
assert p["devices"] == [] and "RUSTICL_ENABLE=" in p["hint"], p' || fail "rusticl hint in JSON"
    else
      echo "rusticl not installed: its hint is not checked"
    fi
    # A platform whose devices cannot be listed is shown with its error; the others still are.
    out=$(CLMNIST_FAULT=clGetDeviceIDs RUSTICL_ENABLE=llvmpipe "$bin" devices) || fail "exit $?"
    out=$(unwrap <<<"$out")
    echo "$out"
    grep -q "^platform 0 (.*devices not listed: injected fault" <<<"$out" || fail "no error shown"
    grep -q "host backend" <<<"$out" || fail "the host backend is hidden"
    if [ $rusticl_icd = yes ]; then
      grep -q "rusticl/llvmpipe" <<<"$out" || fail "a failing platform hid rusticl's device"
    fi
    CLMNIST_FAULT=clGetDeviceIDs "$bin" devices --json | /usr/bin/python3 -c '
import json, sys
p = json.load(sys.stdin)["platforms"][0]
assert p["devices"] == [] and "injected fault" in p["error"], p' || fail "error not in JSON"
    ;;
  failed_platform_is_named)
    # A platform whose devices cannot be listed never silently leaves a device out of the choice:
    # the error names it when nothing matches, and a run on another device warns on stderr only.
    out=$(CLMNIST_FAULT=clGetDeviceIDs "$bin" train --device 0:0 --save-model "" 2>&1); rc=$?
    echo "$out"
    [ $rc = 1 ] || fail "--device 0:0 with its platform failing: exit $rc, expected 1"
    grep -q "no device matches --device '0:0'" <<<"$out" || fail "no not-found error"
    grep -q "^platform 0 (.*devices not listed: injected fault" <<<"$out" \
      || fail "the failed platform is not named in the error"
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    CLMNIST_FAULT=clGetDeviceIDs "$bin" train --device host --data-dir "$scratch/tiny" \
      --validation-size 200 --batch-size 50 --max-epochs 1 --save-model "" \
      > "$scratch/out.txt" 2> "$scratch/err.txt" || fail "train on the host exit $?"
    cat "$scratch/err.txt"
    grep -q "^clmnist: warning: OpenCL platforms that failed to list their devices" \
      "$scratch/err.txt" || fail "no warning on stderr"
    grep -q "^platform 0 (.*injected fault" "$scratch/err.txt" || fail "warning without platform"
    grep -q "warning\|injected" "$scratch/out.txt" && fail "the warning reached stdout"
    grep -q "Optimization complete" "$scratch/out.txt" || fail "did not train"
    out=$("$bin" train --device host --data-dir "$scratch/tiny" --validation-size 200 \
          --batch-size 50 --max-epochs 1 --save-model "" 2>&1) || fail "exit $?"
    grep -q "warning" <<<"$out" && fail "a warning without a failing platform: $out"
    ;;
  stable_address_selects_device)
    # The stable address `devices` prints selects the device in train and eval and is the one
    # train -v and eval show; a PCI id no device has is refused with the list.
    addr=$("$bin" devices --json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
print(next(d["stable_address"] for p in j["platforms"] for d in p["devices"]))') \
      || fail "no OpenCL device"
    echo "address: $addr"
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    out=$("$bin" train --device "$addr" --data-dir "$scratch/tiny" --validation-size 200 \
          --batch-size 50 --max-epochs 1 --save-model "$scratch/m.st" -v 2>&1) \
      || fail "train exit $?: $out"
    grep -qE "^Device address: $(sed 's/[][()\.*^$+?{}|]/\\&/g' <<<"$addr")(, |$)" <<<"$out" \
      || fail "train -v does not show $addr: $out"
    out=$("$bin" eval --device "$addr" --model "$scratch/m.st" --data-dir "$scratch/tiny") \
      || fail "eval exit $?: $out"
    grep -qF "Device address: $addr" <<<"$out" || fail "eval does not show $addr: $out"
    out=$("$bin" train --device pci:ffff:ff:ff.7 --data-dir "$scratch/tiny" 2>&1); rc=$?
    [ $rc = 1 ] || fail "an unknown PCI id: exit $rc"
    grep -q "no device reports the PCI bus id ffff:ff:ff.7" <<<"$out" || fail "not named: $out"
    grep -qF "$addr" <<<"$out" || fail "the devices are not listed: $out"
    ;;
  bench_reports_each_family)
    need_mnist
    # One family that fails to build (the gpu program, made to fail) is listed with its error;
    # the others are still timed, the headline first, and bench exits 0: its headline ran.
    export CLMNIST_CACHE_DIR=$scratch/kernels  # nothing cached: every program is built
    rm -rf "$CLMNIST_CACHE_DIR"
    out=$(CLMNIST_FAULT=clBuildProgram/gpu "$bin" bench --device pocl --quick --runs 1 \
          --families all --json "$scratch/b.json" 2>&1) || fail "exit $?: $out"
    echo "$out"
    grep -Eq "^ +gpu FAILED: building kernel program cl/gpu.cl failed" <<<"$out" \
      || fail "the gpu family's failure is not listed"
    /usr/bin/python3 - "$scratch/b.json" <<'PY' || fail "record"
import json, sys
(d,) = json.load(open(sys.argv[1]))["devices"]
paths = {p["path"]: p for p in d["gemm_paths"]}
assert d["gemm_paths"][0]["path"] == d["train"]["path"] == "fused", d["gemm_paths"]
assert "injected build failure" in paths["gpu"]["failure"], paths["gpu"]
assert paths["gpu"]["epochs_per_second"] is None, paths["gpu"]
for name in ("fused", "dense", "clblast"):
    assert paths[name]["failure"] is None and paths[name]["epochs_per_second"] > 0, paths[name]
PY
    # The headline's own failure fails the record and the exit status; the other families are
    # still timed and recorded.
    rm -rf "$CLMNIST_CACHE_DIR"
    out=$(CLMNIST_FAULT=clBuildProgram/fused "$bin" bench --device pocl --quick --runs 1 \
          --families all --json "$scratch/f.json" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 1 ] || fail "a failed headline: exit $rc, not 1"
    /usr/bin/python3 - "$scratch/f.json" <<'PY' || fail "failed record"
import json, sys
(d,) = json.load(open(sys.argv[1]))["devices"]
assert d["correctness"]["passed"] is False, d["correctness"]
assert "injected build failure" in d["correctness"]["failure"], d["correctness"]
paths = {p["path"]: p for p in d["gemm_paths"]}
assert paths["dense"]["epochs_per_second"] > 0, paths
PY
    # --families: the headline's and the ones named; a name that is no family is a usage error.
    "$bin" bench --device pocl --quick --runs 1 --families clblast --json "$scratch/n.json" \
      > /dev/null || fail "--families clblast exit $?"
    /usr/bin/python3 - "$scratch/n.json" <<'PY' || fail "--families record"
import json, sys
j = json.load(open(sys.argv[1]))
(d,) = j["devices"]
assert [p["path"] for p in d["gemm_paths"]] == ["fused", "clblast"], d["gemm_paths"]
assert j["options"]["families"] == "clblast", j["options"]
PY
    # --quick alone: the headline only.
    "$bin" bench --device pocl --quick --runs 1 --json "$scratch/q.json" > /dev/null \
      || fail "--quick exit $?"
    /usr/bin/python3 - "$scratch/q.json" <<'PY' || fail "--quick record"
import json, sys
j = json.load(open(sys.argv[1]))
(d,) = j["devices"]
assert [p["path"] for p in d["gemm_paths"]] == ["fused"], d["gemm_paths"]
assert j["options"]["families"] == "none", j["options"]
PY
    out=$("$bin" bench --device pocl --families dense,cuda 2>&1); rc=$?
    [ $rc -eq 2 ] || fail "--families dense,cuda: exit $rc, not 2"
    grep -q "'cuda' is no kernel family" <<<"$out" || fail "bad family not named: $out"
    ;;
  bench_compare_records)
    # Two records of one device: the second a copy with the figures scaled. compare prints the
    # ratio of the figures, judges it by the runs' spread, draws the chart and refuses what is no
    # record.
    need_mnist
    "$bin" bench --quick --runs 1 --device host --json "$scratch/a.json" > /dev/null \
      || fail "bench exit $?"
    /usr/bin/python3 - "$scratch" <<'PY' || fail "fixtures"
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/a.json"))
t = j["devices"][0]["train"]
t["samples_per_second"] *= 1.37
t["epochs_per_second"] *= 1.37
for k in ("us_per_iteration", "us_per_iteration_min", "us_per_iteration_max"):
    t[k] /= 1.37
json.dump(j, open(d + "/b.json", "w"))
j["protocol"]["preset"], j["protocol"]["batch_size"] = "theano-mlp", 20
json.dump(j, open(d + "/mlp.json", "w"))
j["schema_version"] = 3
json.dump(j, open(d + "/future.json", "w"))
PY
    out=$("$bin" bench compare "$scratch/a.json" "$scratch/b.json" --plot "$scratch/c.svg") \
      || fail "compare exit $?: $out"
    echo "$out"
    /usr/bin/python3 - "$scratch" "$out" <<'PY' || fail "ratio"
import json, sys
d, out = sys.argv[1], sys.argv[2]
a, b = (json.load(open(d + f))["devices"][0]["train"] for f in ("/a.json", "/b.json"))
want = "%.3fx" % (b["samples_per_second"] / a["samples_per_second"])
(vs,) = [l.split() for l in out.splitlines() if l.startswith("vs #1 ")]
assert vs[2:4] == ["1.000x", "baseline"], vs
assert vs[4] == want, (vs, want)
PY
    grep -q "#2 against #1: .* over 1 run against .* over 1 run: a single run has no spread" \
      <<<"$(tr -s '\n ' '  ' <<<"$out")" || fail "one run each is judged"
    grep -q "<svg" "$scratch/c.svg" || fail "no picture"
    out=$("$bin" bench compare "$scratch/a.json" "$scratch/b.json" --baseline 2) \
      || fail "--baseline 2 exit $?"
    grep -q "^vs #2  *0\.730x" <<<"$out" || fail "ratio to record 2: $out"
    echo '{"devices": 3}' > "$scratch/bad.json"
    out=$("$bin" bench compare "$scratch/a.json" "$scratch/mlp.json" 2>&1); rc=$?
    echo "mixed work -> $rc: $out"
    [ $rc = 1 ] || fail "records of different presets compared: exit $rc"
    grep -q "measured different work: preset theano vs theano-mlp, batch 600 vs 20" <<<"$out" \
      || fail "the differing work is not named: $out"
    for bad in bad.json future.json absent.json; do
      out=$("$bin" bench compare "$scratch/a.json" "$scratch/$bad" 2>&1); rc=$?
      echo "$bad -> $rc: $out"
      [ $rc = 1 ] || fail "$bad: exit $rc"
      grep -qF "$scratch/$bad" <<<"$out" || fail "$bad is not named: $out"
    done
    grep -q "schema_version 3" <<<"$("$bin" bench compare "$scratch/future.json" 2>&1)" \
      || fail "the schema version is not named"
    ;;
  bench_tune_overrides_one_device)
    # --tune sets the headline kernels' tunables on one OpenCL device; the record says so.
    need_mnist
    "$bin" bench --quick --runs 1 --device pocl --tune split=3 --json "$scratch/t.json" \
      > /dev/null || fail "bench --tune exit $?"
    /usr/bin/python3 - "$scratch/t.json" <<'PY' || fail "record"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["options"]["tune"] == "split=3", j["options"]
k = j["devices"][0]["kernels_used"]
assert k["settings"] == "override" and k["tunables"] == "split=3", k
PY
    for bad in "--device all" "--device host" ""; do
      # shellcheck disable=SC2086
      out=$(env -u CLMNIST_DEVICE "$bin" bench --quick $bad --tune split=3 2>&1); rc=$?
      echo "'$bad' -> $rc: $out"
      [ $rc = 2 ] || fail "--tune with '$bad': exit $rc, not 2"
      grep -q "give --device with one OpenCL device" <<<"$out" || fail "no fix named: $out"
    done
    out=$("$bin" bench --quick --runs 1 --device pocl --tune split=99 2>&1); rc=$?
    [ $rc != 0 ] || fail "split=99 accepted"
    grep -q "split" <<<"$out" || fail "bad split not named: $out"
    ;;
  *)
    # shellcheck source=tests/cli_safety.sh
    source "$(dirname "$0")/cli_safety.sh"
    ;;
esac
