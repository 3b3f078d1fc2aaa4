#!/usr/bin/env bash
# The CLI cases of device listings and stable addresses, sourced by
# cli_test.sh (which defines bin, case, scratch, fail and need_mnist).
case $case in
  devices_json_follows_schema)
    "$bin" devices > "$scratch/devices.txt" || fail "devices exit $?"
    cat "$scratch/devices.txt"
    "$bin" devices --json > "$scratch/devices.json" || fail "devices --json exit $?"
    /usr/bin/python3 "$(dirname "$0")/check_devices_output.py" "$scratch/devices.json" \
      "$scratch/devices.txt" || fail "schema"
    # Mesa's rusticl offers no device until RUSTICL_ENABLE names a driver: its empty platform is
    # listed with that hint, in the table and in JSON.
    if [ -e /etc/OpenCL/vendors/rusticl.icd ]; then
      out=$(env -u RUSTICL_ENABLE "$bin" devices) || fail "devices exit $?"
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
    ;;
  stable_address_selects_device)
    # The stable address `devices` prints selects the device in train and bench and is the one
    # train -v shows; a PCI id no device has is refused with the list.
    addr=$("$bin" devices --json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
print(next(d["stable_address"] for p in j["platforms"] for d in p["devices"]))') \
      || fail "no OpenCL device"
    echo "address: $addr"
    /usr/bin/python3 "$(dirname "$0")/make_tiny_mnist.py" "$scratch/tiny"
    out=$("$bin" train --device "$addr" --data-dir "$scratch/tiny" --validation-size 200 \
          --batch-size 50 --max-epochs 1 --save-model "" -v 2>&1) || fail "train exit $?: $out"
    grep -qxF "Device address: $addr" <<<"$out" \
      || grep -qF "Device address: $addr, " <<<"$out" || fail "train -v does not show $addr: $out"
    out=$("$bin" train --device pci:ffff:ff:ff.7 --data-dir "$scratch/tiny" 2>&1); rc=$?
    [ $rc = 1 ] || fail "an unknown PCI id: exit $rc"
    grep -q "no device reports the PCI bus id ffff:ff:ff.7" <<<"$out" || fail "not named: $out"
    grep -qF "$addr" <<<"$out" || fail "the devices are not listed: $out"
    ;;
  *)
    # shellcheck source=tests/cli_safety.sh
    source "$(dirname "$0")/cli_safety.sh"
    ;;
esac
