#!/usr/bin/env python3
"""Writes a 28x28 digit-like test image in each format clmnist reads through stb_image, by hand
(no imaging library in the test set), and a copy of each cut to 60 % of its bytes:
OUT/NAME.EXT and OUT/NAME-cut.EXT for tga, tga-rle (run-length), ppm (binary P6), hdr (flat
RGBE), gif (LZW, a clear code every 250 codes so codes stay 9 bits) and psd (raw RGB planes).
Also OUT/huge.hdr and OUT/big.hdr: Radiance headers of 53 and so bytes that declare 12000 x 13500
and 4000 x 4000 pixels, with no pixels."""
import os
import struct
import sys

W = H = 28


def pixels():
    # A dark bar and pseudo-random strokes on white: enough ink for the digit preparation.
    out = []
    for y in range(H):
        for x in range(W):
            v = 255
            if 10 <= x <= 14 and 4 <= y <= 23:
                v = 20
            elif (x * 7 + y * 13) % 11 == 0:
                v = (x * 37 + y * 11) % 256
            out.append(v)
    return out


def tga(px, rle):
    head = struct.pack("<BBBHHBHHHHBB", 0, 0, 11 if rle else 3, 0, 0, 0, 0, 0, W, H, 8, 0x20)
    if not rle:
        return head + bytes(px)
    body = bytearray()
    for y in range(H):
        row = px[y * W:(y + 1) * W]
        if len(set(row)) == 1:  # a run packet
            body += bytes([0x80 | (W - 1), row[0]])
        else:  # a raw packet
            body += bytes([W - 1]) + bytes(row)
    return head + bytes(body)


def ppm(px):
    return b"P6\n%d %d\n255\n" % (W, H) + bytes(v for p in px for v in (p, p, p))


def hdr(px):
    head = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y %d +X %d\n" % (H, W)
    return head + bytes(v for p in px for v in (p, p, p, 128))


def gif(px):
    palette = bytes(v for i in range(256) for v in (i, i, i))
    out = b"GIF89a" + struct.pack("<HHBBB", W, H, 0xF7, 0, 0) + palette
    out += b"\x2c" + struct.pack("<HHHHB", 0, 0, W, H, 0) + b"\x08"
    codes, acc, nbits, data = [], 0, 0, bytearray()
    for i, p in enumerate(px):
        if i % 250 == 0:
            codes.append(256)  # clear
        codes.append(p)
    codes.append(257)  # end
    for c in codes:
        acc |= c << nbits
        nbits += 9
        while nbits >= 8:
            data.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        data.append(acc & 0xFF)
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out += bytes([len(chunk)]) + bytes(chunk)
    return out + b"\x00\x3b"


def psd(px):
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, H, W, 8, 3)
    return head + struct.pack(">IIIH", 0, 0, 0, 0) + bytes(px) * 3


def main(out):
    os.makedirs(out, exist_ok=True)
    px = pixels()
    images = {"tga.tga": tga(px, False), "tga-rle.tga": tga(px, True), "ppm.ppm": ppm(px),
              "hdr.hdr": hdr(px), "gif.gif": gif(px), "psd.psd": psd(px)}
    for name, data in images.items():
        stem, ext = name.split(".")
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        with open(os.path.join(out, "%s-cut.%s" % (stem, ext)), "wb") as f:
            f.write(data[:len(data) * 6 // 10])
    for name, w, h in (("huge.hdr", 12000, 13500), ("big.hdr", 4000, 4000)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y %d +X %d\n" % (h, w))


if __name__ == "__main__":
    main(sys.argv[1])
