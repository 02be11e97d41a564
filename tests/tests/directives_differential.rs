//! Differential test of the directive checks against the real redis-server 7.0.15: for
//! well over a thousand generated configs, "redlint reports a fatal finding" must equal "the
//! server refuses to start". Every directive of the table is tried with valid, boundary,
//! wrong-type, unit, case, empty and quoted values and the wrong number of arguments; the
//! special grammars, keywords, every quoting form of the tokenizer, inline comments after
//! every type, NUL / VT / BOM / CRLF, and the startup-time aborts (bind, module options,
//! TLS, listening, cluster, logfile, rename-command) are covered too.
//!
//! Parse-time verdicts come from piping the config into `redis-server -` (no port opened);
//! when the parser accepts a config but redlint calls it fatal, or the case is about startup,
//! the server is really started on 127.0.0.1 (`redis::verdict`, or a stdin start when the
//! case sets `port`/`logfile`, which the harness overrides); Sentinel cases run as Sentinel.

mod directives_common;

use std::collections::BTreeSet;

use directives_common::{
    fatal_findings, parse_verdict, show, startup_verdict, DiskFs, Parse, GUARD,
};
use redlint_core::knowledge::directives::{table, ValueType};
use redlint_core::Kind;
use redlint_tests::redis::{require_redis, verdict, Start, TempDir};

#[derive(Debug, Clone)]
struct Case {
    text: Vec<u8>,
    sentinel: bool,
    /// Also start the server when the parser accepts (the case is about startup).
    startup: bool,
}

fn case(text: impl AsRef<[u8]>) -> Case {
    let mut t = text.as_ref().to_vec();
    if !t.ends_with(b"\n") {
        t.push(b'\n');
    }
    Case {
        text: t,
        sentinel: false,
        startup: false,
    }
}

fn startup(text: impl AsRef<[u8]>) -> Case {
    Case {
        startup: true,
        ..case(text)
    }
}

fn sentinel(text: impl AsRef<[u8]>) -> Case {
    Case {
        sentinel: true,
        startup: true,
        ..case(text)
    }
}

fn int_values(min: i128, max: i128, octal: bool) -> Vec<String> {
    let mut v: Vec<String> = vec![
        min.to_string(),
        max.to_string(),
        (min - 1).to_string(),
        (max + 1).to_string(),
    ];
    if octal {
        v = vec![
            format!("{min:o}"),
            format!("{max:o}"),
            "-1".into(),
            format!("{:o}", max + 1),
        ];
        v.extend(
            [
                "0770", "700", "800", "+1", "\" 700\"", "\"\"", "0x1", "7 ", "'777'",
            ]
            .map(String::from),
        );
    } else {
        v.extend(
            [
                "0",
                "1",
                "05",
                "+5",
                "1k",
                "1.5",
                "16.",
                "abc",
                "\"\"",
                "-0",
                "0x10",
                "\" 5\"",
                "1e3",
                "'42'",
                "\"12\"",
                "99999999999999999999",
            ]
            .map(String::from),
        );
    }
    v
}

const MEMORY_VALUES: &[&str] = &[
    "0",
    "1",
    "1024",
    "1k",
    "1kb",
    "1K",
    "1KB",
    "1kB",
    "1m",
    "1mb",
    "1M",
    "1MB",
    "1g",
    "1gb",
    "1G",
    "1GB",
    "1Gb",
    "\"\"",
    "k",
    "mb",
    "1gib",
    "1GiB",
    "1.5gb",
    "+1",
    "-1",
    "\"1 gb\"",
    "1t",
    "1tb",
    "10%",
    "0100mb",
    "100 ",
    "1b",
    "1B",
    "20000000000gb",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "1048575",
    "1048576",
    "0%",
    "100%",
    "101%",
    "5%",
    "-5%",
    "05%",
    "%",
    "\"1mb \"",
    "1048576b",
    "1mb1",
];

const BOOL_VALUES: &[&str] = &[
    "yes", "no", "YES", "No", "nO", "true", "false", "1", "0", "on", "\"\"", "\"yes\"", "'no'",
    "y", "\"yes \"",
];

