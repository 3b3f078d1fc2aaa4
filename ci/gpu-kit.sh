#!/usr/bin/env bash
# Builds the GPU check kit (issue 10): a relocatable bundle that runs clmnist's checks on a machine
# with an NVIDIA GPU and its driver but no packages and no internet.
#
#   ci/gpu-kit.sh [OUT_DIR]     (default build/gpu-kit)
#
# makes OUT_DIR/clmnist-gpu-kit/ and OUT_DIR/clmnist-gpu-kit.tar.gz:
#   bin/       clmnist and clmnist_device_tests from the build (BUILD_DIR, default build/)
#   lib/       every shared library they need but glibc's (ICD loader, CLBlast, Boost, libpng,
#              zlib, protobuf, libstdc++, libgcc_s, ...)
#   glibc/     this machine's glibc with its loader, used only when the target's glibc is older
#              than the binaries need (run.sh then starts them as glibc/ld-linux-x86-64.so.2
#              --library-path glibc:lib bin/...); never searched otherwise
#   data/      MNIST's four IDX files, gzipped
#   reference/ theano-logreg.log, the published log of logistic_sgd.py
#   run.sh     ci/gpu-kit/run.sh, the script to run there, with checks.sh (its log checks and
#              figures); README.txt; kit.env (what was built)
#
# Run paths, not a launcher: patchelf sets the binaries' RUNPATH to $ORIGIN/../lib and every
# library's to $ORIGIN (RUNPATH is not inherited, so libclblast finds libOpenCL.so.1 and libstdc++
# through its own), so the binaries start from anywhere without LD_LIBRARY_PATH, which would also
# leak into nvidia-smi and whatever else the kit runs. The result is checked with ldd and an empty
# LD_LIBRARY_PATH: every library but glibc's must resolve into lib/.
#
# Needs: a built tree, patchelf (ci/install-deps.sh --test), MNIST (ci/fetch-mnist.sh) and the reference
# log (KIT_REFERENCE, default tests/data/theano-logreg.log).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
build=${BUILD_DIR:-$root/build}
out=${1:-$build/gpu-kit}
data_src=${CLMNIST_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/clmnist/mnist}
reference=${KIT_REFERENCE:-$root/tests/data/theano-logreg.log}
bins=("$build/apps/clmnist" "$build/tests/clmnist_device_tests")

die() {
  echo "gpu-kit: $*" >&2
  exit 1
}
command -v patchelf >/dev/null || die "patchelf is missing: run ci/install-deps.sh --test"
for b in "${bins[@]}"; do [ -x "$b" ] || die "$b is missing: build first (ci/build.sh)"; done
[ -r "$reference" ] || die "no reference log at $reference (set KIT_REFERENCE)"

mkdir -p "$out"
out=$(cd "$out" && pwd -P)
kit=$out/clmnist-gpu-kit
rm -rf "$kit" "$kit.tar.gz"
mkdir -p "$kit"/{bin,lib,glibc,data,reference}

# glibc's own libraries: they must come from one glibc with its loader, so they stay out of lib/.
is_glibc() {
  case $1 in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | \
      librt.so.* | libutil.so.* | libresolv.so.* | libanl.so.* | libmvec.so.*) return 0 ;;
  esac
  return 1
}

# ldd's "SONAME => PATH" pairs of every binary (ldd lists the whole tree, not only direct needs).
libc_dir=""
while read -r soname path; do
  if is_glibc "$soname"; then
    [ "$soname" = libc.so.6 ] && libc_dir=$(dirname "$path")
    continue
  fi
  [ -e "$kit/lib/$soname" ] || cp -L "$path" "$kit/lib/$soname"
