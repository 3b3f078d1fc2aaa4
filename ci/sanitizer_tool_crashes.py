#!/usr/bin/env python3
"""Sorts the failed tests of the last CTest run in a sanitizer build into findings and tool crashes.

A tool crash is a test whose output has LeakSanitizer's own fatal error ("LeakSanitizer has
encountered a fatal error", after "Tracer caught signal": its stop-the-world tracer died, which
happens under load with many driver threads) and no report of a finding (an AddressSanitizer or
UBSan error, a detected leak, a failed assertion). Such a run proves nothing either way, so
ci/test-sanitizers.sh runs those tests again; a finding fails the run at once.

  sanitizer_tool_crashes.py BUILD_DIR
prints one line per failed test and exits 0 when every failure is a tool crash, 1 when any is a
finding (or the log names no failure), 2 when the log is missing.
"""
import pathlib
import re
import sys

TOOL_CRASH = "LeakSanitizer has encountered a fatal error"
FINDINGS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer: detected memory leaks",
    "runtime error:",
    "FAILED:",
    "test cases failed",
)


def failed_outputs(log_text):
    """(test name, output) for each test LastTest.log marks failed."""
    out = []
    # Each test's record: "N/M Test: NAME" ... "Output:" ... "<end of output>" ... "Test Failed."
    for m in re.finditer(r"^\d+/\d+ Test: (.*?)\n(.*?)^Test (Passed|Failed)\.?", log_text,
                         re.M | re.S):
        if m.group(3) == "Failed":
            out.append((m.group(1).strip(), m.group(2)))
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: sanitizer_tool_crashes.py BUILD_DIR", file=sys.stderr)
        return 2
    log = pathlib.Path(sys.argv[1]) / "Testing" / "Temporary" / "LastTest.log"
    if not log.is_file():
        print(f"sanitizer_tool_crashes: no CTest log at {log}", file=sys.stderr)
        return 2
    failed = failed_outputs(log.read_text(errors="replace"))
    if not failed:
        print("sanitizer_tool_crashes: the log names no failed test")
        return 1
    findings = 0
    for name, output in failed:
        crash = (TOOL_CRASH in output and not any(f in output for f in FINDINGS)
                 and not re.search(r"\|\s*\d+ failed", output))  # Catch2's failed count
        findings += 0 if crash else 1
        print(("tool crash (LeakSanitizer's tracer): " if crash else "finding: ") + name)
    return 0 if findings == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