fn table_cases(out: &mut Vec<Case>) {
    for spec in &table().directives {
        let names: Vec<&str> = std::iter::once(spec.name.as_str())
            .chain(spec.aliases.iter().map(String::as_str))
            .collect();
        let name = spec.name.as_str();
        // Arity: no value, two values (MULTI_ARG directives have their own rules).
        out.push(case(name));
        out.push(case(format!(
            "{name} {} {}",
            spec.default.split(' ').next().unwrap_or("x"),
            "extra"
        )));
        // Every alias and an upper-case spelling, with the default value when it is one word.
        let default = if spec.default.is_empty() {
            "\"\"".to_string()
        } else if spec.default.contains(' ') || spec.default.contains('{') {
            format!("\"{}\"", spec.default)
        } else {
            spec.default.clone()
        };
        if name != "dir" {
            for n in &names {
                out.push(case(format!("{n} {default}")));
            }
            out.push(case(format!("{} {default}", name.to_ascii_uppercase())));
        }
        let values: Vec<String> = match spec.value_type {
            ValueType::Bool => BOOL_VALUES.iter().map(|s| s.to_string()).collect(),
            ValueType::Int => int_values(
                i128::from(spec.min.unwrap_or(0)),
                i128::from(spec.max.unwrap_or(0)),
                spec.octal,
            ),
            ValueType::Memory => {
                let mut v: Vec<String> = MEMORY_VALUES.iter().map(|s| s.to_string()).collect();
                let (min, max) = (
                    i128::from(spec.min.unwrap_or(0)),
                    i128::from(spec.max.unwrap_or(0)),
                );
                v.extend([
                    min.to_string(),
                    max.to_string(),
                    (min - 1).to_string(),
                    (max + 1).to_string(),
                ]);
                v
            }
            ValueType::Enum => {
                let mut v: Vec<String> = spec.values.clone();
                v.push(spec.values[0].to_ascii_uppercase());
                v.extend(["nonsense", "\"\"", "'x'"].map(String::from));
                v.extend(
                    spec.values
                        .iter()
                        .filter(|x| x.contains('-'))
                        .map(|x| x.replace('-', "_")),
                );
                if spec.multi_value {
                    v.extend(
                        [
                            "save now",
                            "\"save force\"",
                            "save nosave",
                            "default save",
                            "now force nosave",
                            "SAVE NOW",
                        ]
                        .map(String::from),
                    );
                }
                v
            }
            ValueType::String => {
                let mut v: Vec<String> = [
                    "x",
                    "\"\"",
                    "\"a b\"",
                    "'q'",
                    "dump.rdb",
                    "sub/dir",
                    "a\\\\b",
                    "\"\\x41\\x00\"",
                ]
                .map(String::from)
                .to_vec();
                if name == "proc-title-template" {
                    v.extend(
                        [
                            "{title}",
                            "\"{title} {listen-addr}\"",
                            "{server-mode}",
                            "{unixsocket}",
                            "{port}",
                            "{tls-port}",
                            "{config-file}",
                            "{nope}",
                            "\"{title\"",
                            "{{",
                            "\"x {\"",
                            "}",
                            "\"   \"",
                            "\"{title}  \"",
                            "\"\\t\"",
                            "{}",
                            "{TITLE}",
                        ]
                        .map(String::from),
                    );
                }
                if name == "cluster-announce-hostname" {
                    v.extend(
                        [
                            "redis-1.example.com",
                            "redis_1",
                            "\"a b\"",
                            "host:1",
                            "\"é\"",
                        ]
                        .map(String::from),
                    );
                    v.push("a".repeat(255));
                    v.push("a".repeat(256));
                }
                v
            }
            ValueType::Special => Vec::new(),
        };
        for val in values {
            // Never write outside the scratch directory, even though only the parser runs.
            if spec.validator().is_none()
                && (name.contains("file") || name == "unixsocket" || name == "aclfile")
                && val.contains('/')
            {
                continue;
            }
            out.push(case(format!("{name} {val}")));
        }
    }
}

