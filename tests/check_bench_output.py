#!/usr/bin/python3
"""Checks `clmnist bench --json/--csv` output against schema version 2 (docs/PERFORMANCE.md).

Arguments: the JSON file, the CSV file, the expected device count and the --runs given (with
--quick)."""
import csv
import json
import re
import sys

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def need(obj, key, kind, where):
    if key not in obj:
        fail("%s lacks '%s'" % (where, key))
    if not isinstance(obj[key], kind):
        fail("%s.%s is %r, expected %s" % (where, key, obj[key], kind))
    return obj[key]


def maybe(obj, key, kind, where):
    """A value that may be null where it cannot be measured or is not reported."""
    if key not in obj:
        fail("%s lacks '%s'" % (where, key))
    if obj[key] is not None and not isinstance(obj[key], kind):
        fail("%s.%s is %r, expected %s or null" % (where, key, obj[key], kind))
    return obj[key]


def no_placeholders(value, where):
    """Unmeasured values are null, never -1."""
    if isinstance(value, dict):
        for k, v in value.items():
            no_placeholders(v, where + "." + k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            no_placeholders(v, "%s[%d]" % (where, i))
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value == -1:
        fail("%s is -1: an unmeasured value must be null" % where)


def load_average(ctx, key):
    load = need(ctx, key, list, "context")
    if len(load) != 3 or not all(isinstance(x, (int, float)) and x >= 0 for x in load):
        fail("context.%s is %r, not three load averages" % (key, load))


def check_context(j, runs):
    ctx = need(j, "context", dict, "root")
    for k in ("clmnist_version", "started_at", "finished_at", "host_name", "kernel", "machine",
              "icd_loader", "clblast"):
        need(ctx, k, str, "context")
    for k in ("started_at", "finished_at"):
        if not ISO_UTC.match(ctx[k]):
            fail("context.%s is %r, not ISO 8601 UTC" % (k, ctx[k]))
    if ctx["finished_at"] < ctx["started_at"]:
        fail("context: finished before it started")
    maybe(ctx, "commit", str, "context")  # null: built outside a git checkout
    maybe(ctx, "dirty", bool, "context")
    maybe(ctx, "cpu_model", str, "context")  # null where /proc/cpuinfo names no model
    maybe(ctx, "os", str, "context")  # null without /etc/os-release
    if need(ctx, "cpu_threads", int, "context") < 1:
        fail("context.cpu_threads is under 1")
    load_average(ctx, "load_average_before")
    load_average(ctx, "load_average_after")
    opts = need(j, "options", dict, "root")
    if need(opts, "runs", int, "options") != runs:
        fail("options.runs is %r, expected %d" % (opts["runs"], runs))
    if need(opts, "quick", bool, "options") is not True:
        fail("options.quick is not true")
    for k in ("batch_sweep", "time_to_accuracy"):
        if need(opts, k, bool, "options") is not False:
            fail("options.%s is not false under --quick" % k)
    for k in ("device", "preset", "impl", "tuning_file"):
        need(opts, k, str, "options")


def main(json_path, csv_path, expected_devices, runs):
    with open(json_path) as f:
        j = json.load(f)
    if need(j, "schema_version", int, "root") != 2:
        fail("schema_version is not 2")
    no_placeholders(j, "root")
    check_context(j, runs)
    devices = need(j, "devices", list, "root")
    if len(devices) != expected_devices:
        fail("%d devices, expected %d" % (len(devices), expected_devices))
    num = (int, float)
    for i, d in enumerate(devices):
        w = "devices[%d]" % i
        dev = need(d, "device", dict, w)
        for k in ("name", "vendor", "platform", "type", "driver", "address", "stable_address"):
            need(dev, k, str, w + ".device")
        for k in ("pci_bus_id", "uuid", "platform_version", "device_version"):
            maybe(dev, k, str, w + ".device")  # null where the device reports none
        for k in ("compute_units", "max_clock_mhz", "global_memory_bytes", "local_memory_bytes",
                  "max_allocation_bytes", "max_work_group_size"):
            if dev["type"] == "host":
                maybe(dev, k, int, w + ".device")
            elif need(dev, k, int, w + ".device") <= 0:
                fail("%s.device.%s is not positive" % (w, k))
        corr = need(d, "correctness", dict, w)
        if need(corr, "passed", bool, w + ".correctness") is not True:
            fail("%s failed its correctness check: %s" % (dev["name"], corr.get("failure")))
        need(corr, "max_abs_error", num, w + ".correctness")
        train = need(d, "train", dict, w)
        for k in ("us_per_iteration", "samples_per_second", "epochs_per_second"):
            if need(train, k, num, w + ".train") <= 0:
                fail("%s.train.%s is not positive" % (w, k))
        if need(train, "batch_size", int, w + ".train") != 600:
            fail("batch_size is not 600")
        for k in ("cold_seconds", "warm_seconds"):
            need(need(d, "build", dict, w), k, num, w + ".build")
        # Per-kernel times and the cold build's programs: listed on every OpenCL device.
        for obj, key, fields, where in (
                (d, "kernels", (("name", str), ("calls", int), ("total_seconds", num)), w),
                (d["build"], "programs", (("program", str), ("options", str)), w + ".build")):
            items = need(obj, key, list, where)
            if dev["type"] != "host" and not items:
                fail("%s.%s is empty" % (where, key))
            for item in items:
                for name, kind in fields:
                    need(item, name, kind, "%s.%s[]" % (where, key))
                if key == "programs":
                    maybe(item, "driver_log", str, where + ".programs[]")
        ceil = need(d, "ceilings", dict, w)
        for k in ("bandwidth_gb_per_second", "fma_gflop_per_second"):
            if need(ceil, k, num, w + ".ceilings") <= 0:
                fail("%s.ceilings.%s is not positive" % (w, k))
        if dev["type"] == "host":  # no kernels: no launch latency, null rather than 0
            for k in ("launch_us", "round_trip_us", "launches_per_step"):
                if ceil.get(k, 0) is not None:
                    fail("%s.ceilings.%s is %r, not null" % (w, k, ceil.get(k, "missing")))
        else:
            for k in ("launch_us", "round_trip_us"):
                if need(ceil, k, num, w + ".ceilings") <= 0:
                    fail("%s.ceilings.%s is not positive" % (w, k))
            # The headline plan's launches a step (2 for fused softmax regression) and its share
            # of the launch-latency floor, a fraction.
            if need(ceil, "launches_per_step", num, w + ".ceilings") < 1:
                fail("%s.ceilings.launches_per_step is under 1" % w)
            if not 0 < need(ceil, "fraction_of_launch_latency", num, w + ".ceilings") <= 1:
                fail("%s.ceilings.fraction_of_launch_latency is not in (0, 1]" % w)
        used = need(d, "kernels_used", dict, w)
        if need(used, "settings", str, w + ".kernels_used") not in ("default", "tuned", "override",
                                                                    "host"):
            fail("%s.kernels_used.settings is %r" % (w, used["settings"]))
        need(used, "plan", str, w + ".kernels_used")
        tune = maybe(used, "tune_seconds", (int, float), w + ".kernels_used")
        if tune is not None and tune <= 0:
            fail("%s.kernels_used.tune_seconds is %r" % (w, tune))
        tta = need(d, "time_to_accuracy", dict, w)
        if need(tta, "measured", bool, w + ".time_to_accuracy") is False:  # --quick
            for k, v in tta.items():
                if k != "measured" and v is not None:
                    fail("%s.time_to_accuracy.%s is %r, not measured: null" % (w, k, v))
        paths = need(d, "gemm_paths", list, w)
        # softmax regression runs on every implementation family of an OpenCL device
        if dev["type"] != "host" and sorted(p["path"] for p in paths) != ["clblast", "dense",
                                                                           "fused", "gpu"]:
            fail("%s does not time the fused, dense, gpu and clblast implementations" % w)
        for p in paths:  # each family timed on its own: here every one ran
            if "failure" not in p or p["failure"] is not None:
                fail("%s.gemm_paths %r: failure is %r, not null" % (w, p["path"], p.get("failure")))
        if paths and paths[0]["path"] != need(d, "train", dict, w)["path"]:
            fail("%s.gemm_paths does not start with the headline's %r" % (w, d["train"]["path"]))
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != expected_devices:
        fail("CSV has %d rows, expected %d" % (len(rows), expected_devices))
    for r, d in zip(rows, devices):
        if r["schema_version"] != "2" or r["passed"] != "true" or float(r["us_per_iteration"]) <= 0:
            fail("bad CSV row %r" % r)
        if any(v.strip() == "-1" for v in r.values()):
            fail("CSV row has -1 for an unmeasured value: %r" % r)
        if not ISO_UTC.match(r["started_at"]) or r["host_name"] != j["context"]["host_name"]:
            fail("CSV context differs from the JSON's: %r" % r)
        if r["stable_address"] != d["device"]["stable_address"]:
            fail("CSV stable_address %r, JSON %r" % (r["stable_address"],
                                                      d["device"]["stable_address"]))
        # Shortest round-trip numbers: the CSV text reads back as the JSON's double exactly.
        for k in ("us_per_iteration", "samples_per_second"):
            if float(r[k]) != d["train"][k] or len(r[k]) > len(repr(d["train"][k])):
                fail("CSV %s %r is not the shortest text of %r" % (k, r[k], d["train"][k]))
        if d["device"]["type"] == "host":
            for k in ("launch_us", "fraction_of_launch_latency", "seconds_to_7_5_percent"):
                if r[k] != "":
                    fail("CSV %s is %r for the host: unmeasured must be empty" % (k, r[k]))
    print("bench output follows schema 2: %d devices" % expected_devices)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
