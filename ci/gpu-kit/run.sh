#!/usr/bin/env bash
# The clmnist GPU check kit (built by ci/gpu-kit.sh): runs on a machine with an NVIDIA GPU and its
# driver but no packages and no internet, in under 8 minutes, and leaves every output in one folder.
#
#   ./run.sh [RESULTS_DIR]        (default ./results-<host>-<date>)
#
# RESULTS_DIR gets <step>.log for every step (the command line first, then its stdout and stderr),
# summary.txt (a line a step: name, PASS/FAIL/SKIP, exit status, seconds, a note; then the figures
# a person reads first: training speeds without model saves, each kernel family's time a step, the
# per-kernel microseconds, launches a step against the launch latency, the driver's register
# report), tuning.json, bench*.json (what `clmnist bench compare` reads), bench*.csv and the
# training summaries. A failing step does not stop the others; the exit status is 1 when any step
# failed. A training log that differs from a published one is reported with its first differing
# line.
#
# Environment (the defaults are for the NVIDIA machine):
#   KIT_DEVICE=gpu          --device of every step, CLMNIST_TEST_DEVICE of the device tests
#   KIT_ICD_DIR=            an OpenCL vendors directory to use as it is (e.g. /etc/OpenCL/vendors)
#                           instead of finding libnvidia-opencl.so.1
#   KIT_IMPL=gpu            --impl of the first logistic-regression reference run
#   KIT_MLP_IMPL=gpu        --impl of the three MLP epochs
#   KIT_LENET_IMPL=auto     --impl of the three LeNet epochs
#   KIT_LOGREG_GPU_EPOCHS=  stop the KIT_IMPL reference run after N epochs and compare those lines
#                           only (for slow CPU devices; empty: the whole run, the whole log)
#   KIT_TUNE_BUDGET=60      seconds of `tune --budget` per preset
#   KIT_QUICK=              1: bench --quick --runs 1 for both presets, tune --rounds 3
#   KIT_DEADLINE=480        seconds for the whole run; each step's limit is cut to what is left
#   KIT_GLIBC=auto          auto | system | bundled: run the binaries with the kit's own glibc
#                           (glibc/, through its loader) when the system's is older than they need
#   KIT_STEPS=              only the steps named (space-separated; a name also selects the steps
#                           that begin with name-, so "tune" runs tune-theano and tune-mlp)
#   KIT_SKIP=               steps not to run, recorded as SKIP (names as for KIT_STEPS)
#   KIT_KEEP_SCRATCH=       1: keep RESULTS_DIR/scratch (kernel caches, models, test files)
#   KIT_INJECT=             STEP=SPEC: run STEP with CLMNIST_FAULT=SPEC (the kit's own test makes
#                           a step fail this way and checks that the others still report)
set -u

kit=$(cd "$(dirname "$0")" && pwd -P)
host=$(uname -n)
out=${1:-results-${host%%.*}-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd -P)
scratch=$out/scratch
mkdir -p "$scratch"

device=${KIT_DEVICE:-gpu}
impl=${KIT_IMPL:-gpu}
mlp_impl=${KIT_MLP_IMPL:-gpu}
lenet_impl=${KIT_LENET_IMPL:-auto}
inject=${KIT_INJECT:-}
gpu_epochs=${KIT_LOGREG_GPU_EPOCHS:-}
tune_budget=${KIT_TUNE_BUDGET:-60}
quick=${KIT_QUICK:-}
deadline=${KIT_DEADLINE:-480}
steps=${KIT_STEPS:-}
skip=${KIT_SKIP:-}
data=$kit/data
reference=$kit/reference/theano-logreg.log
summary=$out/summary.txt
failures=0
t_start=$(date +%s.%N)