fn special_cases(out: &mut Vec<Case>) {
    let lines = [
        // save
        "save",
        "save \"\"",
        "save ''",
        "save 900 1",
        "save 900 1 300 10 60 10000",
        "save \"900 1 300 10\"",
        "save \"900 1 300\"",
        "save 900",
        "save 0 1",
        "save 1 0",
        "save -1 1",
        "save 900 -1",
        "save +900 1",
        "save 900 1k",
        "save 900 \"\"",
        "save \"\" \"\"",
        "save \" 900\" 1",
        "save 900 1.5",
        "save 9999999999999999999999 1",
        "save 900 1 #",
        "SAVE 60 1000",
        "save \"\\\"900\"",
        // client-output-buffer-limit
        "client-output-buffer-limit",
        "client-output-buffer-limit normal 0 0 0",
        "client-output-buffer-limit replica 256mb 64mb 60",
        "client-output-buffer-limit slave 256mb 64mb 60",
        "client-output-buffer-limit pubsub 32mb 8mb 60",
        "client-output-buffer-limit PUBSUB 32MB 8MB 60",
        "client-output-buffer-limit normal 0 0 0 replica 1gb 512mb 120",
        "client-output-buffer-limit \"replica 256mb 64mb 60\"",
        "client-output-buffer-limit master 0 0 0",
        "client-output-buffer-limit foo 0 0 0",
        "client-output-buffer-limit normal 0 0",
        "client-output-buffer-limit normal 0 0 0 replica",
        "client-output-buffer-limit normal 1gib 0 0",
        "client-output-buffer-limit normal -1 0 0",
        "client-output-buffer-limit normal 0 0 -1",
        "client-output-buffer-limit normal 0 0 1.5",
        "client-output-buffer-limit normal 0 0 4294967296",
        "client-output-buffer-limit normal 0 0 2147483648",
        "client-output-buffer-limit normal 0 0 2147483647",
        "client-output-buffer-limit normal \"\" k 0",
        "client-output-buffer-limit normal 0 0 +5",
        "client-output-buffer-limit normal 0 0 \"\"",
        // oom-score-adj-values
        "oom-score-adj-values",
        "oom-score-adj-values 0 200 800",
        "oom-score-adj-values \"0 200 800\"",
        "oom-score-adj-values 0 200",
        "oom-score-adj-values 0 200 800 1000",
        "oom-score-adj-values -2000 0 2000",
        "oom-score-adj-values -2001 0 0",
        "oom-score-adj-values 0 0 2001",
        "oom-score-adj-values 800 200 0",
        "oom-score-adj-values +1 \" 2\" \"\"",
        "oom-score-adj-values a b c",
        // notify-keyspace-events
        "notify-keyspace-events \"\"",
        "notify-keyspace-events Ex",
        "notify-keyspace-events KEA",
        "notify-keyspace-events Ag$lshzxeKEtmdn",
        "notify-keyspace-events k",
        "notify-keyspace-events KEx!",
        "notify-keyspace-events \"K E\"",
        "notify-keyspace-events K E",
        "notify-keyspace-events",
        // bind (parse side; the startup side is below)
        "bind",
        "bind \"\"",
        "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
        "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
        // replicaof
        "replicaof",
        "replicaof no one",
        "replicaof NO ONE",
        "slaveof no one",
        "replicaof \"no one\"",
        "replicaof 127.0.0.1",
        "replicaof 127.0.0.1 6379",
        "replicaof 127.0.0.1 6379 extra",
        "replicaof 127.0.0.1 65536",
        "replicaof 127.0.0.1 -1",
        "replicaof 127.0.0.1 abc",
        "replicaof 127.0.0.1 \"\"",
        "replicaof 127.0.0.1 +6379",
        "replicaof 127.0.0.1 \" 6379\"",
        "replicaof 127.0.0.1 4294973675",
        "replicaof 127.0.0.1 0",
        "replicaof \"127.0.0.1 6379\"",
        "replicaof no two",
        // latency-tracking-info-percentiles
        "latency-tracking-info-percentiles",
        "latency-tracking-info-percentiles \"\"",
        "latency-tracking-info-percentiles 50 99 99.9",
        "latency-tracking-info-percentiles \"50 99 99.9\"",
        "latency-tracking-info-percentiles 0 100",
        "latency-tracking-info-percentiles 100.1",
        "latency-tracking-info-percentiles -0.1",
        "latency-tracking-info-percentiles -0",
        "latency-tracking-info-percentiles abc",
        "latency-tracking-info-percentiles .5 5. +5 1e1",
        "latency-tracking-info-percentiles 0x10",
        "latency-tracking-info-percentiles 0x1p3",
        "latency-tracking-info-percentiles inf",
        "latency-tracking-info-percentiles nan",
        "latency-tracking-info-percentiles 1e-400",
        "latency-tracking-info-percentiles 1e",
        "latency-tracking-info-percentiles \" 5\"",
        "latency-tracking-info-percentiles 50%",
        // shutdown-on-sig*
        "shutdown-on-sigterm",
        "shutdown-on-sigterm \"\"",
        "shutdown-on-sigint default",
        "shutdown-on-sigint save now force",
        "shutdown-on-sigint nosave save",
        // dir
        "dir /tmp",
        "dir \"\"",
        "dir /nonexistent-redlint-dir",
        "dir /etc/hostname",
        "dir /etc/hostname/x",
        "dir /nonexistent-redlint-dir/x",
        "dir .",
        "dir /tmp /var",
        "dir /",
        // dbfilename and friends
        "dbfilename dump.rdb",
        "dbfilename /var/lib/redis/dump.rdb",
        "dbfilename \"a\\\\b\"",
        "dbfilename \"\"",
        "appendfilename \"\"",
        "appendfilename dir/a.aof",
        "appenddirname \"\"",
        "appenddirname a/b",
        // keywords and names outside the table
        "include",
        "include a b",
        "include /nonexistent-redlint.conf",
        "rename-command",
        "rename-command get",
        "rename-command get x y",
        "user",
        "loadmodule",
        "list-max-ziplist-entries 512",
        "list-max-ziplist-entries",
        "list-max-ziplist-entries 1 2",
        "list-max-ziplist-value 64",
        "lua-replicate-commands yes",
        "lua-replicate-commands yes no",
        "LIST-MAX-ZIPLIST-VALUE 64",
        "sentinel",
        "mod.opt",
        // removed, later, unknown, typos
        "vm-enabled no",
        "hash-max-zipmap-entries 512",
        "hash-max-zipmap-value 64",
        "glueoutputbuf yes",
        "gopher-enabled no",
        "cluster-replica-no-failiver no",
        "really-use-vm yes",
        "locale-collate \"\"",
        "set-max-listpack-entries 128",
        "cluster-announce-human-nodename x",
        "server-cpulist 0",
        "server_cpulist 0-3",
        "maxmemroy 1gb",
        "maxmemory_policy allkeys-lru",
        "requirepas x",
        "appendonlly yes",
        "slave-lazy-flush yes",
        "foo",
        "\"\"",
        "\"\" x",
        "''",
        "\"maxmemory\" 100mb",
        "'port' 6379",
        "MAXMEMORY 1GB",
        "MaxMemory-Policy ALLKEYS-LRU",
        "appendfsync EVERYSEC",
        "loglevel Notice",
        "loglevel nothing",
        "loglevel info",
    ];
    out.extend(lines.iter().map(case));
}

