#!/usr/bin/env python3
"""derive-commands.py — regenerate rules/redis-7.0/commands.json from a real redis-server.

Usage:
    python3 rules/redis-7.0/derive-commands.py [-o OUT.json] [--server PATH] [--port N]
    python3 rules/redis-7.0/derive-commands.py --dryrun-cases   # print the ACL DRYRUN examples
                                                               # of dryrun-cases.md (markdown)

Python 3.11 standard library only.  The script

  * starts `redis-server` (default: the one on $PATH, must be 7.0.x, no modules) on 127.0.0.1
    with a free port from 17100..17199, `--daemonize no --save "" --appendonly no`, working
    directory = a fresh temp dir;
  * talks RESP3 to it over a plain socket (HELLO 3, so replies that are maps in the protocol
    become JSON objects without guessing);
  * dumps COMMAND INFO (all commands, subcommands nested), COMMAND DOCS (summary/since/group/
    doc_flags/deprecation only — arguments are not needed), ACL CAT and ACL CAT <category>;
  * cross-checks the per-command categories of COMMAND INFO against the ACL CAT <category>
    listings and aborts if they disagree;
  * stops the server by its own PID (SIGTERM, then SIGKILL after 5 s) and removes the temp dir.

Output is deterministic: commands and subcommands are sorted by name; category order is the
server's ACL CAT order; flags keep the server's order.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------- RESP3 client
class RespError(Exception):
    pass


class Resp:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode("utf-8", "replace")
        if t == b"=":  # verbatim string: "txt:" prefix
            return self._exact(int(rest)).decode("utf-8", "replace")[4:]
        if t == b"!":
            return RespError(self._exact(int(rest)).decode("utf-8", "replace"))
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if t == b"%":
            out = {}
            for _ in range(int(rest)):
                k = self.read()
                out[k] = self.read()
            return out
        if t == b"|":  # attribute: skip it, return the value that follows
            for _ in range(int(rest)):
                self.read()
                self.read()
            return self.read()
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            return float(rest)
        if t == b"(":
            return int(rest)
        raise ValueError(f"unknown RESP type {line!r}")

    def call(self, *args, raise_errors=True):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        r = self.read()
        if raise_errors and isinstance(r, RespError):
            raise r
        return r


# --------------------------------------------------------------------------- server lifecycle
def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    def __init__(self, binary="redis-server", port=None):
        self.binary = binary
        self.port = port or next(p for p in range(17100, 17200) if port_free(p))
        self.dir = tempfile.mkdtemp(prefix="redlint-derive-")
        self.proc = None

    def __enter__(self):
        log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--daemonize", "no", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--logfile", ""],
            cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited early:\n" + self.log())
            try:
                c = Resp("127.0.0.1", self.port, timeout=2)
                if c.call("PING") == "PONG":
                    c.close()
                    return self
                c.close()
            except (OSError, RespError):
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("redis-server did not answer PING:\n" + self.log())
            time.sleep(0.05)

    def log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # only our own child, by PID
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self):
        c = Resp("127.0.0.1", self.port)
        c.call("HELLO", "3")
        return c


# --------------------------------------------------------------------------- conversion
def conv_spec(spec):
    """A key specification (RESP3 map) -> JSON object, field for field."""
    out = {}
    for k, v in spec.items():
        if k in ("begin_search", "find_keys"):
            out[k] = {"type": v["type"], "spec": v.get("spec") or {}}
        else:
            out[k] = v
    return out


def conv_info(entry, docs):
    (name, arity, flags, first, last, step, cats, tips, specs, subs) = entry
    d = docs.get(name) or {}
    rec = {
        "name": name,
        "arity": arity,
        "flags": list(flags),
        "categories": [c.lstrip("@") for c in cats],
        "first_key": first,
        "last_key": last,
        "step": step,
        "movablekeys": "movablekeys" in flags,
        "key_specs": [conv_spec(s) for s in specs],
        "tips": list(tips),
        "doc": {k: d[k] for k in ("summary", "since", "group", "doc_flags",
                                  "deprecated_since", "replaced_by") if k in d},
    }
    subdocs = d.get("subcommands") or {}
    rec["subcommands"] = sorted((conv_info(s, subdocs) for s in (subs or [])),
                                key=lambda r: r["name"])
    return rec


def walk(cmds):
    for c in cmds:
        yield c
        yield from walk(c["subcommands"])


def derive(srv):
    c = srv.client()
    info = c.call("INFO", "server")
    version = next(l.split(":", 1)[1].strip() for l in info.splitlines()
                   if l.startswith("redis_version:"))
    modules = c.call("MODULE", "LIST")
    if modules:
        raise RuntimeError(f"server has modules loaded: {modules}")
    raw_info = c.call("COMMAND", "INFO")
    raw_docs = c.call("COMMAND", "DOCS")
    count = c.call("COMMAND", "COUNT")
    categories = c.call("ACL", "CAT")
    members = {cat: sorted(c.call("ACL", "CAT", cat)) for cat in categories}
    c.close()

    commands = sorted((conv_info(e, raw_docs) for e in raw_info if e),
                      key=lambda r: r["name"])
    if len(commands) != count:
        raise RuntimeError(f"COMMAND COUNT {count} != {len(commands)} entries")

    # Cross-check: ACL CAT <cat> must list exactly the (sub)commands whose COMMAND INFO
    # categories contain <cat>.
    problems = []
    for cat in categories:
        from_info = sorted(r["name"] for r in walk(commands) if cat in r["categories"])
        if from_info != members[cat]:
            a, b = set(from_info), set(members[cat])
            problems.append(f"@{cat}: only in COMMAND INFO {sorted(a - b)}, "
                            f"only in ACL CAT {sorted(b - a)}")
    unknown = {x for r in walk(commands) for x in r["categories"]} - set(categories)
    if unknown:
        problems.append(f"categories not in ACL CAT: {sorted(unknown)}")
    if problems:
        raise RuntimeError("category cross-check failed:\n" + "\n".join(problems))

    return {
        "redis_version": version,
        "generated_by": "rules/redis-7.0/derive-commands.py",
        "notes": [
            "commands/subcommands: COMMAND INFO (RESP3), sorted by name; subcommand names as "
            "COMMAND INFO gives them ('config|get')",
            "categories: ACL CAT order, without '@'; per-command categories cross-checked "
            "against ACL CAT <category>",
            "movablekeys: true when COMMAND INFO flags contain 'movablekeys' (keys cannot be "
            "found from first_key/last_key/step alone)",
            "key_specs: COMMAND INFO key specifications, maps kept as JSON objects",
            "doc: subset of COMMAND DOCS (arguments omitted)",
        ],
        "categories": categories,
        "commands": commands,
    }


# --------------------------------------------------------------------------- ACL DRYRUN cases
# (user rules, command...) — the examples of dryrun-cases.md.  Each user is created fresh.
DRYRUN_USERS = {
    "t": "on nopass -@all +@slow",
    "tk": "on nopass ~* -@all +@slow",
    "rd": "on nopass ~* -@all +@read",
    "cfg": "on nopass ~* -@all +config|get",
    "cfgall": "on nopass ~* -@all +config -config|set",
    "k": "on nopass ~app:* -@all +@all",
    "ro": "on nopass %R~src:* %W~dst:* -@all +@all",
    "rw": "on nopass %R~* %W~w:* -@all +@all",
    "ch": "on nopass ~* &news.* -@all +@all",
    "multi": "on nopass ~* -@all +multi +exec +get",
    "scr": "on nopass ~k* -@all +eval +evalsha +fcall +set",
    "sel": "on nopass ~a* -@all +get (~b* +set)",
    "sel2": "on nopass ~a* -@all +mset (~b* +mset)",
    "fa": "on nopass ~* -@all +select|0",
    "none": "on nopass",
    "off1": "off ~* +@all",
}
DRYRUN_CASES = [
    # +@slow (FACTS.md claim) — command level vs key level
    ("t", "SET k v"), ("tk", "SET k v"), ("t", "FLUSHALL"), ("t", "CONFIG SET maxmemory 1"),
    ("t", "SHUTDOWN"), ("t", "DEBUG SLEEP 0"), ("t", "ACL SETUSER x"), ("t", "GET k"),
    ("t", "MULTI"), ("t", "EXEC"),
    # commands and subcommands
    ("rd", "SET k v"), ("rd", "CONFIG GET maxmemory"), ("rd", "GET k"),
    ("cfg", "CONFIG GET maxmemory"), ("cfg", "CONFIG SET maxmemory 1"), ("cfg", "CONFIG"),
    ("cfgall", "CONFIG SET maxmemory 1"), ("cfgall", "CONFIG GET maxmemory"),
    ("fa", "SELECT 0"), ("fa", "SELECT 1"),
    ("none", "PING"), ("none", "AUTH a b"), ("none", "HELLO 3"), ("off1", "GET k"),
    # keys
    ("k", "GET app:1"), ("k", "GET other"), ("k", "get APP:1"),
    ("k", "MSET app:1 v other v"), ("k", "MGET other app:1 other2"), ("k", "PUBLISH c m"),
    # %R / %W
    ("ro", "COPY src:1 dst:1"), ("ro", "COPY dst:1 src:1"), ("ro", "GET dst:1"),
    ("ro", "SET src:1 v"), ("ro", "SET dst:1 v"), ("ro", "SET dst:1 v GET"),
    ("ro", "LMOVE src:1 dst:1 LEFT RIGHT"), ("ro", "RPOPLPUSH src:1 dst:1"),
    ("ro", "SORT src:1 STORE dst:1"), ("ro", "SORT src:1 STORE src:2"),
    ("ro", "SORT src:1 BY nosort GET x"), ("ro", "GETDEL src:1"), ("ro", "DEL src:1"),
    ("ro", "EXISTS dst:1"), ("ro", "TYPE dst:1"),
    ("ro", "BITOP AND dst:1 src:1 src:2"), ("ro", "SUNIONSTORE dst:1 src:1 dst:2"),
    ("ro", "ZUNIONSTORE dst:1 2 src:1 src:2"), ("ro", "XREAD STREAMS src:1 dst:1 0 0"),
    ("rw", "APPEND k v"), ("rw", "APPEND w:k v"), ("rw", "INCR w:k"), ("rw", "GET w:k"),
    # channels
    ("ch", "PUBLISH news.x m"), ("ch", "PUBLISH other m"), ("ch", "SUBSCRIBE news.x other"),
    ("ch", "PSUBSCRIBE news.*"), ("ch", "PSUBSCRIBE news.x.*"), ("ch", "PSUBSCRIBE *"),
    ("ch", "SPUBLISH other m"), ("ch", "SSUBSCRIBE other"), ("ch", "UNSUBSCRIBE other"),
    # transactions and scripts
    ("multi", "MULTI"), ("multi", "EXEC"), ("multi", "SET k v"),
    ("scr", "EVAL \"return redis.call('set','zz','v')\" 1 kx"),
    ("scr", "EVAL \"return 1\" 1 zz"), ("scr", "EVAL \"return 1\" 0 zz"),
    ("scr", "EVALSHA 0000 1 zz"), ("scr", "FCALL f 1 zz"),
    # selectors
    ("sel", "SET a1 v"), ("sel", "SET b1 v"), ("sel", "GET b1"), ("sel", "MGET a1 b1"),
    ("sel2", "MSET a1 v b1 v c1 v"), ("sel2", "MSET b1 v a1 v c1 v"),
    ("sel2", "MSET c1 v b1 v a1 v"),
    # errors
    ("nosuchuser", "GET k"), ("k", "NOSUCHCMD x"), ("k", "GET"), ("k", "GET a b"),
    ("k", "CONFIG GET"), ("k", "CONFIG NOSUCH"), ("k", ""), ("k", "config get maxmemory"),
    ("default", "FLUSHALL"),
]


def split_cmd(s):
    import shlex
    return shlex.split(s)


def dryrun_cases(srv):
    c = srv.client()
    for name, rules in DRYRUN_USERS.items():
        c.call("ACL", "SETUSER", name, "reset", *rules.split())
    print("| user | rules | command | reply |")
    print("|---|---|---|---|")
    for user, cmd in DRYRUN_CASES:
        args = split_cmd(cmd) or [""]
        r = c.call("ACL", "DRYRUN", user, *args, raise_errors=False)
        if isinstance(r, RespError):
            shown = f"-{r}"
        elif r == "OK":
            shown = "+OK"
        else:
            shown = f'"{r}"'
        rules = DRYRUN_USERS.get(user, "(none)" if user != "default" else "(built-in)")
        esc = lambda s: s.replace("|", "\\|")
        print(f"| {user} | `{esc(rules)}` | `{esc(cmd)}` | `{esc(shown)}` |")
    c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "commands.json"))
    ap.add_argument("--server", default="redis-server")
    ap.add_argument("--port", type=int)
    ap.add_argument("--dryrun-cases", action="store_true")
    a = ap.parse_args()
    with Server(a.server, a.port) as srv:
        if a.dryrun_cases:
            dryrun_cases(srv)
            return 0
        data = derive(srv)
    with open(a.output, "w") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    n = len(data["commands"])
    ns = sum(len(x["subcommands"]) for x in data["commands"])
    print(f"{a.output}: redis {data['redis_version']}, {n} commands, {ns} subcommands, "
          f"{len(data['categories'])} categories", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
