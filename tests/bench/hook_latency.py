#!/usr/bin/env python3
"""The latency a pre-commit hook and an editor feel (not a test; figures for BENCHMARKS.md).

1. Whole-process `redlint check` on the seed's bare-metal bundle, next to `true` and
   `redis-server --version`, in the same hyperfine run (a Python loop when hyperfine is
   missing: `apt-get install hyperfine`).
2. `redlint server`: time from a didChange to the publishDiagnostics of that version, on a
   2,000-line redis.conf (the seed's, padded with `user` lines and comments), over stdio
   with JSON-RPC framing, as an editor sees it.
Usage: python3 tests/bench/hook_latency.py [--runs N]   (uses target/release/redlint; builds it)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "redlint")
SEED = os.path.join(ROOT, "tests", "fixtures", "seed", "bare-metal")


def whole_process(runs):
    check = f"{BIN} check --root {SEED} {SEED}"
    commands = ["true", "redis-server --version", check]
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "-i",
                 "--export-json", out.name, *commands],
                check=True, stdout=subprocess.DEVNULL)
            results = json.load(open(out.name))["results"]
        return "hyperfine", [(r["command"], r["mean"], r["stddev"]) for r in results]
    rows = []
    for c in commands:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(c.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        rows.append((c, statistics.mean(times), statistics.stdev(times)))
    return "python loop", rows


class Lsp:
    """A minimal LSP client over the server's stdin/stdout."""

    def __init__(self):
        self.p = subprocess.Popen([BIN, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def recv(self):
        length = 0
        while True:
            line = self.p.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        while True:
            m = self.recv()
            if m.get("id") == self.id:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, version):
        while True:
            m = self.recv()
            p = m.get("params", {})
            if m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri \
                    and p.get("version") == version:
                return p["diagnostics"]

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.p.wait(timeout=10)


def big_conf(lines):
    seed = open(os.path.join(SEED, "etc", "redis", "redis.conf")).read().splitlines()
    out = list(seed)
    i = 0
    while len(out) < lines:
        i += 1
        if i % 5 == 0:
            out.append(f"user svc{i} on #{i:064x} ~svc{i}:* -@all +@read +@write -keys")
        else:
            out.append(f"# padding comment {i}: what the next user is for")
    return "\n".join(out[:lines]) + "\n"


def server_latency(runs):
    tmp = tempfile.mkdtemp(prefix="redlint-lsp-bench-")
    try:
        path = os.path.join(tmp, "redis.conf")
        text = big_conf(2000)
        open(path, "w").write(text)
        uri = "file://" + path
        lsp = Lsp()
        lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        lsp.notify("initialized", {})
        t = time.perf_counter()
        lsp.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "redis", "version": 1, "text": text}})
        count = len(lsp.wait_diagnostics(uri, 1))
        first = time.perf_counter() - t
        times = []
        for v in range(2, runs + 2):
            # One keystroke: a character typed into the timeout value.
            changed = text.replace("\ntimeout 300\n", f"\ntimeout 30{v}\n", 1)
            t = time.perf_counter()
            lsp.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"text": changed}]})
            lsp.wait_diagnostics(uri, v)
            times.append(time.perf_counter() - t)
        lsp.close()
        return first, times, count
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    runs = 20
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "redlint-cli"], cwd=ROOT,
                   check=True)
    how, rows = whole_process(runs)
    print(f"## whole process ({how}, {runs} runs, mean ± stddev)\n")
    print("| command | mean | ratio to `redis-server --version` |\n|---|---|---|")
    base = dict((c, m) for c, m, _ in rows)["redis-server --version"]
    for c, m, s in rows:
        shown = c.replace(ROOT + "/", "")
        print(f"| `{shown}` | {m * 1000:.1f} ms ± {s * 1000:.1f} | {m / base:.2f}× |")
    first, times, count = server_latency(runs)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"\n## redlint server, 2,000-line redis.conf ({count} diagnostics)\n")
    print("| measure | value |\n|---|---|")
    print(f"| didOpen → publishDiagnostics | {first * 1000:.0f} ms |")
    print(f"| didChange → publishDiagnostics, median of {runs} | "
          f"{statistics.median(times) * 1000:.0f} ms |")
    print(f"| didChange → publishDiagnostics, p95 | {p95 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