/// Every quoting form of `sdssplitargs` (REFERENCE §1.3), on a string and a bool directive.
fn quoting_cases(out: &mut Vec<Case>) {
    let forms = [
        "\"abc\"",
        "'abc'",
        "\"a b\"",
        "'a b'",
        "\"\\x41\"",
        "\"\\x4g\"",
        "\"\\x\"",
        "\"\\n\\r\\t\\b\\a\"",
        "\"\\q\"",
        "\"\\\"\"",
        "'\\''",
        "'a\\\\b'",
        "'it\\'s'",
        "\"'\"",
        "'\"'",
        "\"abc\"def",
        "'abc'def",
        "\"a\"\"b\"",
        "\"abc",
        "'abc",
        "abc\"",
        "\"abc\\\"",
        "foo\"bar baz\"",
        "foo'bar'",
        "a\"b\"c",
        "\"\"",
        "''",
        "\"\" \"\"",
        "\"abc\" ",
        "\"abc\"\t",
        "it's",
        "\"ab\\\\\"",
        "\"\\xzz\"",
        "\"\\x41\\x42\"",
        "'\\x41'",
    ];
    for f in forms {
        out.push(case(format!("masteruser {f}")));
        out.push(case(format!("appendonly {f}")));
        out.push(case(format!("save {f}")));
    }
    for raw in [
        "\"port\" 6379",
        "\"po\"rt 6379",
        "po\"rt\" 6379",
        "'port 6379'",
        "\"port 6379\"",
        "\"appendonly\" \"no\"",
    ] {
        out.push(case(raw));
    }
}

