#!/usr/bin/env bash
# Lints every kernel as OpenCL C 1.2 with clang (syntax and semantics, no device needed).
set -euo pipefail
cd "$(dirname "$0")/.."
clang=$(command -v clang-14 || command -v clang)
status=0
# lint FILE [DEFINES...]
lint() {
  local file=$1; shift
  if "$clang" -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -fsyntax-only -Werror \
       -I cl "$@" "$file"; then
    echo "lint-kernels: $file $* ok"
  else
    status=1
  fi
}
for f in cl/*.cl; do lint "$f"; done
# Variants behind -D switches: the zero-block skipping (on for CPUs), each vector width, and more
# classes than one float16 holds (the scalar softmax).
for defs in "-DSKIP_ZERO=1 -DROWS=2" "-DSKIP_ZERO=1 -DVEC=8" "-DSKIP_ZERO=1 -DVEC=4 -DROWS=3" \
            "-DSKIP_ZERO=1 -DVEC=2" "-DNUM_CLASSES=20"; do
  # shellcheck disable=SC2086
  lint cl/fused.cl $defs
done
# The dense kernels at every vector width and tile the runtime may choose.
for defs in "-DVEC=4 -DTILE=1" "-DVEC=8 -DTILE=4" "-DVEC=16 -DTILE=4 -DBLOCKS=2 -DCHUNK=8" \
            "-DVEC=16 -DTILE=8"; do
  # shellcheck disable=SC2086
  lint cl/dense.cl $defs
done
exit $status
