#!/usr/bin/python3
"""Checks `clmnist bench --json/--csv` output against schema version 1 (docs/PERFORMANCE.md)."""
import csv
import json
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def need(obj, key, kind, where):
    if key not in obj:
        fail("%s lacks '%s'" % (where, key))
    if not isinstance(obj[key], kind):
        fail("%s.%s is %r, expected %s" % (where, key, obj[key], kind))
    return obj[key]


def main(json_path, csv_path, expected_devices):
    with open(json_path) as f:
        j = json.load(f)
    if need(j, "schema_version", int, "root") != 1:
        fail("schema_version is not 1")
    devices = need(j, "devices", list, "root")
    if len(devices) != expected_devices:
        fail("%d devices, expected %d" % (len(devices), expected_devices))
    num = (int, float)
    for i, d in enumerate(devices):
        w = "devices[%d]" % i
        dev = need(d, "device", dict, w)
        for k in ("name", "vendor", "platform", "type", "driver"):
            need(dev, k, str, w + ".device")
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
        kernels = need(d, "kernels", list, w)
        if dev["type"] != "host" and not kernels:
            fail("%s has no kernel timings" % w)
        for k in kernels:
            need(k, "name", str, w + ".kernels[]")
            need(k, "calls", int, w + ".kernels[]")
            need(k, "total_seconds", num, w + ".kernels[]")
        for k in ("cold_seconds", "warm_seconds"):
            need(need(d, "build", dict, w), k, num, w + ".build")
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
        need(d, "time_to_accuracy", dict, w)
        paths = need(d, "gemm_paths", list, w)
        # softmax regression runs on every implementation family of an OpenCL device
        if dev["type"] != "host" and sorted(p["path"] for p in paths) != ["clblast", "dense",
                                                                           "fused", "gpu"]:
            fail("%s does not time the fused, dense, gpu and clblast implementations" % w)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != expected_devices:
        fail("CSV has %d rows, expected %d" % (len(rows), expected_devices))
    for r in rows:
        if r["schema_version"] != "1" or r["passed"] != "true" or float(r["us_per_iteration"]) <= 0:
            fail("bad CSV row %r" % r)
    print("bench output follows schema 1: %d devices" % expected_devices)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
