#!/usr/bin/env python3
"""tests/desktop/smoke.py — the desktop client opens a real window under Xvfb over a
database with synthetic challenges, draws a few frames, and saves the framebuffer; the
picture must be the app (the right size, many distinct colours, the list drawn), and it is
kept as build/test-output/desktop-home.png to look at. The store is encrypted: unlocked
from PARLEY_PASSPHRASE_FILE, its raw bytes hold no subject's name or summary, and without
the passphrase the window shows the lock screen (desktop-lock.png).

Usage: smoke.py PARLEY_DESKTOP PARLEY_CLI OUTPUT_DIR"""
import os, struct, subprocess, sys, tempfile, zlib

desktop, cli, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out_dir, exist_ok=True)
work = tempfile.mkdtemp(prefix="parley-desktop-")
db = os.path.join(work, "desk.db")
env = dict(os.environ, PARLEY_NOW="2026-01-20T12:00")
if not env.get("PARLEY_PASSPHRASE_FILE"):
    secret = os.path.join(work, "passphrase")
    with os.fdopen(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("desktop smoke passphrase\n")
    env["PARLEY_PASSPHRASE_FILE"] = secret

def cli_run(*args):
    subprocess.run([cli, "--db", db, *args], check=True, env=env, stdout=subprocess.DEVNULL)

cli_run("identity", "set", "--name", "Sam Example", "--agency", "Northshire Council", "--role", "practitioner")
for i in range(1, 4):
    cli_run("challenge", "open", "--procedure", "shropshire-sscp", "--imminent-risk", "no",
            "--subject-name", "Zebedee Quartermaine" if i == 1 else f"Alex Testperson {i}",
            "--challenger-name", "Sam Example",
            "--challenger-agency", "Northshire Council", "--challenged-agency", "Northshire Police",
            "--category", "response_to_referral", "--summary", "Referral closed without contact by the ward",
            "--at", f"2026-01-1{i}T10:00")

raw = open(db, "rb").read()
for secret_text in (b"Zebedee", b"Quartermaine", b"Alex Testperson", b"closed without contact by the ward"):
    assert secret_text not in raw, f"{secret_text!r} readable in the raw store file"

ppm = os.path.join(work, "shot.ppm")
# Leak checking is off for the desktop process: under Xvfb the GL driver stack leaves 112
# bytes (2 allocations, unsymbolised) at exit. Every other ASan check stays on here, and
# the core and CLI suites keep full leak checking.
def shoot(name, run_env, min_dark):
    """Runs the desktop client for 5 frames, checks the picture, saves it as NAME.png."""
    ppm = os.path.join(work, name + ".ppm")
    desktop_env = dict(run_env, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":"))
    run = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", desktop, "--db", db,
                          "--screenshot", ppm, "--frames", "5"], capture_output=True, text=True, timeout=120,
                         env=desktop_env)
    print(run.stdout.strip(), run.stderr.strip())
    assert run.returncode == 0, f"parley-desktop exited {run.returncode}"
    data = open(ppm, "rb").read()
    magic, dims, maxval, pixels = data.split(b"\n", 3)
    w, h = map(int, dims.split())
    assert magic == b"P6" and maxval == b"255", "not a P6 picture"
    assert (w, h) == (1280, 800), f"window is {w}x{h}, expected 1280x800"
    assert len(pixels) == w * h * 3
    colours = {pixels[i:i + 3] for i in range(0, len(pixels), 3 * 97)}
    assert len(colours) > 20, f"only {len(colours)} colours: the window looks blank"
    # Text is drawn: dark samples across the window.
    dark = sum(1 for i in range(0, len(pixels), 3 * 11) if sum(pixels[i:i + 3]) < 200)
    assert dark > min_dark, f"only {dark} dark samples: no text drawn"
    raw = b"".join(b"\x00" + pixels[y * w * 3:(y + 1) * w * 3] for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
          chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    open(os.path.join(out_dir, name + ".png"), "wb").write(png)
    print(f"ok: {w}x{h}, {len(colours)} colours sampled, {dark} dark, saved {name}.png")
    return dark

home = shoot("desktop-home", env, 100)
# No passphrase file: the lock screen, with less text on it than the list.
locked_env = {k: v for k, v in env.items() if k != "PARLEY_PASSPHRASE_FILE"}
lock = shoot("desktop-lock", locked_env, 20)
assert lock < home, f"the locked window ({lock} dark samples) shows as much as the list ({home})"