done < <(for b in "${bins[@]}"; do ldd "$b"; done | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
[ -n "$libc_dir" ] || die "ldd named no libc.so.6"

for f in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libmvec.so.1 libpthread.so.0 libdl.so.2 \
  librt.so.1 libutil.so.1 libresolv.so.2 libanl.so.1; do
  if [ -e "$libc_dir/$f" ]; then cp -L "$libc_dir/$f" "$kit/glibc/$f"; fi
done
[ -e "$kit/glibc/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$kit/glibc/"

for b in "${bins[@]}"; do cp -L "$b" "$kit/bin/"; done
chmod u+w "$kit"/bin/* "$kit"/lib/*
# shellcheck disable=SC2016 # $ORIGIN is for the dynamic loader, not the shell
for f in "$kit"/bin/*; do patchelf --set-rpath '$ORIGIN/../lib' "$f"; done
# shellcheck disable=SC2016
for f in "$kit"/lib/*; do patchelf --set-rpath '$ORIGIN' "$f"; done

# Every library but glibc's resolves into lib/, with nothing from the environment.
for f in "$kit"/bin/* "$kit"/lib/*; do
  resolved=$(env LD_LIBRARY_PATH= ldd "$f") || die "ldd $f failed"
  if grep -q 'not found' <<<"$resolved"; then die "ldd $f: $resolved"; fi
  while read -r soname path; do
    is_glibc "$soname" || [ "$(realpath "$path")" = "$kit/lib/$soname" ] ||
      die "$f: $soname resolves to $path, not into $kit/lib"
  done < <(awk '$2 == "=>" { print $1, $3 }' <<<"$resolved")
done
loader=$(env LD_LIBRARY_PATH= "$kit/bin/clmnist" --version | sed -n 's/^ *OpenCL ICD loader: //p')
case $loader in "$kit/lib/"*) ;; *) die "clmnist --version names the ICD loader '$loader'" ;; esac
env LD_LIBRARY_PATH= "$kit/glibc/ld-linux-x86-64.so.2" --library-path "$kit/glibc:$kit/lib" \
  "$kit/bin/clmnist" --version >/dev/null || die "the binaries do not start with the kit's glibc"

# MNIST, gzipped (clmnist reads raw or .gz) so that the kit also travels unpacked.
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
  t10k-labels-idx1-ubyte; do
  if [ -r "$data_src/$f.gz" ]; then
    cp "$data_src/$f.gz" "$kit/data/"
  elif [ -r "$data_src/$f" ]; then
    gzip -9 -c "$data_src/$f" >"$kit/data/$f.gz"
  else
    die "no $f(.gz) in $data_src: run ci/fetch-mnist.sh"
  fi
done

# The published log of the Theano tutorial's logistic_sgd.py (deeplearning.net, BSD-licensed
# DeepLearningTutorials), the same figures tests/test_mnist.cpp and README.md already quote.
cp "$reference" "$kit/reference/theano-logreg.log"
chmod 644 "$kit/reference/theano-logreg.log"

cp "$root/ci/gpu-kit/run.sh" "$kit/run.sh"
cp "$root/ci/gpu-kit/checks.sh" "$kit/checks.sh"
chmod 755 "$kit/run.sh"
cat >"$kit/README.txt" <<'EOF'
Run ./run.sh [RESULTS_DIR] on the GPU machine (no packages needed); every output lands in RESULTS_DIR (default ./results-<host>-<date>), summary.txt first, and the exit status is 0 only if every step passed.
Settings by environment (KIT_DEVICE=gpu, KIT_TUNE_BUDGET=60, KIT_DEADLINE=480, KIT_STEPS, KIT_GLIBC, ...) are listed at the head of run.sh.
EOF

need_glibc=$(for f in "$kit"/bin/* "$kit"/lib/*; do objdump -T "$f"; done |
  grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
{
  echo "KIT_BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "GIT_COMMIT=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "GIT_DIRTY=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
  echo "NEED_GLIBC=$need_glibc"
  echo "BUILD_GLIBC=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')"
  echo "CLMNIST_VERSION=$(env LD_LIBRARY_PATH= "$kit/bin/clmnist" --version | head -n 1)"
} >"$kit/kit.env"

tar -C "$out" -czf "$kit.tar.gz" clmnist-gpu-kit
echo "gpu-kit: $kit ($(du -sh "$kit" | cut -f1)), $kit.tar.gz ($(du -h "$kit.tar.gz" | cut -f1));" \
  "needs glibc $need_glibc (older: run.sh uses glibc/)"
