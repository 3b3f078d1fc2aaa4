#!/usr/bin/python3
"""Checks pictures: a PNG has the expected size and is not blank (decoded fully: at least 1 % of
pixels differ from the background and at least 3 colours); an SVG parses, has the expected size
and draws at least 5 elements.

Usage: check_pictures.py FILE:WIDTH:MIN_HEIGHT ...
"""
import struct
import sys
import xml.etree.ElementTree as ET
import zlib


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 6):
        raise ValueError("unexpected PNG format %r" % (ihdr,))
    bpp = {0: 1, 2: 3, 6: 4}[ctype]  # grey, RGB, RGBA (a browser's screenshot)
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    pixels = [bytes(r[i:i + bpp]) for r in rows for i in range(0, stride, bpp)]
    return w, h, pixels


def main(specs):
    for spec in specs:
        path, width, min_height = spec.rsplit(":", 2)
        width, min_height = int(width), int(min_height)
        if path.endswith(".png"):
            w, h, px = png_pixels(path)
            background = max(set(px[:: max(1, len(px) // 5000)]), key=px.count)
            ink = sum(1 for p in px if p != background) / len(px)
            colours = len(set(px))
            ok = w == width and h >= min_height and ink >= 0.01 and colours >= 3
            print("%s: %dx%d, %.1f %% ink, %d colours" % (path, w, h, 100 * ink, colours))
        else:
            root = ET.parse(path).getroot()
            drawn = sum(1 for e in root.iter() if e.tag.endswith(("rect", "line", "text", "image")))
            w, h = int(float(root.get("width"))), int(float(root.get("height")))
            ok = w == width and h >= min_height and drawn >= 5
            print("%s: %dx%d, %d elements" % (path, w, h, drawn))
        if not ok:
            print("FAIL: %s is blank or of the wrong size" % path)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
