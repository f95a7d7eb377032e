#!/usr/bin/env python3
"""tools/make_icons.py — draws Parley's app icons and writes them as PNG files.

Model: the icons are our own drawing, made of simple geometry (two overlapping speech
bubbles, the front one with three dots, on a navy square), rendered with signed distance
functions so edges are anti-aliased without supersampling, and written with a minimal
zlib PNG encoder (8-bit RGB, no alpha). Standard library only; the output is
deterministic, so the PNGs in public/ are committed and this script only needs running
again when the design changes:

    python3 tools/make_icons.py            # writes public/icon-192.png, icon-512.png,
                                           # apple-touch-icon.png (180)
    python3 tools/make_icons.py --out DIR  # somewhere else

The square is full-bleed and everything drawn stays inside the central circle of radius
0.4 (the "maskable" safe zone of the web manifest spec), so the same files serve as
`purpose: any` and `purpose: maskable`; iOS rounds the apple-touch-icon's corners itself.
"""
import argparse
import math
import os
import struct
import sys
import zlib

NAVY = (15, 61, 86)          # #0f3d56, also the manifest's theme and background colour
NAVY_DEEP = (10, 44, 64)     # bottom of the background gradient
TEAL = (46, 196, 182)        # back bubble
WHITE = (245, 248, 250)      # front bubble
SIZES = {"icon-192.png": 192, "icon-512.png": 512, "apple-touch-icon.png": 180}


# ---- signed distance functions, in icon units (the square is [0,1] x [0,1]) -----------
def sd_round_rect(x, y, x0, y0, x1, y1, r):
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    qx, qy = abs(x - cx) - hx, abs(y - cy) - hy
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def sd_circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


def sd_triangle(x, y, a, b, c):
    """Exact signed distance to triangle abc (negative inside)."""
    best = float("inf")
    pts = (a, b, c)
    cross_signs = []
    for i in range(3):
        (px, py), (qx, qy) = pts[i], pts[(i + 1) % 3]
        ex, ey = qx - px, qy - py
        wx, wy = x - px, y - py
        t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
        dx, dy = wx - ex * t, wy - ey * t
        best = min(best, dx * dx + dy * dy)
        cross_signs.append(ex * wy - ey * wx)
    inside = all(s >= 0 for s in cross_signs) or all(s <= 0 for s in cross_signs)
    return (-1.0 if inside else 1.0) * math.sqrt(best)


# ---- the design --------------------------------------------------------------------------
DY = -0.025  # moves the whole drawing up so it sits centred in the safe circle

BACK_BODY = (0.20, 0.25 + DY, 0.62, 0.54 + DY, 0.075)
BACK_TAIL = ((0.27, 0.50 + DY), (0.40, 0.50 + DY), (0.23, 0.65 + DY))
FRONT_BODY = (0.38, 0.43 + DY, 0.80, 0.72 + DY, 0.075)
FRONT_TAIL = ((0.60, 0.68 + DY), (0.72, 0.68 + DY), (0.75, 0.81 + DY))
DOTS = [(x, 0.575 + DY) for x in (0.49, 0.59, 0.69)]
DOT_R = 0.032
GAP = 0.022  # a ring of background colour around the front bubble separates the two


def back_bubble(x, y):
    return min(sd_round_rect(x, y, *BACK_BODY), sd_triangle(x, y, *BACK_TAIL))


def front_bubble(x, y):
    return min(sd_round_rect(x, y, *FRONT_BODY), sd_triangle(x, y, *FRONT_TAIL))


def dots(x, y):
    return min(sd_circle(x, y, cx, cy, DOT_R) for cx, cy in DOTS)


def mix(c0, c1, t):
    return tuple(a + (b - a) * t for a, b in zip(c0, c1))


def render(size):
    """Returns rows of RGB bytes for a size x size icon."""
    px = 1.0 / size

    def cov(d):  # coverage of a shape from its distance: a one-pixel-wide linear ramp
        return min(1.0, max(0.0, 0.5 - d / px))

    rows = []
    for j in range(size):
        y = (j + 0.5) / size
        bg = mix(NAVY, NAVY_DEEP, y)
        row = bytearray()
        for i in range(size):
            x = (i + 0.5) / size
            col = bg
            col = mix(col, TEAL, cov(back_bubble(x, y)))
            f = front_bubble(x, y)
            col = mix(col, bg, cov(f - GAP))
            col = mix(col, WHITE, cov(f))
            col = mix(col, NAVY, cov(dots(x, y)))
            row += bytes(int(round(c)) for c in col)
        rows.append(bytes(row))
    return rows


def check_safe_zone():
    """Everything drawn must lie inside the maskable safe circle (radius 0.4)."""
    steps = 400
    for j in range(steps):
        for i in range(steps):
            x, y = (i + 0.5) / steps, (j + 0.5) / steps
            if math.hypot(x - 0.5, y - 0.5) <= 0.4:
                continue
            if back_bubble(x, y) < 0 or front_bubble(x, y) < 0:
                raise SystemExit(f"make_icons: drawing leaves the safe zone at ({x:.3f}, {y:.3f})")


# ---- PNG ---------------------------------------------------------------------------------
def png_bytes(rows, size):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 (None) on every row
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "public"), help="output directory")
    args = ap.parse_args()
    check_safe_zone()
    os.makedirs(args.out, exist_ok=True)
    for name, size in SIZES.items():
        path = os.path.join(args.out, name)
        with open(path, "wb") as f:
            f.write(png_bytes(render(size), size))
        print(f"make_icons: {os.path.normpath(path)} ({size}x{size})", file=sys.stderr)


if __name__ == "__main__":
    main()
