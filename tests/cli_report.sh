#!/usr/bin/env bash
# The CLI cases of bench records read back: `clmnist bench compare` on records of other runs and
# settings, and the results page (`clmnist bench report --html`) rendered by headless Chromium.
# Sourced by cli_test.sh (which defines bin, case, scratch and fail). Both start from the records
# under results/, changed by a script where a case needs another run.
results=$(cd "$(dirname "$0")/.." && pwd)/results
record=$results/2026-12-07-epyc-2core-theano.json
# Writes $scratch/NAME.json: the theano record with PYTHON applied to j (the record), t (its
# first device's train figures) and d (its devices).
derive() {  # NAME PYTHON
  /usr/bin/python3 - "$record" "$scratch/$1.json" "$2" <<'PY' || fail "fixture $1"
import json, sys
j = json.load(open(sys.argv[1]))
d = j["devices"]
t = d[0]["train"]
def scale(t, f, spread=None):  # f times as fast; spread: the min..max as a fraction of the median
    for k in ("samples_per_second", "epochs_per_second"):
        t[k] *= f
    for k in ("us_per_iteration", "us_per_iteration_min", "us_per_iteration_max"):
        t[k] /= f
    if spread is not None:
        t["us_per_iteration_min"] = t["us_per_iteration"] * (1 - spread)
        t["us_per_iteration_max"] = t["us_per_iteration"] * (1 + spread)
exec(sys.argv[3])
json.dump(j, open(sys.argv[2], "w"), indent=1)
PY
}
case $case in
  bench_compare_marks_differences)
    # Within the runs' spread is noise, beyond it a difference, one run no judgement; options
    # that differ are named; other work is refused naming the fields; 80 columns at COLUMNS=80.
    derive near 'scale(t, 1.02); j["context"]["host_name"] = "second"'
    derive once 'scale(t, 0.9, 0); j["options"]["runs"] = j["protocol"]["timed_runs"] = 1
j["options"]["quick"] = True'
    derive fast 'scale(t, 2.0, 0.05); d[:] = d[:1]; j["context"]["commit"] = "abc1234"
j["context"]["dirty"] = False; j["context"]["started_at"] = "2026-12-09T08:15:00Z"'
    out=$(COLUMNS=80 "$bin" bench compare "$record" "$scratch/near.json" "$scratch/once.json" \
          "$scratch/fast.json") || fail "compare exit $?: $out"
    echo "$out"
    long=$(awk 'length > 80' <<<"$out")
    [ -z "$long" ] || fail "lines over 80 columns at COLUMNS=80: $long"
    flat=$(tr -s '\n ' '  ' <<<"$out")  # the judgements, unwrapped
    for want in "2026-12-07 20:20" "2026-12-09 08:15" "289b67f dirty" "abc1234" \
                "theano, batch 600" "pthread-skylake-" "vm" "second" \
                "#3 against #1: 1.020x the samples/s; us/iter .* over 5 runs against .* over 5 runs: the spreads overlap" \
                "#5 against #1: 0.900x .* over 1 run against .* over 5 runs: a single run has no spread" \
                "#7 against #1: 2.000x .* over 5 runs .*: the spreads do not overlap: faster" \
                "record 3 options: .*runs 1 (record 1: 5)" "record 3 options: quick true (record 1: false)"; do
      grep -q -- "$want" <<<"$flat" || fail "compare does not say '$want'"
    done
    grep -q "record 2 options\|record 4 options" <<<"$out" && fail "same options marked as differing"
    # The table's figures: the medians and the ratio of #7 (the fast copy) to #1.
    grep -q "^vs #1 *1.000x baseline" <<<"$out" || fail "no baseline in the vs row"
    wide=$(COLUMNS=200 "$bin" bench compare "$record" "$scratch/near.json" "$scratch/once.json")
    [ "$(grep -c '^record ' <<<"$wide")" = 1 ] || fail "6 columns in 200 columns: not one block: $wide"
    [ "$(grep -c '^record ' <<<"$out")" -ge 3 ] || fail "7 columns in 80 columns: not in blocks"
    # Other work is refused, naming the records and the fields that differ.
    derive tf 'j["protocol"]["preset"] = j["options"]["preset"] = "tensorflow"