/// Inline comments after every type, and the forms that are not comments.
fn comment_cases(out: &mut Vec<Case>) {
    let lines = [
        "activerehashing yes # x",
        "protected-mode yes # on",
        "port 6379 # default",
        "maxmemory 2gb # two gigs",
        "maxmemory-policy allkeys-lru # evict",
        "requirepass foo # x",
        "requirepass foo#bar",
        "requirepass #foo",
        "requirepass # foo",
        "requirepass #",
        "masteruser \"a\" # x",
        "save 900 1 # note",
        "save 900 1 #",
        "save \"\" # off",
        "client-output-buffer-limit normal 0 0 0 # x",
        "oom-score-adj-values 0 200 800 # x",
        "notify-keyspace-events Ex # expired",
        "replicaof no one # x",
        "latency-tracking-info-percentiles 50 99 # p",
        "shutdown-on-sigterm default # x",
        "dir /tmp # data",
        "loglevel notice #",
        "include x # y",
        "rename-command get x # y",
        "list-max-ziplist-entries 512 # x",
        "unixsocketperm 700 # x",
        "slowlog-log-slower-than -1 # off",
        "daemonize no #后台运行",
        "timeout 0 ## x",
        "   # indented",
        "\t# tab",
        "#maxmemory 5mb",
        "   port 6379",
    ];
    out.extend(lines.iter().map(case));
    // Comments after the bind addresses are addresses at startup.
    for l in [
        "bind 127.0.0.1 # local",
        "bind 127.0.0.1 #local",
        "bind 127.0.0.1 -::1 # both",
    ] {
        out.push(startup(l));
    }
    out.push(startup("loadmodule /nonexistent-redlint.so # x"));
}

/// Lexing surprises: NUL, VT/FF, BOM, CRLF, CR-only.
fn lexing_cases(out: &mut Vec<Case>) {
    let raw: &[&[u8]] = &[
        b"maxmemory 2mb\0junk\ntimeout 5",
        b"port 6379\0\n",
        b"\0port 6379",
        b"save 900 1\0\nsave 300 10",
        b"maxmemory 2mb\0\n\0\ntimeout 5",
        b"appendonly yes\0x\nyes",
        b"dbfilename a\0b",
        b"requirepass \"a\\x00b\"",
        b"daemonize \"no\\x00junk\"",
        b"port \"6379\\x00\"",
        b"maxmemory \"1gb\\x00x\"",
        b"maxmemory\x0b2mb",
        b"\x0bport 6379",
        b"port\x0c6379",
        b"\x0b\x0c",
        b"port 6379\x0b",
        b"\xef\xbb\xbfport 6379",
        b"\xef\xbb\xbf# comment",
        b"\xef\xbb\xbf",
        b"port 6379\r\nmaxmemory 1mb\r\n",
        b"port 6379\rmaxmemory 1mb\r",
        b"port 6379 \r\n",
        b"\r\n\r\n",
        b"maxmemory \"1mb\"\r\n",
        b"port 6379\n\n\n# c\nmaxmemory 1mb",
        b"port\t6379",
        b"port  \t 6379  ",
        b"save 900 1\nsave 300 10\nsave \"\"\n",
        b"cluster-enabled yes\nproc-title-template {server-mode}",
        b"unixsocket x.sock\nproc-title-template {unixsocket}",
        b"proc-title-template {server-mode}\ncluster-enabled yes",
    ];
    for r in raw {
        out.push(case(r));
    }
    // A NUL after a long line: fgets reads 1024 bytes at a time.
    let mut long = b"requirepass ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 1100));
    long.extend_from_slice(b"\0tail\nport 6379");
    out.push(case(&long));
}

