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
# Variants behind -D switches that are off by default.
if "$clang" -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -fsyntax-only -Werror -I cl \
     -DPREFETCH=1 cl/fused.cl; then
  echo "lint-kernels: cl/fused.cl -DPREFETCH=1 ok"
else
  status=1
fi
exit $status