# Only the kit's settings apply: CLMNIST_* from the caller's environment would override defaults.
while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(CLMNIST_[A-Za-z0-9_]*\)=.*/\1/p')
export CLMNIST_CACHE_DIR="$scratch/kernel-cache" POCL_CACHE_DIR="$scratch/pocl-cache"
export CUDA_CACHE_PATH="$scratch/nv-cache"
cd "$scratch" || exit 1

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# record NAME STATUS RC SECONDS NOTE: a line of summary.txt, echoed for whoever watches.
record() {
  local line
  line=$(printf '%-16s %-4s rc=%-4s %7ss  %s' "$1" "$2" "$3" "$4" "$5")
  printf '%s\n' "$line" >>"$summary"
  printf '%s\n' "$line"
  if [ "$2" = FAIL ]; then failures=$((failures + 1)); fi
}

# matches NAME LIST: whether a word of LIST names the step NAME (or NAME begins with word-).
matches() {
  local w
  for w in $2; do
    case $1 in "$w" | "$w"-*) return 0 ;; esac
  done
  return 1
}

# wanted NAME: whether the step runs. Steps left out by KIT_STEPS are silent; those named in
# KIT_SKIP are recorded as skipped.
wanted() {
  case $1 in glibc | icd) return 0 ;; esac # the set-up every step needs
  if [ -n "$steps" ] && ! matches "$1" "$steps"; then return 1; fi
  if matches "$1" "$skip"; then
    record "$1" SKIP - 0 "KIT_SKIP"
    return 1
  fi
  return 0
}

# run_step NAME LIMIT COMMAND...: COMMAND under `timeout`, its output in NAME.log. Returns its status.
run_step() {
  local name=$1 limit=$2 left t0 rc=0 note=""
  shift 2
  wanted "$name" || return 0
  left=$(awk -v d="$deadline" -v e="$(elapsed "$t_start")" 'BEGIN { printf "%d", d - e }')
  if [ "$left" -lt 10 ]; then
    record "$name" FAIL - 0 "not run: the ${deadline} s deadline (KIT_DEADLINE) was reached"
    return 1
  fi
  if [ "$limit" -gt "$left" ]; then limit=$left; fi
  local fault=()
  if [ -n "$inject" ] && [ "${inject%%=*}" = "$name" ]; then
    fault=(env "CLMNIST_FAULT=${inject#*=}")
    note="CLMNIST_FAULT=${inject#*=} injected; "
  fi
  printf '$ %s\n' "${fault[*]+${fault[*]} }$*" >"$out/$name.log"
  t0=$(date +%s.%N)
  timeout -k 10 "$limit" ${fault[@]+"${fault[@]}"} "$@" >>"$out/$name.log" 2>&1 </dev/null || rc=$?
  case $rc in
    0) ;;
    124 | 137) note="${note}timed out after ${limit} s" ;;
    *) note="${note}exit status $rc" ;;
  esac
  if [ "$rc" -eq 0 ]; then
    record "$name" PASS "$rc" "$(elapsed "$t0")" "$note"
  else
    record "$name" FAIL "$rc" "$(elapsed "$t0")" "$note"
  fi
  return "$rc"
}

# check_step NAME FUNCTION ARGS...: a check of earlier output (no timeout); FUNCTION's output goes to
# NAME.log and its last line becomes the note.
check_step() {
  local name=$1 t0 rc=0
  shift
  wanted "$name" || return 0
  t0=$(date +%s.%N)
  "$@" >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    record "$name" PASS "$rc" "$(elapsed "$t0")" "$(tail -n 1 "$out/$name.log")"
  else
    record "$name" FAIL "$rc" "$(elapsed "$t0")" "$(tail -n 1 "$out/$name.log")"
  fi
}

# compare_logreg, compare_mlp, compare_lenet and figures.
# shellcheck source=ci/gpu-kit/checks.sh
source "$kit/checks.sh"