/// What only a real start shows.
fn startup_cases(out: &mut Vec<Case>) {
    let lines = [
        // bind
        "bind 127.0.0.1",
        "bind 127.0.0.1 ::1",
        "bind 127.0.0.1 -::1",
        "bind 127.0.0.1/8",
        "bind 127.0.0.1 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16",
        "bind 127.0.0.1:6379",
        "bind 127.0.0.1 \"\"",
        "bind 127.0.0.1 -",
        "bind localhost",
        "bind 127.0.0.1 localhost",
        "bind 127.0.0.1 127.0.0.1",
        "bind 127.0.0.1 -127.0.0.1",
        "bind ::1 -::1",
        "bind 127.0.0.1 *",
        "bind 127.0.0.1 0.0.0.0",
        "bind -192.0.2.1 127.0.0.1",
        // (`bind 192.0.2.1 …` without `-` depends on the host's interfaces: not tested.)
        "bind -192.0.2.1 -192.0.2.1 127.0.0.1",
        "bind 127.0.0.1 {{redis_bind}}",
        "bind 127.0.0.1 [::1]:6379",
        "bind 127.0.0.1 [::1]",
        "bind 127.0.0.1 1.2.3.4:6379",
        "bind \"127.0.0.1 ::1\"",
        "bind \"127.0.0.1 10.0.0.0/8\"",
        "bind 127.0.0.1 ::1%lo",
        "bind \"\"",
        "bind",
        // listening
        "port 0",
        "port 0\nunixsocket redis.sock",
        "port 0\ntls-port 0",
        "bind \"\"\nunixsocket redis.sock",
        "unixsocket \"\"\nport 0",
        // module options
        "mod.opt 1",
        "mymodule.some-option \"a b\" c",
        "loadmodule /nonexistent-redlint.so\nmod.opt 1",
        "maxmemory.policy allkeys-lru",
        // cluster
        "cluster-enabled yes\nreplicaof 127.0.0.1 6399",
        "cluster-enabled yes\nreplicaof no one",
        "replicaof 127.0.0.1 6399\ncluster-enabled yes",
        "cluster-enabled yes\nslaveof 127.0.0.1 6399",
        "cluster-enabled yes\nreplicaof 127.0.0.1 6399\nreplicaof no one",
        "cluster-enabled no\nreplicaof 127.0.0.1 6399",
        "port 55536\ncluster-enabled yes",
        "port 55535\ncluster-enabled yes",
        "port 65000\ncluster-enabled yes\ncluster-port 16380",
        // TLS (certificates are never present, so only the missing settings are tested)
        "tls-port 0",
        "tls-replication yes",
        "tls-cluster no",
        // logfile and dir
        "logfile /nonexistent-redlint-dir/redis.log",
        "logfile \"\"",
        "logfile /tmp",
        "logfile /etc/hostname/x.log",
        "logfile /etc/hostname/x/y.log",
        "logfile /nonexistent-redlint-dir/a/b.log",
        "logfile log.txt",
        // rename-command
        "rename-command flushall \"\"",
        "rename-command FLUSHALL \"\"",
        "rename-command config config-b840fc02",
        "rename-command config|get x",
        "rename-command config|nosuch x",
        "rename-command get|x y",
        "rename-command nosuchcmd x",
        "rename-command get set",
        "rename-command get GET",
        "rename-command get foo\nrename-command set get",
        "rename-command flushall \"\"\nrename-command flushall x",
        "rename-command get foo\nrename-command foo bar",
        "rename-command get foo\nrename-command get bar",
        "rename-command get foo\nrename-command set foo",
        "rename-command \"\" x",
        "rename-command keys \"\"\nrename-command flushdb \"\"\nrename-command debug \"\"",
        // activedefrag
        "activedefrag yes",
        "activedefrag no",
        "activedefrag YES",
        // odd but fine
        "hz 0",
        "hz 501",
        "list-max-listpack-size -6",
        "maxmemory 1000",
        "oom-score-adj-values 800 200 0",
        "tcp-backlog 100000",
    ];
    out.extend(lines.iter().map(startup));
}

