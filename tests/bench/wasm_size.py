#!/usr/bin/env python3
"""Size of the browser build: what the page loads before its first findings, what it loads
later, and all of it.

Usage: python3 tests/bench/wasm_size.py [--wasm-opt PATH]

For each of the two modules (the engine, `redlint-wasm`, loaded first; the password-strength
module, `redlint-wasm-strength`, loaded after the first findings — docs/EMBEDDING.md, "Size"):
1. `cargo build -p CRATE --target wasm32-unknown-unknown --profile wasm` (opt-level z, fat LTO,
   one codegen unit; symbols kept for wasm-bindgen), one crate per run so the core's features
   are not unified;
2. `wasm-bindgen --target web` when it is on PATH (the version in Cargo.lock);
3. `wasm-opt -Oz` from binaryen >= 109 (npm's `binaryen`; Debian's 108 breaks wasm-bindgen
   output in Chromium, see ../shared/design/WASM.md), given with --wasm-opt or on PATH.
Each stage that cannot run is said, not guessed. Prints Markdown tables for BENCHMARKS.md:
sizes raw and gzip -9; the first load (engine + its JS glue, plus the page's own HTML/JS/CSS
from `web/dist` when it is built); the lazily loaded parts; all of `web/dist`; and the biggest
contributors to the first-load module, by crate (code, from the name section of cargo's
output) and data.
"""

import argparse
import collections
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = os.path.join(ROOT, "target/wasm32-unknown-unknown/wasm")
MODULES = [("redlint-wasm", "redlint_wasm"), ("redlint-wasm-strength", "redlint_strength")]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def size_of(path: str) -> tuple:
    data = open(path, "rb").read()
    return (len(data), gz(data))


def kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB"


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def wasm_opt_usable(path):
    """binaryen's version: Debian's 108 is known to break the output in Chromium."""
    if not path:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"version (\d+)", out)
    if not m or int(m.group(1)) < 109:
        print(f"{path}: binaryen {m.group(1) if m else '?'} is < 109, not used", file=sys.stderr)
        return None
    return path


def build(crate, lib, out, opt):
    """Build one module; returns its stage rows and (wasm path, glue path) of the final stage."""
    run(["cargo", "build", "-q", "-p", crate, "--target", "wasm32-unknown-unknown",
         "--profile", "wasm"])
    raw = os.path.join(TARGET, f"{lib}.wasm")
    rows = [(f"`{lib}`: cargo (`--profile wasm`)",) + size_of(raw)]
    if not shutil.which("wasm-bindgen"):
        print("wasm-bindgen is not on PATH: `cargo install wasm-bindgen-cli --version "
              "<Cargo.lock's>`", file=sys.stderr)
        return rows, None
    run(["wasm-bindgen", "--target", "web", "--no-typescript", "--out-dir", out, raw])
    bg = os.path.join(out, f"{lib}_bg.wasm")
    glue = os.path.join(out, f"{lib}.js")
    rows.append((f"`{lib}`: after wasm-bindgen",) + size_of(bg))
    if opt:
        run([opt, "-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
             "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types",
             "--enable-multivalue", bg, "-o", bg])
        rows.append((f"`{lib}`: after wasm-opt -Oz",) + size_of(bg))
    rows.append((f"`{lib}.js` (JS glue)",) + size_of(glue))
    return rows, (bg, glue)


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


CRATES = ["redlint_core", "redlint_wasm", "regex_automata", "regex_syntax", "fancy_regex",
          "aho_corasick", "zxcvbn", "yaml_rust2", "toml_parser", "toml_datetime", "toml",
          "serde_json", "serde_core", "serde", "sha2", "similar", "glob", "nom", "hashbrown",
          "wasm_bindgen", "itertools", "memchr", "getrandom", "dlmalloc", "regex"]


