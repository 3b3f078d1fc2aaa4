#!/usr/bin/python3
"""Writes one drawn digit, a dark 7 on white 40 x 40, as seven.pgm and seven.bmp (24-bit, by hand)
in DIR: the same pixels in two formats. tests/data/seven.jpg (1,169 bytes) was made from this
seven.pgm, as 3-channel RGB with R = G = B, by stbi_write_jpg(..., quality 90) of libstb-dev in a
throwaway ten-line C program (no JPEG writer is installed here for Python).

Usage: make_seven.py DIR
"""
import os
import struct
import sys


def seven(size=40):
    px = [[255] * size for _ in range(size)]
    for y in range(6, 11):  # the top bar
        for x in range(8, 33):
            px[y][x] = 20
    for y in range(11, 36):  # the stroke down to the left
        cx = 32 - (y - 11) * 16 // 25
        for x in range(cx - 3, cx + 2):
            px[y][x] = 20
    return px


def main(out):
    os.makedirs(out, exist_ok=True)
    px = seven()
    h, w = len(px), len(px[0])
    with open(os.path.join(out, "seven.pgm"), "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + bytes(v for row in px for v in row))
    stride = (w * 3 + 3) // 4 * 4
    rows = b"".join(bytes(v for v in row for _ in range(3)).ljust(stride, b"\0")
                    for row in reversed(px))
    header = b"BM" + struct.pack("<IHHI", 54 + len(rows), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    with open(os.path.join(out, "seven.bmp"), "wb") as f:
        f.write(header + info + rows)


if __name__ == "__main__":
    main(sys.argv[1])