fn sentinel_cases(out: &mut Vec<Case>) {
    // (`port` and `logfile` are set by the harness on the command line, so not tested here.)
    let lines = [
        "mod.opt 1",
        "loadmodule /nonexistent-redlint.so",
        "rename-command ping pong",
        "rename-command PING pong",
        "rename-command get foo",
        "rename-command flushall \"\"",
        "rename-command sentinel|debug x",
        "rename-command info x\nrename-command info y",
        "rename-command ping info",
        "activedefrag yes",
        "maxmemory 1gib",
        "maxmemory 1gb",
        "protected-mode yes # x",
        "requirepass pw",
        "monitor mymaster 127.0.0.1 6379 2",
        "bogus-directive 1",
        "proc-title-template {server-mode}",
        "dir /nonexistent-redlint-dir",
        "cluster-enabled yes\nreplicaof 127.0.0.1 6399",
        "save 900 1 # x",
        "tls-replication yes",
    ];
    out.extend(lines.iter().map(sentinel));
}

fn all_cases() -> Vec<Case> {
    let mut v = Vec::new();
    table_cases(&mut v);
    special_cases(&mut v);
    quoting_cases(&mut v);
    comment_cases(&mut v);
    lexing_cases(&mut v);
    startup_cases(&mut v);
    sentinel_cases(&mut v);
    // Same text twice (aliases of the same default) is tested once.
    let mut seen = BTreeSet::new();
    v.retain(|c| seen.insert((c.text.clone(), c.sentinel, c.startup)));
    v
}

/// Whether starting a server on this config listens only on loopback (tests never listen
/// elsewhere): every bind word must be loopback or unbindable, and a wildcard is allowed
/// only after a loopback address of the same family, where its bind fails.
fn safe_to_start(text: &[u8]) -> bool {
    let doc = redlint_core::syntax::conf::parse(text);
    for l in &doc.lines {
        let toks: Vec<Vec<u8>> = doc
            .tokens(l)
            .iter()
            .map(|t| doc.value(text, t).to_vec())
            .collect();
        let Some(first) = toks.first() else { continue };
        if !first.eq_ignore_ascii_case(b"bind") {
            continue;
        }
        let words: Vec<Vec<u8>> = if toks.len() == 2 {
            redlint_core::syntax::conf::split_value(&toks[1]).unwrap_or_default()
        } else {
            toks[1..].to_vec()
        };
        let mut loopback_before = false;
        for w in &words {
            let a = w.strip_prefix(b"-").unwrap_or(w);
            let s = String::from_utf8_lossy(a);
            let loopback =
                s == "127.0.0.1" || s == "::1" || s == "localhost" || s.starts_with("::1%");
            let wildcard = s == "*" || s == "0.0.0.0";
            let unbindable = s.is_empty()
                || s.contains('/')
                || s.starts_with("192.0.2.")
                || (s.contains(':')
                    && s.parse::<std::net::Ipv6Addr>().is_err()
                    && !s.starts_with("::1%"))
                || s.contains('#')
                || s.contains('{');
            if wildcard && loopback_before {
                continue;
            }
            if !(loopback || unbindable) {
                return false;
            }
            loopback_before |= loopback;
        }
    }
    true
}

/// Whether the case sets something the harness overrides on its command line.
fn sets_port_or_log(text: &[u8]) -> bool {
    let doc = redlint_core::syntax::conf::parse(text);
    doc.lines.iter().any(|l| {
        doc.tokens(l).first().is_some_and(|t| {
            let n = doc.value(text, t).to_ascii_lowercase();
            matches!(
                n.as_slice(),
                b"port" | b"logfile" | b"tls-port" | b"unixsocket" | b"bind"
            )
        })
    })
}

struct Outcome {
    case: Case,
    redlint: Vec<String>,
    redis: Result<(), String>,
    how: &'static str,
}

