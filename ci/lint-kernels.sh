#!/usr/bin/env bash
# Lints every kernel as OpenCL C 1.2 with clang (syntax and semantics, no device needed).
set -euo pipefail
cd "$(dirname "$0")/.."
clang=$(command -v clang-14 || command -v clang)
status=0
for f in cl/*.cl; do
  if "$clang" -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -fsyntax-only -Werror \
       -I cl "$f"; then
    echo "lint-kernels: $f ok"
  else
    status=1
  fi
done
# Variants behind -D switches: the zero-block skipping (on for CPUs), each vector width, and more
# classes than one float16 holds (the scalar softmax).
for defs in "-DSKIP_ZERO=1 -DROWS=2" "-DSKIP_ZERO=1 -DVEC=8" "-DSKIP_ZERO=1 -DVEC=4 -DROWS=3" \
            "-DSKIP_ZERO=1 -DVEC=2" "-DNUM_CLASSES=20"; do
  # shellcheck disable=SC2086
  if "$clang" -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -fsyntax-only -Werror -I cl \
       $defs cl/fused.cl; then
    echo "lint-kernels: cl/fused.cl $defs ok"
  else
    status=1
  fi
done
exit $status
