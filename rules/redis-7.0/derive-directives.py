#!/usr/bin/env python3
"""derive-directives.py — regenerate rules/redis-7.0/directives.json from a real redis-server.

Usage:
    python3 rules/redis-7.0/derive-directives.py [-o OUT.json] [--server PATH]
                                                 [--redis-conf PATH] [--jobs N] [-v]

Python 3.11 standard library only.  What comes from where:

  * The directive list, the flags (IMMUTABLE, HIDDEN, ...), the aliases, the string "empty"
    policy and the validator functions are facts of the C table `static_configs[]` in
    src/config.c (7.0.15) that the server does not print; they are the literal SOURCE_TABLE
    below.  Everything in it that the server can show is checked against the server:
      - names: `CONFIG GET *` must return exactly the non-HIDDEN primaries + the aliases, and
        `CONFIG GET <name>` must return each HIDDEN one;
      - IMMUTABLE / PROTECTED: `CONFIG SET <name> <current value>` on a running server;
      - SENSITIVE: the argument is shown as "(redacted)" in SLOWLOG;
      - MULTI_ARG: a line with 2 or 3 arguments is not refused with "wrong number of arguments";
      - aliases: a server loaded with `<alias> <value>` lines shows the values under the primary.
  * Types, enum values, numeric ranges, octal/percent forms, the "" policy of validators and
    all value rules are probed: each probe feeds a config text on stdin (`redis-server -`)
    followed by a line that is always fatal (SENTINEL below).  The server parses line by line
    and stops at the first error, so "fatal at the sentinel line" means the probe line was
    accepted, and "fatal at line 1" gives the exact error message.  No port is opened and a
    probe takes ~10 ms.  This is the redis.conf code path itself (loadServerConfigFromString),
    not CONFIG SET.
  * Defaults are `CONFIG GET *` of a server started with an empty config file (TCP on
    127.0.0.1, a free port in 17200..17299).  `port` and `bind`, which that harness has to
    override, are read from two extra servers that listen only on a Unix socket in the temp
    dir (one with `port 0`, one with a bare `bind` line).  `daemonize` (always passed as
    `--daemonize no`) and `dir` (the start directory) are the only defaults not observed.
  * `category` is the section of the stock redis.conf (default /etc/redis/redis.conf, the
    Debian copy of the upstream file) in which the directive appears.

Every server is started with `--daemonize no` in a fresh temp dir and stopped by its own PID.
The script then runs the fact checks listed below (FACT_CHECKS, VALUE_CHECKS, ...) and exits
with status 1 without writing the JSON if any of them or any cross-check disagrees
(--force writes it anyway).  Output is deterministic: directives keep the server's table order.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SENTINEL = "__redlint_probe_end__ x"  # a line every redis-server refuses ("Bad directive")
PROBE_VALUE = "redlint-probe"  # valid for every string directive, invalid for every other type
WRONG_ARITY = "wrong number of arguments"
BAD_DIRECTIVE = "Bad directive or wrong number of arguments"
FLAG_ORDER = ["IMMUTABLE", "SENSITIVE", "DEBUG", "MULTI_ARG", "HIDDEN", "PROTECTED",
              "DENY_LOADING", "VOLATILE"]
U64_MAX = 2**64 - 1
KEY_ORDER = ["name", "aliases", "type", "min", "max", "octal", "percent", "values",
             "multi_value", "grammar", "multi_arg", "flags", "default", "empty_is_null",
             "tls_only", "validator", "category"]


# --------------------------------------------------------------------------- source facts
def S(name, kind, flags, alias=None, fmt=None, validator=None, tls=False):
    """One entry of static_configs[] (src/config.c, 7.0.15).

    kind: the create*Config family (bool, string, sds, enum, int, uint, ulong, longlong,
    ulonglong, sizet, ssizet, timet, offt, special); flags without MODIFIABLE (= 0);
    fmt: INTEGER/MEMORY/OCTAL(/PERCENT) for numbers, the empty-string policy for strings;
    validator: our tag for the entry's is_valid_fn or for a value rule of REFERENCE §2.4;
    tls: inside `#ifdef USE_OPENSSL`.
    """
    return {"name": name, "kind": kind, "flags": flags.split(), "alias": alias, "fmt": fmt,
            "validator": validator, "tls": tls}


SOURCE_TABLE = [
    S('rdbchecksum', 'bool', 'IMMUTABLE'),
    S('daemonize', 'bool', 'IMMUTABLE'),
    S('io-threads-do-reads', 'bool', 'DEBUG IMMUTABLE'),
    S('always-show-logo', 'bool', 'IMMUTABLE'),
    S('protected-mode', 'bool', ''),
    S('rdbcompression', 'bool', ''),
    S('rdb-del-sync-files', 'bool', ''),
    S('activerehashing', 'bool', ''),
    S('stop-writes-on-bgsave-error', 'bool', ''),
    S('set-proc-title', 'bool', 'IMMUTABLE'),
    S('dynamic-hz', 'bool', ''),
    S('lazyfree-lazy-eviction', 'bool', 'DEBUG'),
    S('lazyfree-lazy-expire', 'bool', 'DEBUG'),
    S('lazyfree-lazy-server-del', 'bool', 'DEBUG'),
    S('lazyfree-lazy-user-del', 'bool', 'DEBUG'),
    S('lazyfree-lazy-user-flush', 'bool', 'DEBUG'),
    S('repl-disable-tcp-nodelay', 'bool', ''),
    S('repl-diskless-sync', 'bool', 'DEBUG'),
    S('aof-rewrite-incremental-fsync', 'bool', ''),
    S('no-appendfsync-on-rewrite', 'bool', ''),
    S('cluster-require-full-coverage', 'bool', ''),
    S('rdb-save-incremental-fsync', 'bool', ''),
    S('aof-load-truncated', 'bool', ''),
    S('aof-use-rdb-preamble', 'bool', ''),
    S('aof-timestamp-enabled', 'bool', ''),
    S('cluster-replica-no-failover', 'bool', '', alias='cluster-slave-no-failover'),
    S('replica-lazy-flush', 'bool', '', alias='slave-lazy-flush'),
    S('replica-serve-stale-data', 'bool', '', alias='slave-serve-stale-data'),
    S('replica-read-only', 'bool', 'DEBUG', alias='slave-read-only'),
    S('replica-ignore-maxmemory', 'bool', '', alias='slave-ignore-maxmemory'),
    S('jemalloc-bg-thread', 'bool', ''),
    S('activedefrag', 'bool', 'DEBUG', validator='activedefrag-build'),
    S('syslog-enabled', 'bool', 'IMMUTABLE'),
    S('cluster-enabled', 'bool', 'IMMUTABLE'),
    S('appendonly', 'bool', 'DENY_LOADING'),
    S('cluster-allow-reads-when-down', 'bool', ''),
    S('cluster-allow-pubsubshard-when-down', 'bool', ''),
    S('crash-log-enabled', 'bool', ''),
    S('crash-memcheck-enabled', 'bool', ''),
    S('use-exit-on-panic', 'bool', 'HIDDEN'),
    S('disable-thp', 'bool', 'IMMUTABLE'),
    S('cluster-allow-replica-migration', 'bool', ''),
    S('replica-announced', 'bool', ''),
    S('latency-tracking', 'bool', ''),
    S('aof-disable-auto-gc', 'bool', ''),
    S('replica-ignore-disk-write-errors', 'bool', ''),
    S('aclfile', 'string', 'IMMUTABLE', fmt='empty-allowed'),
    S('unixsocket', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('pidfile', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('replica-announce-ip', 'string', '', alias='slave-announce-ip', fmt='empty-is-null'),
    S('masteruser', 'string', 'SENSITIVE', fmt='empty-is-null'),
    S('cluster-announce-ip', 'string', '', fmt='empty-is-null'),
    S('cluster-config-file', 'string', 'IMMUTABLE', fmt='empty-allowed'),
    S('cluster-announce-hostname', 'string', '', fmt='empty-is-null', validator='hostname-chars'),
    S('syslog-ident', 'string', 'IMMUTABLE', fmt='empty-allowed'),
    S('dbfilename', 'string', 'PROTECTED', fmt='empty-allowed', validator='basename'),
    S('appendfilename', 'string', 'IMMUTABLE', fmt='empty-allowed', validator='basename-nonempty'),
    S('appenddirname', 'string', 'IMMUTABLE', fmt='empty-allowed', validator='basename-nonempty'),
    S('server_cpulist', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('bio_cpulist', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('aof_rewrite_cpulist', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('bgsave_cpulist', 'string', 'IMMUTABLE', fmt='empty-is-null'),
    S('ignore-warnings', 'string', '', fmt='empty-allowed'),
    S('proc-title-template', 'string', '', fmt='empty-allowed', validator='proc-title-template'),
    S('bind-source-addr', 'string', '', fmt='empty-is-null'),
    S('logfile', 'string', 'IMMUTABLE', fmt='empty-allowed', validator='logfile-openable'),
    S('masterauth', 'sds', 'SENSITIVE', fmt='empty-is-null'),
    S('requirepass', 'sds', 'SENSITIVE', fmt='empty-is-null'),
    S('supervised', 'enum', 'IMMUTABLE'),
    S('syslog-facility', 'enum', 'IMMUTABLE'),
    S('repl-diskless-load', 'enum', 'DEBUG DENY_LOADING'),
    S('loglevel', 'enum', ''),
    S('maxmemory-policy', 'enum', ''),
    S('appendfsync', 'enum', ''),
    S('oom-score-adj', 'enum', ''),
    S('acl-pubsub-default', 'enum', ''),
    S('sanitize-dump-payload', 'enum', 'DEBUG'),
    S('enable-protected-configs', 'enum', 'IMMUTABLE'),
    S('enable-debug-command', 'enum', 'IMMUTABLE'),
    S('enable-module-command', 'enum', 'IMMUTABLE'),
    S('cluster-preferred-endpoint-type', 'enum', ''),
    S('propagation-error-behavior', 'enum', ''),
    S('shutdown-on-sigint', 'enum', 'MULTI_ARG', validator='shutdown-flags'),
    S('shutdown-on-sigterm', 'enum', 'MULTI_ARG', validator='shutdown-flags'),
    S('databases', 'int', 'IMMUTABLE', fmt='integer'),
    S('port', 'int', '', fmt='integer'),
    S('io-threads', 'int', 'DEBUG IMMUTABLE', fmt='integer'),
    S('auto-aof-rewrite-percentage', 'int', '', fmt='integer'),
    S('cluster-replica-validity-factor', 'int', '', alias='cluster-slave-validity-factor',
      fmt='integer'),
    S('list-max-listpack-size', 'int', '', alias='list-max-ziplist-size', fmt='integer',
      validator='list-size-class'),
    S('tcp-keepalive', 'int', '', fmt='integer'),
    S('cluster-migration-barrier', 'int', '', fmt='integer'),
    S('active-defrag-cycle-min', 'int', '', fmt='integer'),
    S('active-defrag-cycle-max', 'int', '', fmt='integer'),
    S('active-defrag-threshold-lower', 'int', '', fmt='integer'),
    S('active-defrag-threshold-upper', 'int', '', fmt='integer'),
    S('lfu-log-factor', 'int', '', fmt='integer'),
    S('lfu-decay-time', 'int', '', fmt='integer'),
    S('replica-priority', 'int', '', alias='slave-priority', fmt='integer'),
    S('repl-diskless-sync-delay', 'int', '', fmt='integer'),
    S('maxmemory-samples', 'int', '', fmt='integer'),
    S('maxmemory-eviction-tenacity', 'int', '', fmt='integer'),
    S('timeout', 'int', '', fmt='integer'),
    S('replica-announce-port', 'int', '', alias='slave-announce-port', fmt='integer'),
    S('tcp-backlog', 'int', 'IMMUTABLE', fmt='integer'),
    S('cluster-port', 'int', 'IMMUTABLE', fmt='integer'),
    S('cluster-announce-bus-port', 'int', '', fmt='integer'),
    S('cluster-announce-port', 'int', '', fmt='integer'),
    S('cluster-announce-tls-port', 'int', '', fmt='integer'),
    S('repl-timeout', 'int', '', fmt='integer'),
    S('repl-ping-replica-period', 'int', '', alias='repl-ping-slave-period', fmt='integer'),
    S('list-compress-depth', 'int', 'DEBUG', fmt='integer'),
    S('rdb-key-save-delay', 'int', 'HIDDEN', fmt='integer'),
    S('key-load-delay', 'int', 'HIDDEN', fmt='integer'),
    S('active-expire-effort', 'int', '', fmt='integer'),
    S('hz', 'int', '', fmt='integer', validator='hz-clamp'),
    S('min-replicas-to-write', 'int', '', alias='min-slaves-to-write', fmt='integer'),
    S('min-replicas-max-lag', 'int', '', alias='min-slaves-max-lag', fmt='integer'),
    S('watchdog-period', 'int', 'HIDDEN', fmt='integer'),
    S('shutdown-timeout', 'int', '', fmt='integer'),
    S('repl-diskless-sync-max-replicas', 'int', '', fmt='integer'),
    S('maxclients', 'uint', '', fmt='integer'),
    S('unixsocketperm', 'uint', 'IMMUTABLE', fmt='octal'),
    S('socket-mark-id', 'uint', 'IMMUTABLE', fmt='integer'),
    S('active-defrag-max-scan-fields', 'ulong', '', fmt='integer'),
    S('slowlog-max-len', 'ulong', '', fmt='integer'),
    S('acllog-max-len', 'ulong', '', fmt='integer'),
    S('busy-reply-threshold', 'longlong', '', alias='lua-time-limit', fmt='integer'),
    S('cluster-node-timeout', 'longlong', '', fmt='integer'),
    S('slowlog-log-slower-than', 'longlong', '', fmt='integer'),
    S('latency-monitor-threshold', 'longlong', '', fmt='integer'),
    S('proto-max-bulk-len', 'longlong', 'DEBUG', fmt='memory'),
    S('stream-node-max-entries', 'longlong', '', fmt='integer'),
    S('repl-backlog-size', 'longlong', '', fmt='memory'),
    S('maxmemory', 'ulonglong', '', fmt='memory'),
    S('cluster-link-sendbuf-limit', 'ulonglong', '', fmt='memory'),
    S('hash-max-listpack-entries', 'sizet', '', alias='hash-max-ziplist-entries', fmt='integer'),
    S('set-max-intset-entries', 'sizet', '', fmt='integer'),
    S('zset-max-listpack-entries', 'sizet', '', alias='zset-max-ziplist-entries', fmt='integer'),
    S('active-defrag-ignore-bytes', 'sizet', '', fmt='memory'),
    S('hash-max-listpack-value', 'sizet', '', alias='hash-max-ziplist-value', fmt='memory'),
    S('stream-node-max-bytes', 'sizet', '', fmt='memory'),
    S('zset-max-listpack-value', 'sizet', '', alias='zset-max-ziplist-value', fmt='memory'),
    S('hll-sparse-max-bytes', 'sizet', '', fmt='memory'),
    S('tracking-table-max-keys', 'sizet', '', fmt='integer'),
    S('client-query-buffer-limit', 'sizet', 'DEBUG', fmt='memory'),
    S('maxmemory-clients', 'ssizet', '', fmt='memory+percent'),
    S('repl-backlog-ttl', 'timet', '', fmt='integer'),
    S('auto-aof-rewrite-min-size', 'offt', '', fmt='memory'),
    S('loading-process-events-interval-bytes', 'offt', 'HIDDEN', fmt='integer'),
    # --- #ifdef USE_OPENSSL (TLS builds only) ---
    S('tls-port', 'int', '', fmt='integer', tls=True),
    S('tls-session-cache-size', 'int', '', fmt='integer', tls=True),
    S('tls-session-cache-timeout', 'int', '', fmt='integer', tls=True),
    S('tls-cluster', 'bool', '', tls=True),
    S('tls-replication', 'bool', '', tls=True),
    S('tls-auth-clients', 'enum', '', tls=True),
    S('tls-prefer-server-ciphers', 'bool', '', tls=True),
    S('tls-session-caching', 'bool', '', tls=True),
    S('tls-cert-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-key-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-key-file-pass', 'string', '', fmt='empty-is-null', tls=True),
    S('tls-client-cert-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-client-key-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-client-key-file-pass', 'string', '', fmt='empty-is-null', tls=True),
    S('tls-dh-params-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-ca-cert-file', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-ca-cert-dir', 'string', 'VOLATILE', fmt='empty-is-null', tls=True),
    S('tls-protocols', 'string', '', fmt='empty-is-null', tls=True),
    S('tls-ciphers', 'string', '', fmt='empty-is-null', tls=True),
    S('tls-ciphersuites', 'string', '', fmt='empty-is-null', tls=True),
    # --- #endif ---
    S('dir', 'special', 'PROTECTED DENY_LOADING'),
    S('save', 'special', 'MULTI_ARG'),
    S('client-output-buffer-limit', 'special', 'MULTI_ARG'),
    S('oom-score-adj-values', 'special', 'MULTI_ARG'),
    S('notify-keyspace-events', 'special', ''),
    S('bind', 'special', 'MULTI_ARG'),
    S('replicaof', 'special', 'IMMUTABLE MULTI_ARG', alias='slaveof'),
    S('latency-tracking-info-percentiles', 'special', 'MULTI_ARG'),
]

# config.c loadServerConfigFromString: deprecated_configs[] — accepted with exactly one
# value and ignored.
IGNORED_DEPRECATED = ["list-max-ziplist-entries", "list-max-ziplist-value",
                      "lua-replicate-commands"]

# Directives handled outside the table, each with a line the parser accepts.
KEYWORDS = {
    "include": "include /nonexistent-redlint-dir/*.conf",  # a glob matching nothing is ignored
    "rename-command": "rename-command flushall redlint-flushall",
    "user": "user redlint-probe on nopass",
    "loadmodule": "loadmodule /nonexistent-redlint-dir/module.so",  # loaded after parsing
    "sentinel": "sentinel",  # bare `sentinel` is ignored outside sentinel mode
}

# Names older releases accepted (found by diffing the config parsers of every release tag
# 1.3.6 .. 6.2.16 of redis/redis against 7.0.15) that 7.0.15 refuses with "Bad directive".
# name: (a value of the old type, note).  Each one is probed.
REMOVED = {
    "glueoutputbuf": ("yes", "accepted up to 2.4 (a no-op with a deprecation warning since "
                      "2.2), removed in 2.6; output buffers are always glued, nothing replaces it"),
    "shareobjects": ("no", "accepted up to 1.3.x, removed in 2.0 (\"no gains most of the "
                     "time\", commit bdcb92f); nothing replaces it"),
    "shareobjectspoolsize": ("1024", "accepted up to 1.3.x, removed in 2.0 together with "
                             "shareobjects; nothing replaces it"),
    "hash-max-zipmap-entries": ("512", "accepted up to 2.4, removed in 2.6 when small hashes "
                                "moved from zipmap to ziplist; use hash-max-listpack-entries "
                                "(7.0 name; hash-max-ziplist-entries is its alias)"),
    "hash-max-zipmap-value": ("64", "accepted up to 2.4, removed in 2.6; use "
                              "hash-max-listpack-value (alias hash-max-ziplist-value)"),
    "vm-enabled": ("no", "virtual memory was deprecated in 2.4 and removed in 2.6; "
                   "use maxmemory + maxmemory-policy"),
    "really-use-vm": ("yes", "2.2.12–2.4 guard to keep the deprecated VM on; removed with "
                      "VM in 2.6"),
    "vm-swap-file": ("/tmp/redis.swap", "virtual memory, removed in 2.6"),
    "vm-max-memory": ("0", "virtual memory, removed in 2.6; use maxmemory"),
    "vm-page-size": ("32", "virtual memory, removed in 2.6"),
    "vm-pages": ("134217728", "virtual memory, removed in 2.6"),
    "vm-max-threads": ("4", "virtual memory, removed in 2.6"),
    "cluster-replica-no-failiver": ("no", "a misspelling accepted only by 5.0.0 (fixed in "
                                    "5.0.1); use cluster-replica-no-failover"),
    "gopher-enabled": ("no", "6.0–6.2; Gopher protocol support was removed in 7.0, nothing "
                       "replaces it"),
}

# One-line grammar of the SPECIAL entries (REFERENCE §2.5, checked by SPECIAL_CHECKS).
SPECIAL_GRAMMAR = {
    "dir": "one path; chdir() is done while the line is parsed, so it must exist then "
           "(fatal otherwise) and later relative include paths resolve against it",
    "save": "\"\" (no snapshots) or 1+ pairs <seconds >=1> <changes >=0>, several pairs per "
            "line allowed; integers via strtoll (a leading + is tolerated, no units); an odd "
            "count is fatal; while the file is read, lines accumulate (the first one drops the "
            "built-in defaults)",
    "client-output-buffer-limit": "groups of 4: <normal|replica|slave|pubsub> <hard memory> "
                                  "<soft memory> <soft-seconds >=0>; memory values with units, "
                                  "no negatives; a line updates only the classes it names",
    "oom-score-adj-values": "exactly 3 integers -2000..2000 (master replica bg-child)",
    "notify-keyspace-events": "one argument made of the class characters A g $ l s h z x e K "
                              "E t m d n (case-sensitive); \"\" = off",
    "bind": "0..16 addresses or host names (no CIDR); a leading - marks an optional address; "
            "a bare `bind` or bind \"\" = no TCP listener",
    "replicaof": "<host> <port 0..65535> or `no one` (case-insensitive)",
    "latency-tracking-info-percentiles": "0+ decimal numbers 0.0..100.0; \"\" or no argument "
                                         "= empty list",
}

# (value text as written after the directive name, accepted?)
SPECIAL_CHECKS = {
    "dir": [(".", True), ("/nonexistent-redlint-dir", False)],
    "save": [("", True), ('""', True), ("900 1 300 10", True), ('"900 1 300 10"', True),
             ("+900 1", True), ("900", False), ("0 1", False), ("900 1k", False),
             ("900 1 # note", False)],
    "client-output-buffer-limit": [("", True), ("normal 0 0 0", True),
                                   ("pubsub 1GB 512Mb 0", True), ("slave 1gb 0 0", True),
                                   ("replica 256mb 64mb 60 pubsub 32mb 8mb 60", True),
                                   ("master 0 0 0", False), ("normal 0 0", False),
                                   ("pubsub -1 0 0", False), ("normal 0 0 -1", False)],
    "oom-score-adj-values": [("0 200 800", True), ("0 -100 800", True),
                             ("-2000 0 2000", True), ("0 0 2001", False), ("0 200", False),
                             ("", False)],
    "notify-keyspace-events": [('""', True), ("KEA", True), ("g$lshzxeKEtmdn", True),
                               ("kE", False), ("Kxy", False)],
    "bind": [("", True), ('""', True), ("127.0.0.1 -::1", True), ("localhost", True),
             (" ".join(["127.0.0.1"] * 16), True), (" ".join(["127.0.0.1"] * 17), False)],
    "replicaof": [("127.0.0.1 6379", True), ("no one", True), ("NO ONE", True),
                  ("127.0.0.1 65535", True), ("127.0.0.1 65536", False),
                  ("127.0.0.1", False), ("", False)],
    "latency-tracking-info-percentiles": [("", True), ('""', True), ("50 99 99.9 100", True),
                                          ("0", True), ("100.1", False), ("-1", False),
                                          ("abc", False)],
}

# Value rules per validator tag: (value text, accepted?).  README documents each tag.
VALIDATOR_CHECKS = {
    "basename": [("dump.rdb", True), ('""', True), ("a/b", False), ("a\\b", False)],
    "basename-nonempty": [("x.aof", True), ('""', False), ("a/b", False), ("a\\b", False)],
    "hostname-chars": [("a.b-C9", True), ('""', True), ("x" * 255, True), ("x" * 256, False),
                       ("a_b", False), ('"a b"', False)],
    "proc-title-template": [("{title}-x", True), ("{listen-addr}", True),
                            ('"{title} {listen-addr} {server-mode} {port} {tls-port} '
                             '{unixsocket} {config-file}"', True), ("plain", True),
                            ("{title}", False), ('""', False), ("{nope}", False),
                            ("{title", False)],
    "shutdown-flags": [("nosave now", True), ("save force", True), ("default", True),
                       ("save nosave", False)],
    "activedefrag-build": [("no", True)],  # "yes" depends on the build, see build.active_defrag
    "hz-clamp": [("0", True), ("501", True), ("2147483647", True), ("-1", False)],
    "list-size-class": [("-1", True), ("-5", True), ("-6", True), ("8192", True)],
    "logfile-openable": [('""', True), ("/nonexistent-redlint-dir/x.log", True)],
}

# Facts of REFERENCE/FACTS (parse level): (line, accepted?).
FACT_CHECKS = [
    ("port 65535", True), ("port 65536", False), ("port 0", True), ("port -1", False),
    ("io-threads 0", False), ("io-threads 1", True), ("io-threads 128", True),
    ("io-threads 129", False), ("databases 0", False), ("databases 1", True),
    ("hz 0", True), ("hz 501", True), ("tcp-backlog -1", False), ("maxclients 0", False),
    ("maxmemory-samples 0", False), ("active-expire-effort 0", False),
    ("active-expire-effort 11", False), ("maxmemory-eviction-tenacity 101", False),
    ("list-compress-depth -1", False), ("repl-backlog-size 0", False),
    ("proto-max-bulk-len 1000", False), ("slowlog-log-slower-than -1", True),
    ("slowlog-log-slower-than -2", False),
    ("maxmemory 1gib", False), ("maxmemory 1.5gb", False), ("maxmemory 1GB", True),
    ("maxmemory 10K", True), ("maxmemory 10kB", True), ("maxmemory 100b", True),
    ("maxmemory -1", False), ("maxmemory +1gb", False), ("maxmemory 1tb", False),
    ("maxmemory 1 gb", False), ('maxmemory "1gb "', False), ('maxmemory ""', True),
    ("maxmemory k", True), ("maxmemory 0100mb", True), ("maxmemory 10%", False),
    ("maxmemory-clients 10%", True), ("maxmemory-clients 0%", True),
    ("maxmemory-clients 100%", True), ("maxmemory-clients 101%", False),
    ("timeout 5", True), ("timeout 05", False), ("timeout +5", False), ("timeout 1e3", False),
    ("timeout 1k", False), ("timeout 0x10", False), ("timeout 1 2", False), ("port 06379", False),
    ("appendonly true", False), ("appendonly YES", True), ("rdbcompression 1", False),
    ("rdbcompression NO", True), ('appendonly ""', False), ("daemonize on", False),
    ("maxmemory-policy ALLKEYS-LRU", True), ("maxmemory-policy lru", False),
    ("loglevel Notice", True), ("loglevel nothing", False), ("supervised sysv", False),
    ("appendfsync EVERYSEC", True), ("oom-score-adj yes", True),
    ("unixsocketperm 700", True), ("unixsocketperm 0770", True), ("unixsocketperm 800", False),
    ("unixsocketperm 1000", False), ("list-max-listpack-size -6", True),
    ("MAXMEMORY 1GB", True), ('"maxmemory" 2mb', True),
    ("activerehashing yes # x", False), ("protected-mode yes # on", False),
    ("dbfilename /tmp/x.rdb", False), ('appendfilename ""', False),
    ('proc-title-template "{title}"', False), ('cluster-announce-hostname "a b"', False),
    ("requirepass", False), ("maxmemory", False), ("include", False), ("loadmodule", False),
    ("include a.conf b.conf", False), ("sentinel monitor m 127.0.0.1 6379 2", False),
    ("foo bar", False), ('""', False),
    ("slaveof 127.0.0.1 7999", True), ("slave-read-only no", True), ("slave-priority 10", True),
    ("hash-max-ziplist-entries 100", True), ("lua-time-limit 1000", True),
    ("list-max-ziplist-entries 512", True), ("list-max-ziplist-entries 512 1", False),
    ("hash-max-zipmap-entries 512", False), ("vm-enabled no", False),
]

# Facts that need a loaded server: (config line, directive, expected CONFIG GET value).
VALUE_CHECKS = [
    ("hz 0", "hz", "1"), ("hz 501", "hz", "500"),
    ("maxmemory 1k", "maxmemory", "1000"), ("maxmemory 1kb", "maxmemory", "1024"),
    ("maxmemory 1Kb", "maxmemory", "1024"), ("maxmemory 1m", "maxmemory", "1000000"),
    ("maxmemory 1GB", "maxmemory", "1073741824"), ("maxmemory 1g", "maxmemory", "1000000000"),
    ("maxmemory 0100mb", "maxmemory", "104857600"), ('maxmemory ""', "maxmemory", "0"),
    ("maxmemory k", "maxmemory", "0"),
    ("maxmemory 20000000000gb", "maxmemory", "3028092406290448384"),
    ("maxmemory-clients 10%", "maxmemory-clients", "10%"),
    ("maxmemory-clients 0%", "maxmemory-clients", "0"),
    ("maxmemory-clients 1gb", "maxmemory-clients", "1073741824"),
    ("maxmemory-clients 18446744073709551615", "maxmemory-clients", "1%"),
    ("hash-max-listpack-value 1kb", "hash-max-listpack-value", "1024"),
    ("oom-score-adj yes", "oom-score-adj", "yes"),
    ("notify-keyspace-events KEA", "notify-keyspace-events", "AKE"),
    ("unixsocketperm 0770", "unixsocketperm", "770"),
    ("maxmemory-policy ALLKEYS-LRU", "maxmemory-policy", "allkeys-lru"),
    ("loglevel Notice", "loglevel", "notice"),
    ("list-max-listpack-size -6", "list-max-listpack-size", "-6"),
    ("save 900 1 300 10", "save", "900 1 300 10"), ('save "900 1"', "save", "900 1"),
    ("save", "save", ""), ('save ""', "save", ""),
    ("latency-tracking-info-percentiles", "latency-tracking-info-percentiles", ""),
    ("shutdown-on-sigterm nosave now", "shutdown-on-sigterm", "nosave now"),
    ('shutdown-on-sigint "nosave force"', "shutdown-on-sigint", "nosave force"),
    ("rdbcompression NO", "rdbcompression", "no"),
    ("masteruser foo#bar", "masteruser", "foo#bar"),  # (requirepass would lock us out)
]

# Facts that only show when the server finishes loading: (config lines, text in the output).
START_FAIL_CHECKS = [
    (["logfile /nonexistent-redlint-dir/x.log"], "Can't open the log file"),
]

DIR_DEFAULT = "."  # `dir` defaults to the directory redis-server was started in
UNOBSERVED_DEFAULTS = {"daemonize": "no"}  # config.c default 0; the harness forces it


# --------------------------------------------------------------------------- RESP2 client
class RespError(Exception):
    pass


class Resp:
    def __init__(self, address, timeout=10.0):
        if isinstance(address, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(address)
        else:
            self.sock = socket.create_connection(address, timeout=timeout)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
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
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ValueError(f"unexpected RESP2 reply {line!r}")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self.read()

    def config_get(self, pattern):
        r = self.call("CONFIG", "GET", pattern)
        if isinstance(r, RespError):
            raise r
        return dict(zip(r[0::2], r[1::2]))


# --------------------------------------------------------------------------- servers
def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    """redis-server started by us in `workdir`, `--daemonize no`, stopped by its PID."""

    def __init__(self, binary, workdir, tag, conf_lines, tcp_port=None):
        self.binary, self.tag = binary, tag
        self.workdir = os.path.join(workdir, tag)  # cwd = default `dir`: one per server
        os.makedirs(self.workdir, exist_ok=True)
        workdir = self.workdir
        self.conf = os.path.join(workdir, f"{tag}.conf")
        self.logpath = os.path.join(workdir, f"{tag}.log")
        self.sockpath = os.path.join(workdir, f"{tag}.sock")
        self.tcp_port = tcp_port
        lines = list(conf_lines)
        if tcp_port is None:
            lines.append(f"unixsocket {self.sockpath}")
        with open(self.conf, "w") as fh:
            fh.write("".join(line + "\n" for line in lines))
        self.proc = None

    def start(self, expect_failure=False):
        argv = [self.binary, self.conf, "--daemonize", "no"]
        if self.tcp_port is not None:
            argv += ["--port", str(self.tcp_port), "--bind", "127.0.0.1"]
        with open(self.logpath, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=self.workdir, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            if self.proc.poll() is not None:
                if expect_failure:
                    return False
                raise RuntimeError(f"redis-server ({self.tag}) exited early:\n{self.log()}")
            try:
                c = self.client(timeout=2)
                ok = c.call("PING") == "PONG"
                c.close()
                if ok:
                    return True
            except (OSError, ConnectionError):
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server ({self.tag}) did not answer:\n{self.log()}")
            time.sleep(0.02)

    def client(self, timeout=10.0):
        if self.tcp_port is not None:
            return Resp(("127.0.0.1", self.tcp_port), timeout)
        return Resp(self.sockpath, timeout)

    def log(self):
        try:
            with open(self.logpath, errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # our own child, by PID
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_tcp_server(binary, workdir, tag):
    for port in range(17200, 17300):
        if not port_free(port):
            continue
        srv = Server(binary, workdir, tag, [], tcp_port=port)
        try:
            srv.start()
            return srv
        except RuntimeError:
            if "Address already in use" in srv.log():
                continue  # lost a race for the port
            raise
    raise RuntimeError("no free port in 17200..17299")


# --------------------------------------------------------------------------- parse probes
class Probe:
    __slots__ = ("ok", "line", "message")

    def __init__(self, ok, line, message):
        self.ok, self.line, self.message = ok, line, message

    def __repr__(self):
        return f"Probe(ok={self.ok}, line={self.line}, message={self.message!r})"


class Prober:
    """Feeds `<lines>\\n<SENTINEL>\\n` to `redis-server -` and reports where it failed."""

    def __init__(self, binary, workdir, jobs):
        self.binary, self.workdir, self.jobs = binary, workdir, jobs
        self.cache = {}
        self.count = 0

    def _run(self, lines):
        text = "".join(line + "\n" for line in lines) + SENTINEL + "\n"
        r = subprocess.run([self.binary, "-"], input=text.encode(), capture_output=True,
                           cwd=self.workdir, timeout=20)
        err = r.stderr.decode("utf-8", "replace")
        m = re.search(r"at line (\d+)\n>>> '[^\n]*'\n(.*)", err, re.S)
        if r.returncode != 1 or not m:
            raise RuntimeError(f"unexpected probe outcome for {lines!r}: rc={r.returncode}\n"
                               f"{err}{r.stdout.decode('utf-8', 'replace')[-2000:]}")
        line, message = int(m.group(1)), m.group(2).strip()
        ok = line == len(lines) + 1 and message == BAD_DIRECTIVE
        return Probe(ok, line, message)

    def many(self, batch):
        """batch: list of config texts (str, one line) or tuples of lines."""
        keys = [(b,) if isinstance(b, str) else tuple(b) for b in batch]
        todo = sorted({k for k in keys if k not in self.cache})
        with ThreadPoolExecutor(self.jobs) as pool:
            for k, res in zip(todo, pool.map(self._run, todo)):
                self.cache[k] = res
        self.count += len(todo)
        return [self.cache[k] for k in keys]

    def one(self, line):
        return self.many([line])[0]


def cfg_line(name, value):
    """A config line for `name value`; "" is written as "" (an empty argument)."""
    if value == "":
        return f'{name} ""'
    if re.search(r'[\s"\'\\]', value):
        return f'{name} "' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} {value}"


# --------------------------------------------------------------------------- derivation
class Derivation:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.prober = Prober(args.server, workdir, args.jobs)
        self.failures = []
        self.notes = []

    def fail(self, msg):
        self.failures.append(msg)
        print("CHECK FAILED: " + msg, file=sys.stderr)

    def note(self, msg):
        self.notes.append(msg)
        if self.args.verbose:
            print("note: " + msg, file=sys.stderr)

    def expect(self, what, probe, want_ok):
        if probe.ok != want_ok:
            self.fail(f"{what}: expected {'accepted' if want_ok else 'refused'}, got "
                      f"{'accepted' if probe.ok else 'refused: ' + probe.message}")

    # ---- servers
    def with_server(self, tag, lines, fn):
        srv = Server(self.args.server, self.workdir, tag, lines)
        srv.start()
        try:
            c = srv.client()
            try:
                return fn(c)
            finally:
                c.close()
        finally:
            srv.stop()

    def run(self):
        binary = self.args.server
        ver = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"v=(\S+)", ver)
        if not m:
            raise RuntimeError(f"cannot read the version from {binary} --version: {ver!r}")
        self.version = m.group(1)
        if not self.version.startswith("7.0."):
            self.note(f"server is {self.version}; SOURCE_TABLE was read from 7.0.15")

        table = {e["name"]: dict(e) for e in SOURCE_TABLE}
        alias_of = {e["alias"]: e["name"] for e in SOURCE_TABLE if e["alias"]}

        # ---- 1. the defaults server (empty config; TCP on 127.0.0.1)
        main = start_tcp_server(binary, self.workdir, "defaults")
        try:
            c = main.client()
            visible = c.config_get("*")
            hidden_values = {}
            for n, e in table.items():
                if "HIDDEN" in e["flags"]:
                    got = c.config_get(n)
                    if n in visible or n not in got:
                        self.fail(f"{n}: HIDDEN expected (absent from CONFIG GET *, present "
                                  f"for its exact name)")
                    hidden_values.update(got)
            known = set(table) | set(alias_of)
            for n in sorted(set(visible) - known):
                self.fail(f"{n}: returned by CONFIG GET * but missing from SOURCE_TABLE "
                          f"(a newer server? add it to the table)")
            for n in sorted(known - set(visible) - set(hidden_values)):
                if n in table and "HIDDEN" in table[n]["flags"]:
                    continue
                probe = self.prober.one(f"{n} {PROBE_VALUE}")
                if probe.message == BAD_DIRECTIVE:
                    self.note(f"{n}: not known to this server (e.g. a build without TLS); "
                              f"left out")
                    table.pop(n, None)
                    alias_of.pop(n, None)
                else:
                    self.fail(f"{n}: accepted by the parser but not in CONFIG GET *")
            self.counts = (len(visible), len(hidden_values))
            defaults = {**visible, **hidden_values}
            setflags = self.config_set_flags(c, table, defaults)
            c.close()
        finally:
            main.stop()

        # ---- 2. port and bind defaults (Unix-socket servers)
        bind_default = self.with_server("bind-default", ["port 0"],
                                        lambda c: c.config_get("bind")["bind"])
        port_default, port_bind = self.with_server(
            "port-default", ["bind"],
            lambda c: (c.config_get("port")["port"], c.config_get("bind")["bind"]))
        if port_bind != "":
            self.fail(f"bare `bind` should leave no address, CONFIG GET bind = {port_bind!r}")
        defaults["bind"], defaults["port"] = bind_default, port_default
        defaults["dir"] = DIR_DEFAULT
        defaults.update(UNOBSERVED_DEFAULTS)

        # ---- 3. classification probes
        names = list(table)
        batch = []
        for n in names:
            batch += [f"{n} {PROBE_VALUE}", n, f"{n} a b", f"{n} a b c"]
        for a in alias_of:
            batch.append(f"{a} {PROBE_VALUE}")
        self.prober.many(batch)

        entries = []
        for n in names:
            e = table[n]
            entries.append(self.derive_entry(e, defaults, setflags))
        by_name = {d["name"]: d for d in entries}

        # aliases answer like their primary at parse level ...
        for a, p in alias_of.items():
            pa = self.prober.one(f"{a} {PROBE_VALUE}")
            pp = self.prober.one(f"{p} {PROBE_VALUE}")
            if (pa.ok, pa.message) != (pp.ok, pp.message):
                self.fail(f"alias {a}: parses differently from {p}: {pa} vs {pp}")
        # ... and set the primary's value (a server loaded with every alias line)
        self.check_alias_values(alias_of, by_name, defaults)

        # ---- 4. outside the table
        for n in IGNORED_DEPRECATED:
            self.expect(f"ignored {n} with one value", self.prober.one(f"{n} 1"), True)
            self.expect(f"ignored {n} with two values", self.prober.one(f"{n} 1 2"), False)
            if n in visible:
                self.fail(f"ignored {n} is in CONFIG GET *")
        for k, line in KEYWORDS.items():
            self.expect(f"keyword {k}", self.prober.one(line), True)
        removed = {}
        for n, (value, why) in REMOVED.items():
            p = self.prober.one(f"{n} {value}")
            if p.ok or p.line != 1 or p.message != BAD_DIRECTIVE:
                self.fail(f"removed {n}: expected 'Bad directive', got {p}")
            removed[n] = why

        # ---- 5. facts
        for line, want in FACT_CHECKS:
            self.expect(f"fact `{line}`", self.prober.one(line), want)
        self.check_values()
        for lines, text in START_FAIL_CHECKS:
            srv = Server(binary, self.workdir, "startfail", lines)
            started = srv.start(expect_failure=True)
            srv.stop()
            if started or text not in srv.log():
                self.fail(f"start with {lines!r}: expected to abort with {text!r}")

        # build facts
        active_defrag = self.prober.one("activedefrag yes").ok
        build = {"tls": any(e["tls"] for e in table.values()), "active_defrag": active_defrag}

        # ---- 6. categories
        cats = categories(self.args.redis_conf, set(table) | set(alias_of))
        for d in entries:
            d["category"] = cats.get(d["name"])
            if d["category"] is None:
                for a in d["aliases"]:
                    d["category"] = d["category"] or cats.get(a)
            if d["category"] is None:
                self.note(f"{d['name']}: not in {self.args.redis_conf}; category null")

        return {
            "redis_version": self.version,
            "generated_by": "rules/redis-7.0/derive-directives.py",
            "build": build,
            "directives": entries,
            "alias_of": dict(sorted(alias_of.items())),
            "ignored_deprecated": IGNORED_DEPRECATED,
            "keywords": list(KEYWORDS),
            "removed": removed,
        }

    # ---- CONFIG SET: IMMUTABLE, PROTECTED, SENSITIVE
    def config_set_flags(self, c, table, defaults):
        c.call("CONFIG", "SET", "slowlog-max-len", "1024")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("SLOWLOG", "RESET")
        out = {}
        for n in table:
            cur = defaults[n]
            if n == "slowlog-log-slower-than":
                cur = "0"
            elif n == "slowlog-max-len":
                cur = "1024"
            r = c.call("CONFIG", "SET", n, cur)
            flags = set()
            if isinstance(r, RespError):
                msg = str(r)
                if "can't set immutable config" in msg:
                    flags.add("IMMUTABLE")
                elif "can't set protected config" in msg:
                    flags.add("PROTECTED")
                else:
                    self.fail(f"CONFIG SET {n} {cur!r} (its current value): {msg}")
            out[n] = flags
        log = c.call("SLOWLOG", "GET", "100000")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", defaults["slowlog-log-slower-than"])
        for entry in log:
            args = entry[3]
            if len(args) == 4 and args[0].lower() == "config" and args[3] == "(redacted)":
                if args[2] in out:
                    out[args[2]].add("SENSITIVE")
        return out

    # ---- one directive
    def derive_entry(self, e, defaults, setflags):
        n = e["name"]
        p_val = self.prober.one(f"{n} {PROBE_VALUE}")
        p_bare = self.prober.one(n)
        p_two = self.prober.one(f"{n} a b")
        p_three = self.prober.one(f"{n} a b c")
        multi_arg = not (p_two.message == WRONG_ARITY and p_three.message == WRONG_ARITY
                         and not p_two.ok and not p_three.ok)
        flags = list(e["flags"])
        if multi_arg != ("MULTI_ARG" in flags):
            self.fail(f"{n}: MULTI_ARG in SOURCE_TABLE = {'MULTI_ARG' in flags}, probes say "
                      f"{multi_arg} ({p_two.message!r} / {p_three.message!r})")
        # flags the server can show
        for f in ("IMMUTABLE", "PROTECTED", "SENSITIVE"):
            if (f in flags) != (f in setflags.get(n, set())):
                self.fail(f"{n}: {f} in SOURCE_TABLE = {f in flags}, server says "
                          f"{f in setflags.get(n, set())}")
        if p_bare.ok and not multi_arg:
            self.fail(f"{n}: accepted without a value")

        d = {"name": n, "aliases": [e["alias"]] if e["alias"] else []}
        kind = e["kind"]
        msg = p_val.message
        if kind == "special":
            typ = "special"
        elif p_val.ok:
            typ = "string"
        elif msg == "argument must be 'yes' or 'no'":
            typ = "bool"
        elif msg.startswith("argument(s) must be one of the following: "):
            typ = "enum"
        elif msg in ("argument couldn't be parsed into an integer",
                     "argument couldn't be parsed as an octal number"):
            typ = "int"
        elif msg in ("argument must be a memory value",
                     "argument must be a memory or percent value"):
            typ = "memory"
        else:
            typ = "string"  # a validator refused the probe value
            self.fail(f"{n}: probe value refused with {msg!r}")
        want = {"bool": "bool", "enum": "enum", "string": "string", "sds": "string",
                "special": "special"}.get(kind)
        if want is None:
            want = "memory" if e["fmt"].startswith("memory") else "int"
        if typ != want:
            self.fail(f"{n}: SOURCE_TABLE says {want}, probes say {typ} ({msg!r})")
        d["type"] = typ
        d["multi_arg"] = multi_arg
        d["flags"] = [f for f in FLAG_ORDER if f in flags]
        d["default"] = defaults[n]
        d["tls_only"] = e["tls"]
        d["validator"] = e["validator"]
        d["category"] = None
        if typ in ("int", "memory"):
            d.update(self.numeric(n, msg, e))
        elif typ == "enum":
            d.update(self.enum(n, msg, e))
        elif typ == "bool":
            self.boolean(n, e)
        elif typ == "string":
            d["empty_is_null"] = e["fmt"] == "empty-is-null"
            # "" is a valid value except where a validator says otherwise
            empty_ok = self.prober.one(cfg_line(n, "")).ok
            if not empty_ok and e["validator"] not in ("basename-nonempty",
                                                       "proc-title-template"):
                self.fail(f"{n}: refuses \"\"")
        elif typ == "special":
            d["grammar"] = SPECIAL_GRAMMAR.get(n, "")
            if not d["grammar"]:
                self.fail(f"{n}: special entry without SPECIAL_GRAMMAR")
            for value, want_ok in SPECIAL_CHECKS.get(n, []):
                line = f"{n} {value}".rstrip()
                self.expect(f"special `{line}`", self.prober.one(line), want_ok)
        if e["validator"]:
            for value, want_ok in VALIDATOR_CHECKS[e["validator"]]:
                self.expect(f"validator {e['validator']} `{n} {value}`",
                            self.prober.one(f"{n} {value}"), want_ok)
        return {k: d[k] for k in KEY_ORDER if k in d}

    def boolean(self, n, e):
        lines = [f"{n} {v}" for v in ("yes", "no", "YES", "No", "true", "1", "on", '""')]
        res = self.prober.many(lines)
        for line, r, want in zip(lines, res, (True, True, True, True, False, False, False,
                                               False)):
            if n == "activedefrag" and line.lower().endswith(" yes"):
                continue  # build-dependent (isValidActiveDefrag), see build.active_defrag
            self.expect(f"bool `{line}`", r, want)

    def enum(self, n, msg, e):
        values = [v.strip() for v in msg.split(": ", 1)[1].split(",")]
        res = self.prober.many([f"{n} {v}" for v in values] + [f"{n} {v.upper()}" for v in values])
        for v, r in zip(values + [v.upper() for v in values], res):
            self.expect(f"enum `{n} {v}`", r, True)
        multi = self.prober.one(f"{n} {values[0]} {values[-1]}").ok
        if multi != ("MULTI_ARG" in e["flags"]):
            self.fail(f"{n}: multi-value enum = {multi}, MULTI_ARG = {'MULTI_ARG' in e['flags']}")
        return {"values": values, "multi_value": multi}

    def numeric(self, n, msg, e):
        octal = "octal" in msg
        percent = "percent" in msg
        memory = msg.startswith("argument must be a memory")
        if octal:
            candidates = ["-1", "1000", "77777777777"]
        else:
            candidates = ["-1", "-9223372036854775808", "9223372036854775807",
                          "9223372036854775808", "18446744073709551615"]
        lo = hi = None
        for cand, r in zip(candidates, self.prober.many([f"{n} {v}" for v in candidates])):
            m = re.fullmatch(r"argument must be between (-?\d+) and (-?\d+) inclusive",
                             r.message)
            if not r.ok and m:
                base = 8 if octal else 10
                lo, hi = int(m.group(1), base), int(m.group(2), base)
                break
        if lo is None:
            # No "between" message: a memory value that cannot be negative, whose upper
            # end is either 2^64-1 (unsigned 64-bit) or shown by the first refused value
            # (maxmemory-clients refuses 2^63.. with the *percentage* message, because the
            # byte count wraps to a negative ssize_t = "N%").
            r0, rneg = self.prober.many([f"{n} 0", f"{n} -1"])
            if not (memory and r0.ok and not rneg.ok):
                self.fail(f"{n}: could not determine the range")
            lo, hi, good = 0, U64_MAX, 0
            ups = [2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, U64_MAX]
            for v, r in zip(ups, self.prober.many([f"{n} {v}" for v in ups])):
                if r.ok:
                    good = v
                    continue
                bad = v
                while bad - good > 1:  # bisect the last accepted value
                    mid = (good + bad) // 2
                    if self.prober.one(f"{n} {mid}").ok:
                        good = mid
                    else:
                        bad = mid
                hi = good
                break
        if percent:
            # the C field stores N% as -N (lower bound -100); as a byte count it is 0..max
            for v, want in (("0%", True), ("100%", True), ("101%", False), ("-1%", False)):
                self.expect(f"percent `{n} {v}`", self.prober.one(f"{n} {v}"), want)
            lo = 0

        def fmt(v):
            return format(v, "o") if octal else str(v)

        # boundary checks (the server's own parser at both ends)
        checks = [(lo, True), (hi, True), (lo - 1, False)]
        if not (memory and hi == U64_MAX):  # memtoull saturates above 2^64-1
            checks.append((hi + 1, False))
        for v, want in checks:
            if v < 0 and octal:
                continue
            self.expect(f"range `{n} {fmt(v)}`", self.prober.one(f"{n} {fmt(v)}"), want)
        if memory:
            for v, want in (("1kb", None), ("1gib", False), ("1.5mb", False), ("+1", False)):
                r = self.prober.one(f"{n} {v}")
                if want is not None:
                    self.expect(f"memory `{n} {v}`", r, want)
        elif octal:
            # strtoll(.., 8) with a full-consumption check: a sign is tolerated
            for v, want in (("1k", False), ("8", False), ("+1", True), ("0777", True)):
                self.expect(f"octal `{n} {v}`", self.prober.one(f"{n} {v}"), want)
        else:
            for v in ("1k", "+1", "01", "1.0"):
                self.expect(f"integer `{n} {v}`", self.prober.one(f"{n} {v}"), False)
        return {"min": lo, "max": hi, "octal": octal, "percent": percent}

    # ---- loaded-server checks
    def check_alias_values(self, alias_of, by_name, defaults):
        lines, expected = [], {}
        for a, p in sorted(alias_of.items()):
            d = by_name[p]
            if "IMMUTABLE" in d["flags"] or d["type"] == "special":
                continue  # slaveof: checked at parse level only (would start replicating)
            dv = defaults[p]
            if d["type"] == "bool":
                v = "no" if dv == "yes" else "yes"
            elif d["type"] in ("int", "memory"):
                v = str(int(dv) + 1 if int(dv) < d["max"] else int(dv) - 1)
            elif d["type"] == "enum":
                v = next(x for x in d["values"] if x != dv)
            else:
                v = "redlint-alias"
            lines.append(f"{a} {v}")
            expected[p] = v
        got = self.with_server("aliases", ["port 0"] + lines,
                               lambda c: {p: c.config_get(p)[p] for p in expected})
        for p, v in expected.items():
            if got[p] != v:
                self.fail(f"alias line for {p}: expected CONFIG GET {p} = {v!r}, got {got[p]!r}")

    def check_values(self):
        # put checks of different directives on the same server
        # (a small maxmemory with maxmemory-clients N% would evict our own client)
        apart = {"maxmemory", "maxmemory-clients"}
        rounds = []
        for line, name, want in VALUE_CHECKS:
            for r in rounds:
                if name not in r and not (name in apart and apart & set(r)):
                    r[name] = (line, want)
                    break
            else:
                rounds.append({name: (line, want)})
        for i, r in enumerate(rounds):
            lines = ["port 0"] + [line for line, _ in r.values()]
            got = self.with_server(f"values{i}", lines,
                                   lambda c: {n: c.config_get(n)[n] for n in r})
            for n, (line, want) in r.items():
                if got[n] != want:
                    self.fail(f"value `{line}`: expected CONFIG GET {n} = {want!r}, "
                              f"got {got[n]!r}")


# --------------------------------------------------------------------------- categories
SECTION_NAMES = {"tls-ssl": "tls", "redis-cluster": "cluster",
                 "cluster-docker-nat-support": "cluster-docker-nat",
                 "kernel-transparent-hugepage-control": "kernel-thp-control",
                 "threaded-i-o": "threaded-io"}


def categories(path, names):
    """directive -> slug of the redis.conf section that shows it (active line first, then a
    commented example `# name value`)."""
    if not path or not os.path.exists(path):
        return {}
    active, example = {}, {}
    section = None
    with open(path, errors="replace") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            m = re.fullmatch(r"#{3,}\s*(.*?)\s*#{3,}\s*", line)
            if m:
                slug = re.sub(r"[^a-z0-9]+", "-", m.group(1).lower()).strip("-")
                section = SECTION_NAMES.get(slug, slug)
                continue
            m = re.match(r"([a-z][a-z0-9_-]*)(\s|$)", line)
            if m and m.group(1) in names:
                active.setdefault(m.group(1), section)
                continue
            m = re.match(r"# ([a-z][a-z0-9_-]*) \S", line)
            if m and m.group(1) in names:
                example.setdefault(m.group(1), section)
    return {**example, **active}


# --------------------------------------------------------------------------- output
def render(out):
    """Indented JSON, except one line per directive (easy to diff between versions)."""
    parts = []
    for k, v in out.items():
        if k == "directives":
            body = ",\n".join("    " + json.dumps(d, ensure_ascii=False) for d in v)
            parts.append(f'  "{k}": [\n{body}\n  ]')
        else:
            text = json.dumps(v, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            parts.append(f"  {json.dumps(k)}: {text}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    assert json.loads(text) == out
    return text


# --------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", default=os.path.join(HERE, "directives.json"))
    ap.add_argument("--server", default="redis-server")
    ap.add_argument("--redis-conf", default="/etc/redis/redis.conf",
                    help="stock redis.conf used for `category` (default: %(default)s)")
    ap.add_argument("--jobs", type=int, default=max(2, 2 * (os.cpu_count() or 1)))
    ap.add_argument("--force", action="store_true", help="write the JSON even if checks fail")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    t0 = time.time()
    workdir = tempfile.mkdtemp(prefix="redlint-directives-")
    try:
        der = Derivation(args, workdir)
        out = der.run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    d = out["directives"]
    print(f"CONFIG GET * returned {der.counts[0]} names, + {der.counts[1]} HIDDEN by exact name",
          file=sys.stderr)
    print(f"redis {out['redis_version']}: {len(d)} directives, {len(out['alias_of'])} aliases, "
          f"{len(out['removed'])} removed names; {der.prober.count} parse probes; "
          f"{len(der.failures)} failed checks; {time.time() - t0:.1f} s", file=sys.stderr)
    for n in der.notes:
        print("note: " + n, file=sys.stderr)
    if der.failures and not args.force:
        print("not writing the JSON (use --force)", file=sys.stderr)
        return 1
    with open(args.out, "w") as fh:
        fh.write(render(out))
    print(f"wrote {os.path.relpath(args.out)}", file=sys.stderr)
    return 1 if der.failures else 0


if __name__ == "__main__":
    sys.exit(main())
