#!/usr/bin/env bash
# Installs the Debian 12 packages clmnist needs to build, test, lint its kernels and fetch MNIST.
# Safe to re-run: installs only what is missing. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  ocl-icd-opencl-dev opencl-headers opencl-clhpp-headers pocl-opencl-icd clinfo
  libclblast-dev libboost-program-options-dev catch2 zlib1g-dev nlohmann-json3-dev
  clang-14 libclang-rt-14-dev oclgrind python3 python3-numpy libopenblas0-pthread
  libonnx-dev libprotobuf-dev python3-onnx libpng-dev libstb-dev fonts-dejavu-core python3-torch
  # The kernel compile matrix (ci/lint-kernels.sh): clang-15 for nvptx, amdgcn and spir64 with
  # libclc-15's built-ins, Intel's compiler (ocloc in intel-opencl-icd); Mesa's rusticl as a
  # second runtime (ci/test-rusticl.sh).
  clang-15 libclang-common-15-dev libclc-15 intel-opencl-icd mesa-opencl-icd
  # The GPU check kit (ci/gpu-kit.sh) sets its binaries' and libraries' run paths with patchelf.
  patchelf
)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
