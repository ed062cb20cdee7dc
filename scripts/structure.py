#!/usr/bin/env python3
"""The structure figures of issue 16, measured the same way every time:
the five largest Rust files, functions longer than 150 lines (outside tests and migrations
counted apart), and a module crate's imports of another module's insides (anything but its
`face`, the items at its crate root: the manifest and permission constants, and its test
fixtures, `testing`, which exist only in test builds).

    python3 scripts/structure.py
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")

def rust_files():
    for d, _, fs in os.walk(ROOT):
        if "/target" in d:
            continue
        for f in fs:
            if f.endswith(".rs"):
                yield os.path.normpath(os.path.join(d, f))

def modules():
    """Crates whose lib.rs implements the Module manifest."""
    out = []
    for c in sorted(os.listdir(ROOT)):
        lib = os.path.join(ROOT, c, "src", "lib.rs")
        if os.path.exists(lib) and re.search(r"impl Module for", open(lib).read()) and c != "platform":
            out.append(c)
    return out

FN = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?(async\s+)?fn\s+(\w+)")

def long_functions(path, limit=150):
    lines = open(path).read().split("\n")
    out = []
    i = 0
    in_tests = False
    while i < len(lines):
        if lines[i].strip().startswith("#[cfg(test)]"):
            in_tests = True
        m = FN.match(lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            depth, j, opened = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                opened = opened or "{" in lines[j]
                if opened and depth <= 0:
                    break
                j += 1
            n = j - i + 1
            if n > limit:
                out.append((n, m.group(4), in_tests))
            i = j + 1
            continue
        i += 1
    return out

def main():
    files = sorted(((sum(1 for _ in open(p)), p) for p in rust_files()), reverse=True)
    print("five largest files:")
    for n, p in files[:5]:
        print(f"  {n:6} {os.path.relpath(p, ROOT)}")
    longs = []
    for _, p in files:
        for n, name, in_tests in long_functions(p):
            rel = os.path.relpath(p, ROOT)
            kind = "test" if (in_tests or "/tests/" in rel or rel.endswith("/testing.rs")) else ("migration" if "migration" in rel else "code")
            longs.append((n, rel, name, kind))
    longs.sort(reverse=True)
    code = [l for l in longs if l[3] == "code"]
    print(f"functions over 150 lines: {len(longs)} ({len(code)} outside tests and migrations)")
    for n, rel, name, kind in code:
        print(f"  {n:5} {rel} {name}")
    mods = modules()
    bad = []
    for m in mods:
        for p in rust_files():
            rel = os.path.relpath(p, ROOT)
            if not rel.startswith(m + "/"):
                continue
            text = open(p).read()
            for other in mods:
                if other == m:
                    continue
                for hit in re.finditer(r"gongzhi_%s::(\{[^}]*\}|\w+)" % other, text):
                    group = hit.group(1)
                    items = [i.strip().split("::")[0].strip() for i in group.strip("{}").split(",")]
                    for item in filter(None, items):
                        # The face, an item at the crate root (CamelCase manifest, CONSTANT), or
                        # the fixtures of test builds.
                        if item == "face" or item[0].isupper() or item == "testing":
                            continue
                        bad.append(f"{rel}: gongzhi_{other}::{item}")
    print(f"imports of another module's insides: {len(bad)} (in {len(set(b.split(':')[0] for b in bad))} files)")
    for b in sorted(set(bad)):
        print("  " + b)
    return 0

sys.exit(main())
