#!/usr/bin/env python3
"""The kernel compile matrix (issue 10), run by ci/lint-kernels.sh.

Every kernel variant is compiled for
  lint14   clang-14 -cl-std=CL1.2 -fsyntax-only -Werror (the original lint)
  sm_90    clang-15 nvptx64-nvidia-nvcl -march=sm_80 -O2 -Wall -Werror -S, libclc linked (PTX;
           clang-15 knows no sm_90), then CUDA's ptxas -arch=sm_90 -v: the machine code of an
           H100/H200, linked, so an unresolved function fails as it would in NVIDIA's driver
  gfx90a   clang-15 amdgcn-amd-amdhsa -mcpu=gfx90a, libclc linked (wave64); the defaults and
           gpu-default variants also compiled to an object and linked by ld.lld into a code
           object as ROCm does
  gfx1100  the same for gfx1100 (wave32)
  spir64   clang-15 -target spir64 -c -emit-llvm
  tgllp, dg2, pvc   Intel's own compiler, ocloc (intel-opencl-icd), zebin output (linked)
and one table of per-kernel resources is printed. It fails on any compile or link error, on a plain
C99 `inline` function in cl/ (without `static` it is an external declaration that clang may leave
unresolved on nvptx and amdgcn), and on scratch or spills in any kernel of a gpu-default variant.
Candidate and defaults-only variants (CPU-shaped ones included) only have to compile and link.

Where the numbers come from:
  sm_90: ptxas -v, per entry function: registers, stack frame and spill bytes. Where ptxas is not
    installed (it ships with CUDA, not Debian) a visible note says so and the figure is the PTX's
    local depot only, private memory the PTX already keeps in local memory; nothing is linked.
  amdgcn: the backend's "; Kernel info" comments (TotalNumVgprs, NumSgprs, ScratchSize,
    Occupancy) and the HSA metadata's .vgpr_spill_count/.sgpr_spill_count. Without libclc the
    built-ins would be calls and these numbers bogus (shared/GPU.md).
  Intel: the zebin's .ze_info (simd_size, grf_count, per_thread_memory_buffers: scratch and
    stateless private) and ocloc's "spilled around N" warnings.

Variants: `BINARY tune --list-variants` prints `<role> <file> [-Dname[=value] ...]` lines; when
the binary is missing or that command fails, ci/kernel-variants.txt (same format) is used. Every
cl/*.cl file is compiled with its defaults alone too (role "defaults").
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import shlex
import tempfile
import time

from kernel_resources import (elf_section, parse_amdgcn, parse_ptx, parse_ptxas,
                              parse_zeinfo)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBCLC = {"nvptx": "/usr/lib/clc/nvptx64--nvidiacl.bc", "amdgcn": "/usr/lib/clc/amdgcn--amdhsa.bc"}
# libclc's bitcode is built for the triples nvptx64-unknown-nvidiacl and amdgcn-unknown-amdhsa;
# linking it into nvptx64-nvidia-nvcl / amdgcn-amd-amdhsa modules gives exactly one linker warning
# about the triples' spelling (the generated code is the same but for the target string). That
# warning, and only it, is tolerated: any other output fails the compile.
TRIPLE_WARNING = re.compile(
    r"warning: linking module '[^']*/clc/[^']*': Linking two modules of different target "
    r"triples: [^\n]*\n \[-Wlinker-warnings\]\n")
TARGETS = ("lint14", "sm_90", "gfx90a", "gfx1100", "spir64", "tgllp", "dg2", "pvc")
RESOURCE_TARGETS = ("sm_90", "gfx90a", "gfx1100", "tgllp", "dg2", "pvc")
INTEL = ("tgllp", "dg2", "pvc")


def find_ptxas():
    """CUDA's ptxas: on PATH, under $CUDA_HOME, or where the toolkit installs it; None if absent."""
    found = shutil.which("ptxas")
    if found:
        return found
    roots = [os.environ.get("CUDA_HOME", ""), os.environ.get("CUDA_PATH", ""), "/usr/local/cuda"]
    roots += sorted(glob.glob("/usr/local/cuda-*"), reverse=True) + ["/opt/cuda"]
    for r in roots:
        p = os.path.join(r, "bin", "ptxas")
        if r and os.access(p, os.X_OK):
            return p
    return None


PTXAS = find_ptxas()
LLD = shutil.which("ld.lld-15") or shutil.which("ld.lld")


class Variant:
    def __init__(self, role, file, defines):
        self.role, self.file, self.defines = role, file, list(defines)

    def label(self):
        return " ".join([self.file] + self.defines)