fn judge(c: &Case, scratch: &std::path::Path) -> Outcome {
    let kind = if c.sentinel {
        Kind::Sentinel
    } else {
        Kind::Redis
    };
    let mut text = c.text.clone();
    text.extend_from_slice(GUARD);
    let fatal: Vec<String> = fatal_findings(&text, kind, &DiskFs)
        .iter()
        .map(|f| format!("{}:{} {} {}", f.line, f.column, f.code, f.message))
        .collect();
    if c.sentinel {
        let mut config = b"bind 127.0.0.1\nsave \"\"\n".to_vec();
        config.extend_from_slice(&c.text);
        let v = verdict(
            &config,
            &Start {
                sentinel: true,
                force_loopback: true,
                files: Vec::new(),
            },
        );
        let redis = if v.accepted() {
            Ok(())
        } else {
            Err(format!("{v:?}"))
        };
        return Outcome {
            case: c.clone(),
            redlint: fatal,
            redis,
            how: "sentinel start",
        };
    }
    let (redis, how) = match parse_verdict(&text, scratch) {
        Parse::Refused(why) => (Err(why), "parse"),
        Parse::Accepted if !c.startup && fatal.is_empty() => (Ok(()), "parse"),
        Parse::Accepted if !safe_to_start(&c.text) => (
            Err("NOT STARTED: the case would listen beyond loopback".into()),
            "unsafe",
        ),
        Parse::Accepted if sets_port_or_log(&c.text) => (startup_verdict(&c.text), "stdin start"),
        Parse::Accepted => {
            let mut config = b"bind 127.0.0.1\nsave \"\"\nappendonly no\n".to_vec();
            config.extend_from_slice(&c.text);
            let v = verdict(
                &config,
                &Start {
                    sentinel: false,
                    force_loopback: false,
                    files: Vec::new(),
                },
            );
            (
                if v.accepted() {
                    Ok(())
                } else {
                    Err(directives_common::summary(&format!("{v:?}")))
                },
                "harness start",
            )
        }
    };
    Outcome {
        case: c.clone(),
        redlint: fatal,
        redis,
        how,
    }
}

#[test]
fn fatal_findings_match_the_real_server() {
    if !require_redis() {
        return;
    }
    let cases = all_cases();
    assert!(cases.len() > 1000, "only {} cases", cases.len());
    let started = std::time::Instant::now();
    let workers = 2;
    let chunks: Vec<Vec<Case>> = (0..workers)
        .map(|w| cases.iter().skip(w).step_by(workers).cloned().collect())
        .collect();
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let scratch = TempDir::new("directives-parse");
                    chunk
                        .iter()
                        .map(|c| judge(c, scratch.path()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    // A real start can fail for reasons outside the config (a port taken between picking and
    // binding, a loaded machine): a disagreeing start is tried once more.
    let scratch = TempDir::new("directives-retry");
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| {
            if o.how != "parse" && o.redlint.is_empty() == o.redis.is_err() {
                eprintln!("retrying `{}` ({})", show(&o.case.text), o.how);
                judge(&o.case, scratch.path())
            } else {
                o
            }
        })
        .collect();
    let mut disagreements = Vec::new();
    let (mut refused, mut started_servers) = (0, 0);
    for o in &outcomes {
        refused += usize::from(o.redis.is_err());
        started_servers += usize::from(o.how != "parse");
        let redlint_fatal = !o.redlint.is_empty();
        if redlint_fatal != o.redis.is_err() {
            disagreements.push(format!(
                "{}case `{}` ({}):\n    redis:   {}\n    redlint: {}",
                if o.case.sentinel { "[sentinel] " } else { "" },
                show(&o.case.text),
                o.how,
                match &o.redis {
                    Ok(()) => "accepted".to_string(),
                    Err(e) => format!("refused: {e}"),
                },
                if o.redlint.is_empty() {
                    "no fatal finding".to_string()
                } else {
                    o.redlint.join(" || ")
                },
            ));
        }
    }
    eprintln!(
        "{} cases ({} refused by the server, {} real starts) in {:.1}s",
        outcomes.len(),
        refused,
        started_servers,
        started.elapsed().as_secs_f64()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements with redis-server:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