j["protocol"]["batch_size"] = 100'
    out=$("$bin" bench compare "$record" "$scratch/tf.json" 2>&1); rc=$?
    echo "mixed work -> $rc: $out"
    [ $rc = 1 ] || fail "a theano and a tensorflow record compared: exit $rc"
    grep -q "records 1 (.*theano.json) and 2 (.*tf.json) measured different work: preset theano vs tensorflow, batch 600 vs 100" \
      <<<"$out" || fail "the differing fields are not named"
    ;;
  results_page_renders)
    # The page of two records: self-contained, every record string escaped, rendered by a real
    # browser to a screenshot that is not blank, and its text holds the records' figures.
    derive lab 'scale(t, 1.5); j["context"]["host_name"] = "lab<b>&amp;"
d[0]["device"]["name"] = "GPU <script>alert(1)</script>"
d[0]["time_to_accuracy"]["best_validation_error"] = 0.0751
d[1]["correctness"] = {"passed": False, "max_abs_error": None, "failure": "weights <differ>"}'
    "$bin" bench report "$record" "$scratch/lab.json" --html "$scratch/page.html" \
      || fail "report exit $?"
    page=$scratch/page.html
    grep -Eiq "https?://|<script|<link|<iframe|<img|src=|url\(|@import" "$page" \
      && fail "the page refers to something outside it or runs a script: $(grep -Eio ".{30}(https?://|<script|<link|src=|url\().{30}" "$page")"
    for want in "lab&lt;b&gt;&amp;amp;" "GPU &lt;script&gt;alert(1)&lt;/script&gt;" "weights &lt;differ&gt;"; do
      grep -qF "$want" "$page" || fail "not escaped: $want"
    done
    cp "$scratch/lab.json" "$scratch/input.json"
    out=$("$bin" bench report "$record" "$scratch/input.json" --html "$scratch/input.json" 2>&1)
    rc=$?
    echo "--html naming a record -> $rc: $out"
    [ $rc = 2 ] || fail "--html naming a record: exit $rc"
    cmp -s "$scratch/lab.json" "$scratch/input.json" || fail "the record was changed"
    browser=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$browser" ]; then
      [ "${CLMNIST_REQUIRE_DEVICE:-}" = 1 ] && fail "chromium not found (ci/install-deps.sh --test installs it)"
      echo "chromium not found: the page was written but not rendered"; exit 77
    fi
    # One render for the screenshot, one for the text (dump-dom); each in a few seconds.
    flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$scratch/browser" --window-size=1200,900)
    timeout 120 "$browser" "${flags[@]}" --screenshot="$scratch/page.png" "file://$(realpath "$page")" \
      > "$scratch/browser.log" 2>&1 || fail "chromium exit $?: $(tail -n 5 "$scratch/browser.log")"
    /usr/bin/python3 "$(dirname "$0")/check_pictures.py" "$scratch/page.png:1200:900" \
      || fail "the screenshot is blank"
    timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$(realpath "$page")" > "$scratch/dom.html" \
      2> "$scratch/browser.log" || fail "chromium --dump-dom exit $?"
    /usr/bin/python3 - "$record" "$scratch/lab.json" "$scratch/dom.html" <<'PY' || fail "figures"
import html, json, re, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
text = html.unescape(re.sub(r"<[^>]+>", " ", open(sys.argv[3]).read()))
assert "<script" not in open(sys.argv[3]).read(), "a script element in the rendered page"
want = ["Preset theano", "Run context", "lab<b>&amp;", "GPU <script>alert(1)</script>",
        "yes: best validation 7.500000 %, test 7.489583 %", "NO: best validation 7.510000 %",
        "weights <differ>", "289b67f dirty", "Debian GNU/Linux 12 (bookworm)"]
for r in (a, b):
    d = r["devices"][0]
    c = d["ceilings"]
    want += ["%.0f" % d["train"]["samples_per_second"], "%.2f s" % d["time_to_accuracy"]["seconds_to_7_5_percent"],
             "%.3g %% of %.1f GFLOP/s" % (100 * c["fraction_of_fma"], c["fma_gflop_per_second"]),
             "%.3g %% of %.1f GB/s" % (100 * c["fraction_of_bandwidth"], c["bandwidth_gb_per_second"]),
             "%.1f a step x %.2f us" % (c["launches_per_step"], c["launch_us"])]
missing = [w for w in want if w not in text]
assert not missing, missing
print("the rendered page holds %d figures and names" % len(want))
PY
    ;;
  *)
    echo "cli_report.sh: no case '$case'" >&2
    exit 2
    ;;
esac