# find_nvidia_opencl: the path of NVIDIA's OpenCL driver library, or nothing.
find_nvidia_opencl() {
  local ldconfig p d
  ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
  p=$("$ldconfig" -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1 .*x86-64/ { print $NF; exit }')
  if [ -n "$p" ] && [ -e "$p" ]; then
    echo "$p"
    return 0
  fi
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
    /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu/nvidia/current; do
    for p in "$d/libnvidia-opencl.so.1" "$d"/libnvidia-opencl.so.[0-9]*; do
      if [ -e "$p" ]; then
        echo "$p"
        return 0
      fi
    done
  done
  return 1
}

# setup_icd: OCL_ICD_VENDORS for the bundled ICD loader.
setup_icd() {
  local lib
  echo "OpenCL vendors on this machine (/etc/OpenCL/vendors):"
  ls -l /etc/OpenCL/vendors 2>&1
  if [ -n "${KIT_ICD_DIR:-}" ]; then
    export OCL_ICD_VENDORS="$KIT_ICD_DIR"
    echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS (KIT_ICD_DIR)"
    return 0
  fi
  if ! lib=$(find_nvidia_opencl); then
    echo "libnvidia-opencl.so.1 not found (ldconfig -p, /usr/lib/x86_64-linux-gnu, /usr/lib64," \
      "/usr/lib, /usr/local/nvidia); OCL_ICD_VENDORS left unset"
    return 1
  fi
  mkdir -p "$out/icd"
  rm -f "$out/icd"/*.icd
  printf '%s\n' "$lib" >"$out/icd/nvidia.icd"
  export OCL_ICD_VENDORS="$out/icd"
  ls -l "$lib"
  echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS, nvidia.icd names $lib"
}

# setup_glibc: how the binaries are started (the array launch).
launch=()
setup_glibc() {
  local need have mode=${KIT_GLIBC:-auto}
  need=$(sed -n 's/^NEED_GLIBC=//p' "$kit/kit.env")
  have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')
  echo "the kit's binaries need glibc ${need:-?}; this system has ${have:-?}; KIT_GLIBC=$mode"
  if [ "$mode" = auto ]; then
    mode=system
    if [ -z "$have" ] || [ -z "$need" ] ||
      [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n 1)" != "$need" ]; then
      mode=bundled
    fi
  fi
  if [ "$mode" = bundled ]; then
    launch=("$kit/glibc/ld-linux-x86-64.so.2" --library-path "$kit/glibc:$kit/lib")
    echo "running the binaries with the kit's glibc: ${launch[*]}"
  else
    echo "running the binaries with the system's glibc"
  fi
}

echo "clmnist GPU kit: results in $out (deadline ${deadline} s)"
{
  echo "# clmnist GPU kit on $host, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  sed 's/^/# /' "$kit/kit.env"
  echo "# KIT_DEVICE=$device KIT_IMPL=$impl KIT_MLP_IMPL=$mlp_impl" \
    "KIT_LOGREG_GPU_EPOCHS=$gpu_epochs KIT_TUNE_BUDGET=$tune_budget KIT_QUICK=$quick" \
    "KIT_ICD_DIR=${KIT_ICD_DIR:-} KIT_GLIBC=${KIT_GLIBC:-auto}"
} >"$summary"

check_step glibc setup_glibc
check_step icd setup_icd
clm=(${launch[@]+"${launch[@]}"} "$kit/bin/clmnist")
tests=(${launch[@]+"${launch[@]}"} "$kit/bin/clmnist_device_tests")

# The machine.
run_step uname 10 uname -a
run_step os-release 10 cat /etc/os-release
run_step lscpu 20 lscpu
if command -v nvidia-smi >/dev/null 2>&1; then
  run_step nvidia-smi 60 nvidia-smi -q
elif wanted nvidia-smi; then
  record nvidia-smi SKIP - 0 "no nvidia-smi on this machine"
fi

# The program and the devices it sees.
run_step version 30 "${clm[@]}" --version
run_step devices 60 "${clm[@]}" devices
run_step devices-json 60 "${clm[@]}" devices --json

# The device tests on the chosen device (tests/test_support.cpp reads CLMNIST_TEST_DEVICE).
mkdir -p "$scratch/test-tmp"
run_step device-tests 300 env CLMNIST_REQUIRE_DEVICE=1 CLMNIST_TEST_DEVICE="$device" \
  CLMNIST_TEST_TMP="$scratch/test-tmp" CLMNIST_TUNING_FILE="$scratch/test-tmp/no-tuning.json" \
  "${tests[@]}" --durations yes

# The logistic-regression reference run (logistic_sgd.py's published log, line for line). No model
# is saved, so "The code run for" line is the training speed alone (a save at each new best
# validation, with two fsyncs, would be timed too).
train=("${clm[@]}" train --device "$device" --data-dir "$data" --tuning-file "$out/tuning.json"
  --save-model "")
epochs_arg=()
if [ -n "$gpu_epochs" ]; then epochs_arg=(--max-epochs "$gpu_epochs"); fi
run_step logreg-gpu 150 "${train[@]}" --impl "$impl" ${epochs_arg[@]+"${epochs_arg[@]}"} \
  --summary-json "$out/logreg-gpu.json"
check_step logreg-gpu-log compare_logreg "$out/logreg-gpu.log" "$gpu_epochs"
run_step logreg-auto 150 "${train[@]}" --impl auto --summary-json "$out/logreg-auto.json"
check_step logreg-auto-log compare_logreg "$out/logreg-auto.log"

# Three epochs of mlp.py (784-500 tanh-10).
run_step mlp 180 "${train[@]}" --preset theano-mlp --max-epochs 3 --impl "$mlp_impl" \
  --summary-json "$out/mlp.json"
check_step mlp-log compare_mlp "$out/mlp.log"

# Three epochs of convolutional_mlp.py (LeNet: two conv + max-pool layers, 500 tanh, 10).
run_step lenet 240 "${train[@]}" --preset theano-lenet --max-epochs 3 --impl "$lenet_impl" \
  --summary-json "$out/lenet.json"
check_step lenet-log compare_lenet "$out/lenet.log"

# The tuner, then the benchmark with its choices.
tune_args=(--device "$device" --data-dir "$data" --tuning-file "$out/tuning.json"
  --budget "$tune_budget")
# bench's headline is the planner's choice with the tuned settings (--impl auto after tune).
# Every family timed, also with --quick (which times the headline alone by default).
bench_args=(--device "$device" --data-dir "$data" --tuning-file "$out/tuning.json" --impl auto
            --families all)
if [ "$quick" = 1 ]; then
  tune_args+=(--rounds 3)
  bench_args+=(--quick --runs 1)
fi
run_step tune-theano $((tune_budget + 120)) "${clm[@]}" tune --preset theano "${tune_args[@]}"
run_step tune-mlp $((tune_budget + 120)) "${clm[@]}" tune --preset theano-mlp "${tune_args[@]}"
run_step bench-theano 180 "${clm[@]}" bench "${bench_args[@]}" \
  --json "$out/bench.json" --csv "$out/bench.csv"
mlp_quick=(--quick)
if [ "$quick" = 1 ]; then mlp_quick=(); fi
run_step bench-mlp 150 "${clm[@]}" bench --preset theano-mlp "${bench_args[@]}" \
  ${mlp_quick[@]+"${mlp_quick[@]}"} \
  --json "$out/bench-mlp.json" --csv "$out/bench-mlp.csv"
run_step tune-lenet $((tune_budget + 120)) "${clm[@]}" tune --preset theano-lenet "${tune_args[@]}"
run_step bench-lenet 150 "${clm[@]}" bench --preset theano-lenet "${bench_args[@]}" --quick \
  --json "$out/bench-lenet.json" --csv "$out/bench-lenet.csv"

cd "$out" || exit 1
if [ "${KIT_KEEP_SCRATCH:-}" != 1 ]; then rm -rf "$scratch"; fi
echo "# $failures failed, $(elapsed "$t_start") s in all" >>"$summary"
figures >>"$summary"
echo "clmnist GPU kit: $failures failed, $(elapsed "$t_start") s; results in $out"
[ "$failures" -eq 0 ]
