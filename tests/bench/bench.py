#!/usr/bin/env python3
"""Regenerates the figures of tests/bench/BENCHMARKS.md.

Measures, on this machine, in one run:
  1. whole-process `redlint check` on a ~50 MB redis.conf (mostly comments, ~200,000 `user`
     lines) next to `wc -l` on the same file, as a throughput ratio;
  2. 10,000 small files in one call;
  3. peak RSS of each, against the input size.
Usage: python3 tests/bench/bench.py [--runs N]   (builds target/release/redlint first)
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "redlint")


def run(cmd, runs):
    """Median wall time and the peak RSS (KiB) of the command over `runs` runs."""
    times, peak = [], 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            sys.exit(f"{cmd}: exit {p.returncode}: {p.stderr.decode()[:500]}")
        # ru_maxrss of children is the max over all children so far: measure each command
        # in a fresh Python child to isolate it.
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return statistics.median(times), peak


def isolated_rss(cmd):
    code = (
        "import resource,subprocess,sys;"
        f"subprocess.run({cmd!r},stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    return int(subprocess.check_output([sys.executable, "-c", code]).strip())


def big_conf(path):
    comment = "# " + "This is a long explanatory comment line as the stock redis.conf has many of. " * 2 + "\n"
    with open(path, "w") as f:
        f.write("port 6379\nbind 127.0.0.1\nmaxmemory 1gb\n")
        for i in range(200_000):
            f.write(comment)
            f.write(f"user app{i} on #{'%064x' % (i * 7919)} ~app{i}:* &chan{i} -@all +@read +@write -keys\n")
        written = f.tell()
        while written < 50_000_000:
            f.write(comment)
            written += len(comment)


def small_files(directory, n=10_000):
    os.makedirs(directory, exist_ok=True)
    body = "port 6379\nbind 127.0.0.1\nprotected-mode yes\nmaxmemory 100mb\nmaxmemory-policy allkeys-lru\nsave \"\"\nappendonly no\n"
    for i in range(n):
        with open(os.path.join(directory, f"redis-{i:05}.conf"), "w") as f:
            f.write(f"# instance {i}\n" + body)


def main():
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "redlint-cli"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="redlint-bench-")
    try:
        big = os.path.join(tmp, "big.conf")
        big_conf(big)
        size = os.path.getsize(big)
        lines = sum(1 for _ in open(big, "rb"))
        wc_t, _ = run(["wc", "-l", big], runs)
        rl_cmd = [BIN, "check", "--kind", "redis", "--format", "json", big]
        rl_t, _ = run(rl_cmd, runs)
        rl_rss = isolated_rss(rl_cmd)
        many = os.path.join(tmp, "many")
        small_files(many)
        many_cmd = [BIN, "check", "--kind", "redis", "--format", "json", many]
        many_t, _ = run(many_cmd, runs)
        many_rss = isolated_rss(many_cmd)
        many_bytes = sum(os.path.getsize(os.path.join(many, f)) for f in os.listdir(many))
        print(f"machine: {os.cpu_count()} CPUs, {os.uname().release}")
        print(f"big file: {size / 1e6:.1f} MB, {lines} lines, 200000 user lines")
        print(f"| measure | value |")
        print(f"|---|---|")
        print(f"| `wc -l` on the big file | {wc_t * 1000:.0f} ms ({size / wc_t / 1e6:.0f} MB/s) |")
        print(f"| `redlint check` on the big file | {rl_t * 1000:.0f} ms ({size / rl_t / 1e6:.0f} MB/s) |")
        print(f"| throughput ratio redlint / wc -l (target ≥ 0.2) | {wc_t / rl_t:.3f} |")
        print(f"| peak RSS, big file (target ≤ 2× input = {2 * size / 1e6:.0f} MB) | {rl_rss / 1024:.0f} MiB ({rl_rss * 1024 / size:.2f}× input) |")
        print(f"| `redlint check` on 10,000 small files, one call (target < 1 s) | {many_t * 1000:.0f} ms |")
        print(f"| peak RSS, 10,000 files ({many_bytes / 1e6:.1f} MB) | {many_rss / 1024:.0f} MiB |")
        print(f"(median of {runs} runs each)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
