"""Per-kernel resources from the compilers' outputs, for ci/kernel_matrix.py: PTX local depots,
ptxas -v reports, AMD assembly comments and HSA metadata, Intel zebins' .ze_info."""

import re
import struct


def parse_ptx(text):
    kernels, current = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*\.entry\s+(\w+)", line)
        if m:
            current = m.group(1)
            kernels[current] = {"scratch": 0}
            continue
        if re.match(r"\s*(\.visible\s+|\.weak\s+)?\.func\b", line):
            current = None  # a device function's depot is not a kernel's
        m = re.search(r"\.local\s.*__local_depot\d+\[(\d+)\]", line)
        if m and current:
            kernels[current]["scratch"] += int(m.group(1))
    return kernels


def parse_ptxas(text):
    """Registers, stack frame and spill bytes per entry function from `ptxas -v`."""
    kernels, current = {}, None
    for line in text.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            kernels[m.group(1)] = {"regs": None, "scratch": 0, "spills": 0}
        m = re.search(r"Function properties for (\w+)", line)
        if m:
            current = m.group(1) if m.group(1) in kernels else None  # not a device function's
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads",
                      line)
        if m and current:
            kernels[current]["scratch"] = int(m.group(1))
            kernels[current]["spills"] = int(m.group(2)) + int(m.group(3))
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            kernels[current]["regs"] = int(m.group(1))
    return kernels


def parse_amdgcn(text):
    kernels, name, in_info = {}, None, False
    for line in text.splitlines():
        m = re.match(r"\s*\.size\s+(\w+), \.Lfunc_end", line)
        if m:
            name, in_info = m.group(1), False
            continue
        if line.startswith("; Kernel info:") and name:
            kernels[name] = {}
            in_info = True
            continue
        if in_info:
            m = re.match(r"; (TotalNumVgprs|NumVgprs|NumSgprs|ScratchSize|Occupancy): (\d+)", line)
            if m:
                kernels[name][m.group(1)] = int(m.group(2))
            elif not line.startswith(";"):
                in_info = False
    name = None
    for line in text.splitlines():  # HSA metadata: .name comes before the spill counts
        m = re.match(r"    \.name:\s+(\w+)", line)
        if m:
            name = m.group(1)
        m = re.match(r"    \.([sv]gpr)_spill_count:\s+(\d+)", line)
        if m and name in kernels:
            kernels[name]["spills"] = kernels[name].get("spills", 0) + int(m.group(2))
    out = {}
    for k, d in kernels.items():
        out[k] = {"vgpr": d.get("TotalNumVgprs", d.get("NumVgprs")), "sgpr": d.get("NumSgprs"),
                  "scratch": d.get("ScratchSize", 0), "occupancy": d.get("Occupancy"),
                  "spills": d.get("spills", 0)}
    return out


def elf_section(path, wanted):
    """The bytes of one section of a 64-bit little-endian ELF file (zebin), or None."""
    with open(path, "rb") as f:
        d = f.read()
    if d[:4] != b"\x7fELF":
        return None
    shoff = struct.unpack_from("<Q", d, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize) for i in range(shnum)]
    names = secs[shstrndx]
    for s in secs:
        start = names[4] + s[0]
        if d[start:d.index(b"\0", start)].decode() == wanted:
            return d[s[4]:s[4] + s[5]]
    return None


def parse_zeinfo(text):
    """simd_size, grf_count and per-thread memory (scratch + private) per kernel of .ze_info."""
    kernels, name, in_buffers = {}, None, False
    for line in text.splitlines():
        if re.match(r"\S", line) and not line.startswith("kernels:"):
            name = None  # a later top-level key (kernels_misc_info) repeats the names
            if line.startswith("kernels_misc_info"):
                break
        m = re.match(r"  - name:\s+(\w+)", line)
        if m and m.group(1).startswith("Intel_Symbol_Table_Void_Program"):
            name = None  # a pseudo-kernel IGC adds to pvc binaries
            continue
        if m:
            name, in_buffers = m.group(1), False
            kernels[name] = {"simd": None, "grf": None, "scratch": 0}
            continue
        if not name:
            continue
        if re.match(r"    \S", line):
            in_buffers = line.strip() == "per_thread_memory_buffers:"
        m = re.match(r"      (simd_size|grf_count):\s+(\d+)", line)
        if m:
            kernels[name]["simd" if m.group(1) == "simd_size" else "grf"] = int(m.group(2))
        m = re.match(r"        size:\s+(\d+)", line)
        if m and in_buffers:
            kernels[name]["scratch"] += int(m.group(1))
    return kernels
