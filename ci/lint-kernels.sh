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
exit $status
