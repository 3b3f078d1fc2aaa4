"""Which OpenBLAS kernel numpy runs, and its best one for this CPU when OpenBLAS falls back.

OpenBLAS 0.3.21 (Debian 12) is built with DYNAMIC_ARCH and picks its kernel by CPU model. For a
model newer than it knows (an Emerald Rapids Xeon, model 207, for one) it takes "Prescott", its
SSE3 kernel, which made numpy's 600x784x10 products 1.6-2.4x slower than with its AVX-512
kernel on such a machine (bench/compare_numpy.py, 2026-12-05). A comparison against that would
flatter clmnist, so before numpy is imported, best_core() sets OPENBLAS_CORETYPE to the kernel
that the CPU's flags allow (SkylakeX with AVX-512, Haswell with AVX2 and FMA) when the
detected one is such a fallback, and says so. A value the user set is left alone.
"""
import os
import subprocess
import sys

# OpenBLAS's names for cores without AVX: a modern x86-64 CPU lands here only by falling back.
FALLBACK_CORES = {"prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom",
                  "penryn", "dunnington", "nehalem", "unknown"}

PROBE = """
import ctypes, numpy
for line in open('/proc/self/maps'):
    path = line.split()[-1]
    if 'openblas' in path and '.so' in path:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        print(lib.openblas_get_corename().decode())
        break
else:
    print('none')
"""


def numpy_core(env=None):
    """The OpenBLAS core numpy loads under `env` ('none' without OpenBLAS, '?' if unknown)."""
    try:
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                             text=True, timeout=120, check=True).stdout.split()
        return out[-1] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def best_core():
    """Sets OPENBLAS_CORETYPE where OpenBLAS fell back; returns a line describing the core used.
    Call it before numpy is imported."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return "OpenBLAS core %s (OPENBLAS_CORETYPE=%s, as given)" % (
            numpy_core(), os.environ["OPENBLAS_CORETYPE"])
    detected = numpy_core()
    if detected.lower() not in FALLBACK_CORES:
        return "OpenBLAS core %s (detected)" % detected
    flags = cpu_flags()
    wanted = ("SkylakeX" if {"avx512f", "avx512bw", "avx512vl"} <= flags
              else "Haswell" if {"avx2", "fma"} <= flags else None)
    if wanted is None:
        return "OpenBLAS core %s (detected; the CPU has no AVX2)" % detected
    env = dict(os.environ, OPENBLAS_CORETYPE=wanted)
    got = numpy_core(env)
    if got.lower() != wanted.lower():
        return "OpenBLAS core %s (detected; OPENBLAS_CORETYPE=%s gave %s, not kept)" % (
            detected, wanted, got)
    os.environ["OPENBLAS_CORETYPE"] = wanted
    return ("OpenBLAS core %s (OPENBLAS_CORETYPE=%s set here: OpenBLAS detected %s, its fallback "
            "without AVX, for this CPU)" % (got, wanted, detected))
