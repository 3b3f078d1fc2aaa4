#!/usr/bin/env bash
# Installs the Debian 12 packages clmnist needs. Two sets:
#   ci/install-deps.sh          the main set: build clmnist, run it on PoCL, fetch MNIST
#                               (what ci/train.sh needs)
#   ci/install-deps.sh --test   the main set and the test toolchain (what ci/test.sh needs)
# Safe to re-run: installs only what is missing. Uses sudo when not root. README.md lists each
# package and why; ci/package-sizes.sh measures the sets.
set -euo pipefail

main_packages() {
  echo build-essential cmake
  echo ocl-icd-opencl-dev opencl-headers opencl-clhpp-headers pocl-opencl-icd libclblast-dev
  echo libboost-program-options-dev zlib1g-dev nlohmann-json3-dev libpng-dev libstb-dev
  echo fonts-dejavu-core
  # The man page, made at build time from the --help texts (under 1 MiB), so that `man clmnist`
  # works after `cmake --install`.
  echo help2man
  # clmnist fetch runs `npm pack`; an npm from elsewhere (nvm, nodesource) is fine too.
  command -v npm >/dev/null 2>&1 || echo npm
}
test_packages() {
  echo catch2 clinfo pkg-config python3 python3-numpy libopenblas0-pthread python3-torch
  echo clang-14 libclang-rt-14-dev oclgrind
  # ONNX export (optional in the build) and its check.
  echo libonnx-dev libprotobuf-dev python3-onnx
  # The kernel compile matrix (ci/lint-kernels.sh): clang-15 for nvptx, amdgcn and spir64 with
  # libclc-15's built-ins, Intel's compiler (ocloc in intel-opencl-icd); Mesa's rusticl as a
  # second runtime (ci/test-rusticl.sh).
  echo clang-15 libclang-common-15-dev libclc-15 lld-15 intel-opencl-icd mesa-opencl-icd
  # The GPU check kit's run paths (ci/gpu-kit.sh); the zsh completion's test; a browser that
  # renders the results page (cli: results_page_renders, headless).
  echo patchelf zsh chromium
}

case "${1:-}" in
  "") read -r -a packages <<<"$(main_packages | tr '\n' ' ')" ;;
  --test) read -r -a packages <<<"$( (main_packages; test_packages) | tr '\n' ' ')" ;;
  --list) main_packages | tr ' ' '\n'; exit 0 ;;
  --list-test) test_packages | tr ' ' '\n'; exit 0 ;;
  *) echo "usage: ci/install-deps.sh [--test | --list | --list-test]" >&2; exit 2 ;;
esac

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
