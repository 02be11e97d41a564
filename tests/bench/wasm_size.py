#!/usr/bin/env python3
"""Size of the browser build: what the page loads before its first findings, and all of it.

Usage: python3 tests/bench/wasm_size.py [--wasm-opt PATH]

1. `cargo build -p redlint-wasm --target wasm32-unknown-unknown --profile wasm`
   (opt-level z, fat LTO, one codegen unit; symbols kept for wasm-bindgen);
2. `wasm-bindgen --target web` when it is on PATH (the version in Cargo.lock);
3. `wasm-opt -Oz` from binaryen >= 109 (npm's `binaryen`; Debian's 108 breaks wasm-bindgen
   output in Chromium, see ../shared/design/WASM.md), given with --wasm-opt or on PATH.
Each stage that cannot run is said, not guessed. Prints a Markdown table for BENCHMARKS.md:
sizes raw and gzip -9, the first load (module + JS glue), all of `web/dist` when it exists,
and the biggest embedded contributors.
"""

import argparse
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def size_row(name: str, path: str) -> tuple:
    data = open(path, "rb").read()
    return (name, len(data), gz(data))


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


def contributors():
    """Data the core embeds: its knowledge tables, rule pages and zxcvbn's dictionaries."""
    rows = []
    for f in ["rules/redis-7.0/commands.json", "rules/redis-7.0/directives.json",
              "rules/linux/sysctl-keys.txt", "rules/linux/sysctl-keys-extra.txt"]:
        rows.append(size_row(f"`{f}`", os.path.join(ROOT, f)))
    pages = b"".join(open(p, "rb").read() for p in sorted(glob.glob(os.path.join(ROOT, "rules/RL*.md"))))
    rows.append((f"rule pages (`rules/RL*.md`, {len(glob.glob(os.path.join(ROOT, 'rules/RL*.md')))})",
                 len(pages), gz(pages)))
    home = os.path.expanduser("~/.cargo/registry/src")
    for f in glob.glob(os.path.join(home, "*", "zxcvbn-3*", "src", "frequency_lists.rs"))[:1]:
        rows.append(("zxcvbn dictionaries (`frequency_lists.rs` source)",) + size_row("", f)[1:])
    for f in glob.glob(os.path.join(home, "*", "zxcvbn-3*", "src", "adjacency_graphs.rs"))[:1]:
        rows.append(("zxcvbn keyboard graphs (`adjacency_graphs.rs` source)",) + size_row("", f)[1:])
    return sorted(rows, key=lambda r: -r[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm-opt", default=shutil.which("wasm-opt"))
    args = ap.parse_args()
    run(["cargo", "build", "-q", "-p", "redlint-wasm", "--target", "wasm32-unknown-unknown",
         "--profile", "wasm"])
    raw = os.path.join(ROOT, "target/wasm32-unknown-unknown/wasm/redlint_wasm.wasm")
    stages = [size_row("cargo (`--profile wasm`)", raw)]
    first_load = None
    with tempfile.TemporaryDirectory() as out:
        if shutil.which("wasm-bindgen"):
            run(["wasm-bindgen", "--target", "web", "--out-dir", out, raw])
            bg = os.path.join(out, "redlint_wasm_bg.wasm")
            glue = os.path.join(out, "redlint_wasm.js")
            stages.append(size_row("after wasm-bindgen", bg))
            opt = wasm_opt_usable(args.wasm_opt)
            if opt:
                optimized = os.path.join(out, "opt.wasm")
                run([opt, "-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
                     "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue",
                     bg, "-o", optimized])
                stages.append(size_row("after wasm-opt -Oz", optimized))
                bg = optimized
            g = size_row("JS glue (`redlint_wasm.js`)", glue)
            stages.append(g)
            m = size_row("", bg)
            first_load = (m[1] + g[1], m[2] + g[2])
        else:
            print("wasm-bindgen is not on PATH: `cargo install wasm-bindgen-cli --version "
                  "<Cargo.lock's>`", file=sys.stderr)
    print("| stage | raw | gzip -9 |\n|---|---|---|")
    for name, r, g in stages:
        print(f"| {name} | {kb(r)} | {kb(g)} |")
    if first_load:
        print(f"| **first load** (module + glue) | {kb(first_load[0])} | **{kb(first_load[1])}** (budget 400 kB) |")
    dist = os.path.join(ROOT, "web/dist")
    if os.path.isdir(dist):
        files = [p for p in glob.glob(os.path.join(dist, "**"), recursive=True) if os.path.isfile(p)]
        data = [open(p, "rb").read() for p in files]
        print(f"| **all of web/dist** ({len(files)} files) | {kb(sum(map(len, data)))} | "
              f"**{kb(sum(map(gz, data)))}** (budget 1 MB) |")
    else:
        print("| all of web/dist | — | no `web/dist` yet: the page is not built |")
    print("\n| embedded contributor | raw | gzip -9 |\n|---|---|---|")
    for name, r, g in contributors():
        print(f"| {name} | {kb(r)} | {kb(g)} |")


if __name__ == "__main__":
    main()