def parse_variants(text, origin):
    """Parses `<role> <file> [-Dname[=value] ...]` lines; raises ValueError naming the bad line."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) < 2 or words[0] not in ("gpu-default", "candidate"):
            raise ValueError(f"{origin}:{n}: expected '<gpu-default|candidate> <file> [-D...]': "
                             + line)
        bad = [w for w in words[2:]
               if not re.fullmatch(r"-D[A-Za-z_][A-Za-z0-9_]*(=[A-Za-z0-9_.+-]*)?", w)]
        if bad:
            raise ValueError(f"{origin}:{n}: only -Dname[=value] options may follow the file: "
                             f"{bad}")
        if (not re.fullmatch(r"cl/[A-Za-z0-9_]+\.cl", words[1])
                or not os.path.isfile(os.path.join(ROOT, words[1]))):
            raise ValueError(f"{origin}:{n}: no kernel file {words[1]} in cl/")
        out.append(Variant(words[0], words[1], words[2:]))
    if not out:
        raise ValueError(f"{origin}: lists no variant")
    return out


def load_variants(binary):
    """The variants from `binary tune --list-variants` if it answers, else the static list."""
    static = os.path.join(ROOT, "ci", "kernel-variants.txt")
    source = None
    if os.path.isfile(binary) and os.access(binary, os.X_OK):
        try:
            r = subprocess.run([binary, "tune", "--list-variants"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60)
            if r.returncode == 0:
                source = (r.stdout, f"{binary} tune --list-variants")
            else:
                print(f"lint-kernels: {binary} tune --list-variants exited {r.returncode}; "
                      f"using {os.path.relpath(static, ROOT)}")
        except subprocess.TimeoutExpired:
            print(f"lint-kernels: {binary} tune --list-variants timed out; using the static list")
    else:
        print(f"lint-kernels: no binary at {binary}; using {os.path.relpath(static, ROOT)}")
    if source is None:
        with open(static) as f:
            source = (f.read(), os.path.relpath(static, ROOT))
    else:
        print(f"lint-kernels: variants from {source[1]}")
    variants = parse_variants(*source)
    files = sorted(f"cl/{f}" for f in os.listdir(os.path.join(ROOT, "cl")) if f.endswith(".cl"))
    variants = [Variant("defaults", f, []) for f in files] + variants
    seen, unique = {}, []
    for v in variants:  # one compile per (file, option set); the stricter role wins
        key = (v.file, tuple(sorted(v.defines)))
        if key in seen:
            if v.role == "gpu-default":
                seen[key].role = "gpu-default"
            continue
        seen[key] = v
        unique.append(v)
    return unique


def run(cmd, cwd=ROOT):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def clang15(target_args, out_args, v, out, libclc=None):
    cmd = ["clang-15", "-x", "cl", "-cl-std=CL1.2", "-Xclang", "-finclude-default-header", "-O2",
           "-Wall", "-Werror", "-I", "cl"] + target_args
    if libclc:
        cmd += ["-Wno-error=linker-warnings", "-Xclang", "-mlink-builtin-bitcode", "-Xclang",
                libclc]
    cmd += v.defines + out_args + [v.file, "-o", out]
    rc, log = run(cmd)
    rest = TRIPLE_WARNING.sub("", log)
    rest = re.sub(r"^\d+ warnings? generated\.\n", "", rest, flags=re.M) if rest != log else rest
    if rc == 0 and rest.strip():
        rc = 1  # an unexpected linker warning: not tolerated
    return rc, rest, cmd


def plain_inline_functions():
    """`file:line: text` of every function declared `inline` without `static` in cl/."""
    found = []
    cl = os.path.join(ROOT, "cl")
    for name in sorted(os.listdir(cl)):
        if not name.endswith((".cl", ".clh")):
            continue
        with open(os.path.join(cl, name)) as f:
            for n, line in enumerate(f, 1):
                m = re.match(r"\s*((?:\w+\s+)*?)inline\b", line)
                if m and "static" not in m.group(1).split():
                    found.append(f"cl/{name}:{n}: {line.strip()}")
    return found


def intel_variants(variants, every):
    """The variants ocloc compiles: all with `every`, else the gpu-default ones, every file's
    defaults and the first candidate of each file. ocloc takes 1-6 s a compile and device, 3/4 of
    the matrix's time; the tuner lists 36 candidates today, and all of them for three Intel devices
    would take the lint past 4 minutes on 2 cores. clang covers every candidate for the other
    targets."""
    chosen, files = set(), set()
    for i, v in enumerate(variants):
        if every or v.role != "candidate" or v.file not in files:
            chosen.add(i)
        if v.role == "candidate":
            files.add(v.file)
    return chosen


def timed(f, *a):
    started = time.monotonic()
    return f(*a) + (time.monotonic() - started,)


def compile_job(v, target, base):
    """Compiles one variant for one target, its outputs named from base:
    (ok, log, command, {kernel: resources} or None)."""
    if target == "lint14":
        cmd = ["clang-14", "-x", "cl", "-cl-std=CL1.2", "-Xclang", "-finclude-default-header",
               "-fsyntax-only", "-Werror", "-I", "cl"] + v.defines + [v.file]
        rc, log = run(cmd)
        return rc == 0, log, cmd, None
    if target == "spir64":
        rc, log, cmd = clang15(["-target", "spir64"], ["-c", "-emit-llvm"], v, base + ".bc")
        return rc == 0, log, cmd, None
    if target == "sm_90":
        rc, log, cmd = clang15(["-target", "nvptx64-nvidia-nvcl", "-march=sm_80"], ["-S"], v,
                               base + ".ptx", LIBCLC["nvptx"])
        if rc != 0:
            return False, log, cmd, None
        if PTXAS is None:
            with open(base + ".ptx") as f:
                return True, log, cmd, parse_ptx(f.read())
        cmd = [PTXAS, "-arch=sm_90", "-v", base + ".ptx", "-o", base + ".cubin"]
        rc, out = run(cmd)
        if rc != 0:
            return False, out, cmd, None
        return True, log, cmd, parse_ptxas(out)
    if target in ("gfx90a", "gfx1100"):
        rc, log, cmd = clang15(["-target", "amdgcn-amd-amdhsa", f"-mcpu={target}", "-nogpulib"],
                               ["-S"], v, base + ".s", LIBCLC["amdgcn"])
        if rc != 0:
            return False, log, cmd, None
        if v.role != "candidate":
            # Compiled to an object and linked into a code object, as ROCm does: an unresolved
            # call fails here. (Not by assembling the .s: LLVM 15's gfx11 assembler refuses
            # v_mad_u64_u32 operands its own code generator emits.) Candidates share the
            # defaults' helpers and the plain-inline check above, so they are not linked twice.
            rc, out, cmd = clang15(["-target", "amdgcn-amd-amdhsa", f"-mcpu={target}",
                                    "-nogpulib"], ["-c"], v, base + ".o", LIBCLC["amdgcn"])
            if rc == 0:
                cmd = [LLD, "-shared", base + ".o", "-o", base + ".hsaco"]
                rc, out = run(cmd)
            if rc != 0:
                return False, out, cmd, None
        with open(base + ".s") as f:
            return True, log, cmd, parse_amdgcn(f.read())
    # Intel: ocloc ships in Debian 12's intel-opencl-icd (a front end of libocloc.so). Its -q
    # would also hide the spill warnings, so its output is read instead.
    os.makedirs(base, exist_ok=True)
    options = " ".join(["-cl-std=CL1.2", "-Werror", "-I", "cl"] + v.defines)
    cmd = ["ocloc", "compile", "-file", v.file, "-device", target, "--format", "zebin",
           "-out_dir", base, "-output_no_suffix", "-output", "k", "-options", options]
    rc, log = run(cmd)
    if rc != 0:
        return False, log, cmd, None
    zebin = os.path.join(base, "k")
    info = elf_section(zebin, ".ze_info") if os.path.isfile(zebin) else None
    if info is None:
        return False, log + f"\nno zebin with .ze_info at {zebin}", cmd, None
    kernels = parse_zeinfo(info.decode())
    for m in re.finditer(r"warning: kernel (\w+)\s+compiled SIMD(\d+) allocated (\d+) regs and "
                         r"spilled around (\d+)", log):
        kernels.setdefault(m.group(1), {"simd": int(m.group(2)), "grf": int(m.group(3)),
                                        "scratch": 0})["spills"] = int(m.group(4))
    unexpected = [l for l in log.splitlines() if l.strip() and "spilled around" not in l
                  and l.strip() != "Build succeeded."]
    return True, "\n".join(unexpected), cmd, kernels


def cell(target, r):
    if r is None:
        return "-"
    if target == "sm_90" and PTXAS is None:
        return f"lmem {r['scratch']}"
    if target == "sm_90":
        s = f"{r['regs']}r"
    elif target in INTEL:
        s = f"x{r['simd']} {r['grf']}r"
    else:
        s = f"{r['vgpr']}v {r['sgpr']}s o{r['occupancy']}"
    if r["scratch"]:
        s += f" S{r['scratch']}"
    if r.get("spills"):
        s += f" sp{r['spills']}"
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary", nargs="?",
                    default=os.environ.get("CLMNIST_BIN", "build/apps/clmnist"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--all-intel", action="store_true",
                    help="compile every candidate with ocloc too (slow)")
    args = ap.parse_args()
    binary = args.binary if os.path.isabs(args.binary) else os.path.join(ROOT, args.binary)

    missing = [t for t in ("clang-14", "clang-15", "ocloc") if shutil.which(t) is None]
    missing += [] if LLD else ["ld.lld"]
    missing += [p for p in LIBCLC.values() if not os.path.isfile(p)]
    if missing:
        print(f"lint-kernels: missing {' '.join(missing)}; run ci/install-deps.sh", file=sys.stderr)
        return 1
    try:
        variants = load_variants(binary)
    except ValueError as e:
        print(f"lint-kernels: {e}", file=sys.stderr)
        return 1

    plain = plain_inline_functions()
    if plain:
        print("lint-kernels: plain C99 `inline` functions in cl/ (an external declaration: clang "
              "may leave the call unresolved on nvptx and amdgcn, and the driver's link fails); "
              "declare them `static inline`:\n  " + "\n  ".join(plain), file=sys.stderr)
        return 1
    if PTXAS is None:
        print("lint-kernels: NOTE: CUDA's ptxas not found (PATH, $CUDA_HOME/bin, /usr/local/cuda*/"
              "bin): sm_90 is compiled to PTX but not assembled or linked, and its column shows "
              "the PTX local depot instead of registers")
    else:
        print(f"lint-kernels: sm_90 linked by {PTXAS}")
    tmp = tempfile.mkdtemp(prefix="clmnist-kernel-lint-")
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            intel = intel_variants(variants, args.all_intel)
            futures = {(i, t): pool.submit(timed, compile_job, v, t, os.path.join(tmp, f"{i}-{t}"))
                       for i, v in enumerate(variants) for t in TARGETS
                       if t not in INTEL or i in intel}
            results = {k: f.result() for k, f in futures.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    wall = time.monotonic() - started
    skipped = {(i, t) for i in range(len(variants)) for t in TARGETS if (i, t) not in results}
    for k in skipped:
        results[k] = (True, "", [], None, 0.0)

    failures, notes, table = [], [], []
    for i, v in enumerate(variants):
        failed = [t for t in TARGETS if not results[(i, t)][0]]
        table.append([f"{v.label()}  [{v.role}]"
                      + (f"  COMPILE FAILED: {' '.join(failed)}" if failed else "")])
        for t in TARGETS:
            ok, log, cmd, _, _ = results[(i, t)]
            if not ok:
                failures.append(f"{v.label()} [{t}]: compile failed\n    $ {shlex.join(cmd)}\n"
                                + "\n".join("    " + l for l in log.strip().splitlines()))
            elif log.strip():
                notes.append(f"{v.label()} [{t}] printed:\n"
                             + "\n".join("    " + l for l in log.strip().splitlines()))
        names = []
        for t in RESOURCE_TARGETS:
            names += [k for k in (results[(i, t)][3] or {}) if k not in names]
        for k in names:
            row = ["  " + k]
            for t in RESOURCE_TARGETS:
                r = (results[(i, t)][3] or {}).get(k)
                bad = (v.role == "gpu-default" and r is not None
                       and (r["scratch"] > 0 or (r.get("spills") or 0) > 0))
                if bad:
                    failures.append(f"{v.label()} [{t}] {k}: a gpu-default variant with scratch "
                                    f"{r['scratch']} B, spills {r.get('spills') or 0}")
                row.append("." if (i, t) in skipped else ("!" if bad else "") + cell(t, r))
            table.append(row)

    nvidia = ("registers r, stack frame bytes S, spill bytes sp (ptxas)" if PTXAS else
              "PTX local depot bytes (no ptxas)")
    print(f"lint-kernels: resources per kernel. sm_90: {nvidia};"
          " AMD: VGPRs v, SGPRs s, occupancy o (waves per SIMD), scratch bytes S, spills sp;"
          " Intel: SIMD width x, GRFs r, per-thread scratch+private bytes S, spills sp."
          " ! = not allowed (gpu-default). . = not compiled: ocloc compiles gpu-default variants,"
          " defaults and one candidate a file (--all-intel: all).")
    header = ["  kernel"] + list(RESOURCE_TARGETS)
    widths = [max(len(r[c]) for r in [header] + table if len(r) > 1) for c in range(len(header))]
    for r in [header] + table:
        print("  ".join(f"{c:<{w}}" for c, w in zip(r, widths)).rstrip() if len(r) > 1 else r[0])
    for n in notes:
        print(f"lint-kernels: note: {n}")
    per_target = {t: sum(results[(i, t)][4] for i in range(len(variants))) for t in TARGETS}
    print(f"lint-kernels: {len(variants)} variants, {len(results) - len(skipped)} compiles in "
          f"{wall:.0f} s with "
          f"{args.jobs} jobs; compile seconds per target: "
          + ", ".join(f"{t} {s:.0f}" for t, s in per_target.items()))
    if failures:
        print(f"lint-kernels: FAILED, {len(failures)} problem(s):", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    print("lint-kernels: every compile and link passed; gpu-default variants have no "
          "scratch or spills")
    return 0


if __name__ == "__main__":
    sys.exit(main())
