#!/usr/bin/python3
"""Writes MNIST test digits as a user would have them: upscaled 3x, dark on light, as PGM (P5)
and as RGB PNG (a minimal PNG writer with zlib, test-only), plus a blank image.

Usage: make_digit_images.py DATA_DIR OUT_DIR COUNT   -> prints "index label" per digit
"""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_numpy_interop import read_idx  # noqa: E402


def png_rgb(path, w, h, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(data_dir, out, count):
    x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        big = [[255 - int(x[i][r // 3][c // 3]) for c in range(84)] for r in range(84)]
        with open(os.path.join(out, "digit%d.pgm" % i), "wb") as f:
            f.write(b"P5\n# a test digit\n84 84\n255\n" + bytes(v for row in big for v in row))
        png_rgb(os.path.join(out, "digit%d.png" % i), 84, 84,
                [[c for v in row for c in (v, v, min(255, v + 10))] for row in big])
        print(i, int(y[i]))
    png_rgb(os.path.join(out, "blank.png"), 10, 10, [[200] * 30 for _ in range(10)])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
