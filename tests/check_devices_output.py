#!/usr/bin/python3
"""Checks `clmnist devices --json` against its schema (README.md, "Devices").

Arguments: the JSON file and the `clmnist devices` table (text) of the same machine; every device
of the table must be in the JSON with the same addresses (in the full table or the compact one,
whose last cell may continue on indented lines)."""
import json
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def need(obj, key, kind, where, nullable=False):
    if key not in obj:
        fail("%s lacks '%s'" % (where, key))
    v = obj[key]
    if (v is None and not nullable) or (v is not None and not isinstance(v, kind)):
        fail("%s.%s is %r, expected %s%s" % (where, key, v, kind, " or null" if nullable else ""))
    return v


def check_device(d, where, host):
    for k in ("address", "stable_address", "name", "vendor", "type", "platform", "driver"):
        need(d, k, str, where)
    need(d, "index", int, where)
    for k in ("fp64", "unified_memory"):
        need(d, k, bool, where)
    # null only where a device cannot report it: the host backend, or a missing extension
    for k in ("pci_bus_id", "uuid"):
        need(d, k, str, where, nullable=True)
    for k in ("platform_version", "device_version", "opencl_c_version"):
        need(d, k, str, where, nullable=host)
    for k in ("compute_units", "max_clock_mhz", "global_memory_bytes", "local_memory_bytes",
              "max_allocation_bytes", "max_work_group_size"):
        v = need(d, k, int, where, nullable=host)
        if v is not None and v <= 0:
            fail("%s.%s is %r, not positive" % (where, k, v))
    if d["pci_bus_id"] is not None and len(d["pci_bus_id"].split(":")) != 3:
        fail("%s.pci_bus_id %r is not domain:bus:device.function" % (where, d["pci_bus_id"]))
    if d["uuid"] is not None and len(d["uuid"].replace("-", "")) != 32:
        fail("%s.uuid %r is not 16 bytes" % (where, d["uuid"]))


def main(json_path, table_path):
    with open(json_path) as f:
        j = json.load(f)
    if need(j, "schema_version", int, "root") != 1:
        fail("schema_version is not 1")
    listed = []
    for p in need(j, "platforms", list, "root"):
        w = "platform %r" % p.get("name")
        need(p, "index", int, w)
        for k in ("name", "short_name", "vendor", "version"):
            need(p, k, str, w)
        err = need(p, "error", str, w, nullable=True)
        hint = need(p, "hint", str, w, nullable=True)
        devices = need(p, "devices", list, w)
        if not devices and err is None and not hint:
            fail("%s has no devices, no error and no hint" % w)
        if devices and hint is not None:
            fail("%s has devices and a hint" % w)
        for i, d in enumerate(devices):
            check_device(d, "%s.devices[%d]" % (w, i), host=False)
            if d["stable_address"].split("/")[0] != p["short_name"]:
                fail("%s: stable address %r is not under %r" % (w, d["stable_address"],
                                                                  p["short_name"]))
            listed.append(d)
    host = need(j, "host", dict, "root")
    check_device(host, "host", host=True)
    if host["stable_address"] != "host" or host["type"] != "host":
        fail("host entry is %r" % host)
    listed.append(host)
    stable = [d["stable_address"] for d in listed]
    if len(set(stable)) != len(stable):
        fail("two devices share a stable address: %r" % stable)
    with open(table_path) as f:
        rows = []
        for line in f.read().split("\n\n")[0].splitlines()[1:]:
            if line.startswith(" ") and rows:  # a cell wrapped to fit the terminal, continued
                rows[-1] += " " + line.strip()
            elif line.strip():
                rows.append(line)
    if len(rows) != len(listed):
        fail("the table lists %d devices, the JSON %d" % (len(rows), len(listed)))
    for row, d in zip(rows, listed):
        if d["address"] not in row or d["stable_address"] not in row:
            fail("table row %r lacks %s / %s" % (row, d["address"], d["stable_address"]))
    print("devices output follows schema 1: %d platforms, %d devices" % (len(j["platforms"]),
                                                                       len(listed)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