def contributors(path):
    """Code bytes per crate (a function counts for the first crate its symbol names, else
    core/alloc/std) and the data section, from cargo's output (before wasm-opt: names kept)."""
    data = open(path, "rb").read()
    i, imports, bodies, names, data_bytes = 8, 0, [], {}, 0
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    ln, j = leb(data, j)
                    j += ln
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imports += 1
                elif kind == 1:
                    j += 1
                    flags = data[j]
                    _, j = leb(data, j + 1)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags = data[j]
                    _, j = leb(data, j + 1)
                    if flags & 1:
                        _, j = leb(data, j)
                else:
                    j += 2
        elif sid == 10:
            n, j = leb(data, i)
            for _ in range(n):
                ln, j = leb(data, j)
                bodies.append(ln)
                j += ln
        elif sid == 11:
            data_bytes += size
        elif sid == 0:
            ln, j = leb(data, i)
            if data[j:j + ln] == b"name":
                j += ln
                while j < end:
                    sub = data[j]
                    ssz, j = leb(data, j + 1)
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            ln2, k = leb(data, k)
                            names[idx] = data[k:k + ln2].decode("utf8", "replace")
                            k += ln2
                    j += ssz
        i = end
    by_crate = collections.Counter()
    for k, size in enumerate(bodies):
        name = names.get(k + imports, "")
        # The first crate named; at one position the longest name (`serde_json`, not `serde`).
        hits = [(name.find(c), -len(c), c) for c in CRATES if c in name]
        if hits:
            crate = min(hits)[2]
        else:
            crate = next((c for c in ("alloc", "core", "std") if c in name), "other")
        by_crate[crate] += size
    rows = [(f"code of `{c}`", n) for c, n in by_crate.most_common(12)]
    rows.append(("data section (strings, tables, embedded text)", data_bytes))
    return sorted(rows, key=lambda r: -r[1])


def embedded():
    """The text the core embeds in the first load (rule pages: not in the browser build)."""
    rows = []
    for f in ["rules/redis-7.0/commands.json", "rules/redis-7.0/directives.json",
              "rules/linux/sysctl-keys.txt", "rules/linux/sysctl-keys-extra.txt"]:
        rows.append((f"`{f}`",) + size_of(os.path.join(ROOT, f)))
    return sorted(rows, key=lambda r: -r[2])


def dist_split(dist):
    """web/dist's files split into what index.html loads up front (the files it names and the
    engine's wasm) and the rest (loaded later or on demand)."""
    files = [p for p in glob.glob(os.path.join(dist, "**"), recursive=True) if os.path.isfile(p)]
    index = os.path.join(dist, "index.html")
    html = open(index, encoding="utf8", errors="replace").read() if os.path.exists(index) else ""
    named = set(re.findall(r'(?:src|href)="/?([^"#?]+)"', html))
    first = [p for p in files
             if p == index or os.path.relpath(p, dist) in named
             or re.search(r"redlint_wasm_bg[^/]*\.wasm$", p)]
    return files, first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm-opt", default=shutil.which("wasm-opt"))
    args = ap.parse_args()
    opt = wasm_opt_usable(args.wasm_opt)
    stages, finals = [], {}
    with tempfile.TemporaryDirectory() as out:
        for crate, lib in MODULES:
            rows, final = build(crate, lib, out, opt)
            stages += rows
            if final:
                finals[lib] = [size_of(p) for p in final]
        print("| stage | raw | gzip -9 |\n|---|---|---|")
        for name, r, g in stages:
            print(f"| {name} | {kb(r)} | {kb(g)} |")
        if "redlint_wasm" in finals:
            r = sum(x[0] for x in finals["redlint_wasm"])
            g = sum(x[1] for x in finals["redlint_wasm"])
            print(f"| **first load, engine** (`redlint_wasm` module + glue) | {kb(r)} | "
                  f"**{kb(g)}** (budget 400 kB, aim 300 kB) |")
        if "redlint_strength" in finals:
            r = sum(x[0] for x in finals["redlint_strength"])
            g = sum(x[1] for x in finals["redlint_strength"])
            print(f"| **loaded later**: password strength (`redlint_strength` module + glue) "
                  f"| {kb(r)} | **{kb(g)}** |")
    dist = os.path.join(ROOT, "web/dist")
    if os.path.isdir(dist):
        files, first = dist_split(dist)
        sz = {p: size_of(p) for p in files}
        fr, fg = sum(sz[p][0] for p in first), sum(sz[p][1] for p in first)
        print(f"| **first load, whole page** (`web/dist`: index.html, what it names, the "
              f"engine; {len(first)} files) | {kb(fr)} | **{kb(fg)}** (budget 400 kB) |")
        print(f"| **all of web/dist** ({len(files)} files) | {kb(sum(r for r, _ in sz.values()))} "
              f"| **{kb(sum(g for _, g in sz.values()))}** (budget 1 MB) |")
    else:
        print("| all of web/dist | — | no `web/dist` yet: the page is not built |")
    raw = os.path.join(TARGET, "redlint_wasm.wasm")
    if os.path.exists(raw):
        print("\n| biggest contributors to the first-load module (before wasm-opt) | raw |\n"
              "|---|---|")
        for name, n in contributors(raw)[:14]:
            print(f"| {name} | {kb(n)} |")
    print("\n| text embedded in the first-load module | raw | gzip -9 |\n|---|---|---|")
    for name, r, g in embedded():
        print(f"| {name} | {kb(r)} | {kb(g)} |")


if __name__ == "__main__":
    main()
