#!/usr/bin/env bash
# The kernel compile matrix (issue 10): every kernel file, with its defaults alone and with every
# option set the tuner may choose, compiled as OpenCL C 1.2 for clang-14's lint, NVIDIA sm_90
# (linked by CUDA's ptxas where it is installed), AMD gfx90a and gfx1100 (linked by ld.lld),
# generic SPIR and Intel tgllp, dg2 and pvc (ocloc); prints registers, scratch and spills per
# kernel, and fails on a compile or link error, a plain C99 `inline` helper, or scratch or spills
# in a gpu-default variant. The variants come from `BINARY tune --list-variants` when the binary has
# it, else from ci/kernel-variants.txt. Details: ci/kernel_matrix.py.
# Usage: ci/lint-kernels.sh [BINARY]   (default: $CLMNIST_BIN, else build/apps/clmnist)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 ci/kernel_matrix.py "$@"
