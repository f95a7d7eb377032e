#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py — seed corpora and dictionaries for the libFuzzer targets,
made from the repository's fixtures at run time (nothing generated is committed).

    make_corpus.py ROOT OUT [TARGET...]
        writes OUT/seeds/<target>/* and OUT/dict/<target>.dict for the targets named
        (default: all), leaving other targets' files alone

Seeds per target (see docs/fuzzing.md):
  bundle       each tests/fixtures/bundles/*.json, as it is and compact, and each prefix
               of its events (every prefix is still a valid bundle)
  event_rules  every event of every fixture bundle, one file each, and each event kind
               with an empty body
  procedure    every procedures/*.json except the schema
  calendar     core/data/holidays.json, and one-year cuts of it (small, so fast to mutate)
  server       push requests wrapping each bundle prefix; one also carries cursor/limit
The dictionaries hold JSON punctuation, awkward numbers, every event kind (read from
core/event.cpp) and every object key and short string value found in the seeds.
Standard library only; deterministic output.
"""
import glob, json, os, re, shutil, sys


def dump(value, pretty=False):
    return (json.dumps(value, indent=2, ensure_ascii=False) if pretty
            else json.dumps(value, separators=(",", ":"), ensure_ascii=False)) + "\n"


def write(dirpath, name, text):
    with open(os.path.join(dirpath, name), "w", encoding="utf-8") as f:
        f.write(text)


def words(value, keys, strings):
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k)
            words(v, keys, strings)
    elif isinstance(value, list):
        for v in value:
            words(v, keys, strings)
    elif isinstance(value, str) and 0 < len(value) <= 32:
        strings.add(value)


def dict_line(token):
    out = []
    for b in token.encode("utf-8"):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\x%02X" % b)
    return '"' + "".join(out) + '"'


JSON_TOKENS = ["{", "}", "[", "]", ":", ",", '""', "true", "false", "null", "0", "-1", "1",
               "50", "51", "2147483647", "2147483648", "9223372036854775807",
               "-9223372036854775808", "18446744073709551616", "1e308", "1.5", "-0", "\\u0000",
               "\\ud800", "\\\\", "\\\"", "2025-02-29", "2024-02-29", "0000-00-00",
               "9999-12-31", "{}", "[]"]


ALL_TARGETS = ["bundle", "event_rules", "procedure", "calendar", "server"]


def main():
    root, out = sys.argv[1], sys.argv[2]
    seeds = os.path.join(out, "seeds")
    dicts = os.path.join(out, "dict")
    targets = sys.argv[3:] or ALL_TARGETS
    # Everything is made in a scratch directory; the named targets' parts are then moved
    # into place, so runs of tools/fuzz on other targets at the same time are not disturbed.
    scratch = os.path.join(out, "seeds.tmp-%d" % os.getpid())
    final_seeds = seeds
    seeds = os.path.join(scratch, "seeds")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(dicts, exist_ok=True)
    for t in ALL_TARGETS:
        os.makedirs(os.path.join(seeds, t))

    with open(os.path.join(root, "core/event.cpp"), encoding="utf-8") as f:
        kinds = re.findall(r'\{EventKind::\w+, "(\w+)"\}', f.read())

    bundles = []
    for path in sorted(glob.glob(os.path.join(root, "tests/fixtures/bundles/*.json"))):
        with open(path, encoding="utf-8") as f:
            bundles.append((os.path.splitext(os.path.basename(path))[0], json.load(f)))

    for name, b in bundles:
        d = os.path.join(seeds, "bundle")
        with open(os.path.join(root, "tests/fixtures/bundles", name + ".json"), encoding="utf-8") as f:
            write(d, name + ".json", f.read())
        events = b["events"]
        for n in range(1, len(events) + 1):
            write(d, f"{name}-first{n}.json", dump(dict(b, events=events[:n])))
            push = {"format": "parley-push", "version": 1, "epoch": None,
                    "bundles": [dict(b, events=events[:n])]}
            write(os.path.join(seeds, "server"), f"push-{name}-first{n}.json", dump(push))
        push = {"format": "parley-push", "version": 1, "bundles": [b], "cursor": "0", "limit": "2"}
        write(os.path.join(seeds, "server"), f"push-{name}-cursor.json", dump(push))
        for i, e in enumerate(events):
            write(os.path.join(seeds, "event_rules"), f"{name}-{i}-{e['kind']}.json", dump(e))
    for k in kinds:   # every kind once, with an empty body: a start for each kind's rules
        write(os.path.join(seeds, "event_rules"), f"kind-{k}.json", dump({"kind": k, "body": {}}))

    for path in sorted(glob.glob(os.path.join(root, "procedures/*.json"))):
        if path.endswith(".schema.json"):
            continue
        shutil.copy(path, os.path.join(seeds, "procedure", os.path.basename(path)))

    with open(os.path.join(root, "core/data/holidays.json"), encoding="utf-8") as f:
        holidays = json.load(f)
    shutil.copy(os.path.join(root, "core/data/holidays.json"), os.path.join(seeds, "calendar", "holidays.json"))
    for year in (holidays["first_year"], 2020, 2022, holidays["last_year"]):
        cut = dict(holidays, first_year=year, last_year=year,
                   regions={r: [h for h in hs if h["date"].startswith(f"{year}-")]
                            for r, hs in holidays["regions"].items()})
        write(os.path.join(seeds, "calendar"), f"holidays-{year}.json", dump(cut))

    for t in targets:
        dest = os.path.join(final_seeds, t)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(final_seeds, exist_ok=True)
        os.replace(os.path.join(seeds, t), dest)
    shutil.rmtree(scratch, ignore_errors=True)
    seeds = final_seeds

    for t in targets:
        keys, strings = set(), set()
        for path in sorted(glob.glob(os.path.join(seeds, t, "*"))):
            with open(path, encoding="utf-8") as f:
                words(json.load(f), keys, strings)
        tokens = list(JSON_TOKENS) + ['"%s"' % k for k in kinds]
        tokens += ['"%s":' % k for k in sorted(keys)]
        tokens += ['"%s"' % s for s in sorted(strings)]
        seen, lines = set(), []
        for tok in tokens:
            if tok not in seen and len(tok.encode("utf-8")) <= 64:
                seen.add(tok)
                lines.append(dict_line(tok))
        write(dicts, t + ".dict", "\n".join(lines) + "\n")

    for t in targets:
        n = len(os.listdir(os.path.join(seeds, t)))
        print(f"  seeds/{t}: {n} files, dict/{t}.dict")


if __name__ == "__main__":
    main()
