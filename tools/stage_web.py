#!/usr/bin/env python3
"""tools/stage_web.py — assembles the deployable web client as one versioned set of files.

    python3 tools/stage_web.py --public public --app build/web --out build/web/site [--label TEXT]

Copies every file of PUBLIC (index.html, sw.js, manifest, icons; dot-files skipped) and
APP/parley.js + APP/parley.wasm (the emcc output, copied byte for byte) into OUT, then:
  - replaces __PARLEY_BUILD__ with the build id in the text files that came from PUBLIC
    (.html .js .mjs .css .json .webmanifest .txt); the service worker's cache name and the
    shell's `parleyShell.build` come from it;
  - replaces {/*__PARLEY_DIGESTS__*/} in sw.js with {"path": "sha256 hex", ...} of every
    other staged file, so the worker refuses to cache a half-deployed version;
  - checks that every path in sw.js's PRECACHE list was staged.
Prints the build id on stdout (progress goes to stderr); exits 1 with one line on error.

The build id is the first 16 hex digits of a sha256 over the inputs' names and bytes:
the same inputs give the same id (browsers see no update), any change gives a new one
(a new cache, so an installed version's cache is never overwritten). --label TEXT
prefixes it for people ("0.3.0-9f86d081884c7d65"); it never replaces the hash.

OUT is written as a sibling temporary directory and swapped in with two renames, so a
server reading OUT never sees a mix of two builds for more than that instant.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile

APP_FILES = ("parley.js", "parley.wasm")
TEXT_SUFFIXES = (".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".txt")
BUILD_TOKEN = "__PARLEY_BUILD__"
DIGESTS_TOKEN = "{/*__PARLEY_DIGESTS__*/}"
PRECACHE_RE = re.compile(r"const\s+PRECACHE\s*=\s*\[(.*?)\]", re.S)


def fail(msg):
    print(f"stage_web: {msg}", file=sys.stderr)
    sys.exit(1)


def public_files(public):
    """Relative paths (with /) of the regular files under PUBLIC, dot-files skipped."""
    out = []
    for dirpath, dirnames, filenames in os.walk(public):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                out.append(os.path.relpath(full, public).replace(os.sep, "/"))
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def build_id(inputs, label):
    h = hashlib.sha256()
    for rel in sorted(inputs):
        data = inputs[rel]
        h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    bid = h.hexdigest()[:16]
    if label:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", label):
            fail(f"--label {label!r}: use 1-40 of A-Z a-z 0-9 . _ -")
        bid = f"{label}-{bid}"
    return bid


def stage(public, app, out, label=None):
    if not os.path.isdir(public):
        fail(f"--public {public}: not a directory")
    inputs = {rel: read(os.path.join(public, rel)) for rel in public_files(public)}
    for name in APP_FILES:
        path = os.path.join(app, name)
        if not os.path.isfile(path):
            fail(f"{path} is missing: build the web client first")
        if name in inputs:
            fail(f"{name} is both in {public} and in {app}")
        inputs[name] = read(path)
    if "sw.js" not in inputs or "index.html" not in inputs:
        fail(f"{public} must hold index.html and sw.js")

    bid = build_id(inputs, label)
    staged = {}
    for rel, data in inputs.items():
        if rel not in APP_FILES and rel.endswith(TEXT_SUFFIXES):
            data = data.decode("utf-8").replace(BUILD_TOKEN, bid).encode("utf-8")
        staged[rel] = data

    sw = staged["sw.js"].decode("utf-8")
    if sw.count(DIGESTS_TOKEN) != 1:
        fail(f"sw.js must contain {DIGESTS_TOKEN} exactly once")
    m = PRECACHE_RE.search(sw)
    if not m:
        fail("sw.js has no `const PRECACHE = [...]` list")
    precache = re.findall(r"""['"]([^'"]+)['"]""", m.group(1))
    missing = [p for p in precache if p not in staged]
    if missing:
        fail(f"sw.js precaches files that were not staged: {', '.join(missing)}")
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(staged.items()) if rel != "sw.js"}
    staged["sw.js"] = sw.replace(DIGESTS_TOKEN, json.dumps(digests, indent=2)).encode("utf-8")
    # parley.wasm pre-compressed: the servers send it with Content-Encoding: gzip to a
    # browser that accepts gzip (cpp-httplib compresses text types itself, never
    # application/wasm). Level 9 and mtime 0, so the same build stages the same bytes.
    if "parley.wasm" in staged:
        staged["parley.wasm.gz"] = gzip.compress(staged["parley.wasm"], compresslevel=9, mtime=0)

    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".stage-", dir=parent)
    try:
        for rel, data in staged.items():
            dest = os.path.join(tmp, *rel.split("/"))
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            with open(dest, "wb") as f:
                f.write(data)
            os.chmod(dest, 0o644)
        os.chmod(tmp, 0o755)
        old = None
        if os.path.lexists(out):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.rmdir(old)
            os.rename(out, old)
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return bid, sorted(staged)


def main():
    ap = argparse.ArgumentParser(description="Stage the Parley web client (see the file's header).")
    ap.add_argument("--public", required=True, help="the shell's sources (public/)")
    ap.add_argument("--app", required=True, help="directory holding parley.js and parley.wasm")
    ap.add_argument("--out", required=True, help="directory to (re)create with the staged site")
    ap.add_argument("--label", help="human-readable prefix for the build id")
    args = ap.parse_args()
    bid, files = stage(args.public, args.app, args.out, args.label)
    print(f"stage_web: {len(files)} files -> {args.out} (build {bid})", file=sys.stderr)
    print(bid)


if __name__ == "__main__":
    main()
