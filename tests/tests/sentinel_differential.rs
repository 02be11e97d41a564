//! Differential test: redlint's fatal findings on a sentinel.conf against the real
//! `redis-server <conf> --sentinel` 7.0.15. For every case, redlint reports a fatal finding
//! exactly when Sentinel refuses to start, and when it refuses, one of the fatal findings is on
//! the line Sentinel names. Each case also states the verdict we expect, so a change in the
//! server's behaviour shows up as such.
//!
//! Every monitored master, replica and Sentinel address is 127.0.0.1 on a port nothing listens
//! on (or a loopback host name that `/etc/hosts` resolves); Sentinel starts anyway and only
//! tries to connect there.

use redlint_core::fs::MemoryFs;
use redlint_core::{Finding, Input, Kind, Options};
use redlint_tests::redis::{pick_port, require_redis, verdict, Start, Verdict};

/// Where the config sits in redlint's picture of the host; the harness runs the server in a
/// temporary directory that plays the same role (its cwd, holding `redis.conf` and the files).
const DIR: &str = "/sentinel";

struct Case {
    name: &'static str,
    conf: String,
    /// Extra files: (path relative to the config's directory, content, mode).
    files: Vec<(&'static str, &'static [u8], u32)>,
    accept: bool,
}

const SCRIPT: &[u8] = b"#!/bin/sh\nexit 0\n";
const RUNID_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const RUNID_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const MYID: &str = "0123456789abcdef0123456789abcdef01234567";

fn cases() -> Vec<Case> {
    // Ports with nothing listening: the master, two replicas, one Sentinel.
    let m = pick_port();
    let r1 = pick_port();
    let r2 = pick_port();
    let s1 = pick_port();
    let s2 = pick_port();
    let mon = format!("sentinel monitor mymaster 127.0.0.1 {m} 2\n");
    let ok = |name, conf: String| Case {
        name,
        conf,
        files: vec![],
        accept: true,
    };
    let bad = |name, conf: String| Case {
        name,
        conf,
        files: vec![],
        accept: false,
    };
    let with = |name, conf: String, files, accept| Case {
        name,
        conf,
        files,
        accept,
    };
    vec![
        // ---- accepted
        ok("monitor only", mon.clone()),
        ok(
            "every option together",
            format!(
                "{mon}sentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 60000\n\
                 sentinel parallel-syncs mymaster 1\nsentinel auth-pass mymaster s3cret\nsentinel auth-user mymaster sentinel-user\n\
                 sentinel master-reboot-down-after-period mymaster 0\nsentinel config-epoch mymaster 3\nsentinel leader-epoch mymaster 3\n\
                 sentinel current-epoch 3\nsentinel myid {MYID}\nsentinel announce-ip 127.0.0.1\nsentinel announce-port 26999\n\
                 sentinel deny-scripts-reconfig yes\nsentinel resolve-hostnames no\nsentinel announce-hostnames no\n\
                 sentinel sentinel-user admin\nsentinel sentinel-pass pw\nsentinel rename-command mymaster CONFIG MYCONFIG\n\
                 sentinel known-replica mymaster 127.0.0.1 {r1}\nsentinel known-sentinel mymaster 127.0.0.1 {s1} {RUNID_A}\n"
            ),
        ),
        ok("per-master options before the monitor line", format!("sentinel down-after-milliseconds mymaster 5000\nsentinel parallel-syncs mymaster 3\n{mon}")),
        ok("upper-case SENTINEL MONITOR", format!("SENTINEL MONITOR mymaster 127.0.0.1 {m} 2\nSentinel Down-After-Milliseconds mymaster 5000\n")),
        ok("quoted arguments", format!("sentinel \"monitor\" 'mymaster' \"127.0.0.1\" \"{m}\" '2'\nsentinel down-after-milliseconds \"mymaster\" \"5000\"\n")),
        ok("quorum 2abc reads as 2", format!("sentinel monitor mymaster 127.0.0.1 {m} 2abc\n")),
        ok("non-numeric port reads as 0", "sentinel monitor mymaster 127.0.0.1 abc 2\n".to_string()),
        ok("port 0", "sentinel monitor mymaster 127.0.0.1 0 2\n".to_string()),
        ok("localhost with resolve-hostnames yes before", format!("sentinel resolve-hostnames yes\nsentinel monitor mymaster localhost {m} 2\n")),
        ok("localhost with resolve-hostnames yes after", format!("sentinel monitor mymaster localhost {m} 2\nsentinel resolve-hostnames yes\n")),
        ok("resolve-hostnames no then yes: the last wins", format!("sentinel resolve-hostnames no\nsentinel monitor mymaster localhost {m} 2\nsentinel resolve-hostnames yes\n")),
        ok("resolve-hostnames YES in upper case", format!("sentinel resolve-hostnames YES\nsentinel monitor mymaster localhost {m} 2\n")),
        ok("numeric shorthand 127.1", format!("sentinel monitor mymaster 127.1 {m} 2\nsentinel known-replica mymaster 0x7f.0.0.1 {r1}\n")),
        ok("old known-sentinel form is ignored, even for an unknown master", format!("{mon}sentinel known-sentinel nosuchmaster 127.0.0.1 {s1}\n")),
        ok("known-replica and known-slave with different ports", format!("{mon}sentinel known-replica mymaster 127.0.0.1 {r1}\nsentinel known-slave mymaster 127.0.0.1 {r2}\n")),
        ok(
            "announce-hostnames keys replicas by name: 127.1 and 127.0.0.1 differ",
            format!("sentinel announce-hostnames yes\n{mon}sentinel known-replica mymaster 127.1 {r1}\nsentinel known-replica mymaster 127.0.0.1 {r1}\n"),
        ),
        ok("known-sentinel with distinct run ids", format!("{mon}sentinel known-sentinel mymaster 127.0.0.1 {s1} {RUNID_A}\nsentinel known-sentinel mymaster 127.0.0.1 {s2} {RUNID_B}\n")),
        ok("bare sentinel line is ignored", format!("sentinel\n{mon}")),
        ok("down-after 5000abc reads as 5000", format!("{mon}sentinel down-after-milliseconds mymaster 5000abc\n")),
        ok("parallel-syncs is not checked", format!("{mon}sentinel parallel-syncs mymaster -1\n")),
        ok("rename of one command for two masters", format!("{mon}sentinel monitor other 127.0.0.1 {r1} 1\nsentinel rename-command mymaster CONFIG A\nsentinel rename-command other CONFIG B\n")),
        ok("myid content is not checked", "sentinel myid ----------------------------------------\n".to_string()),
        ok("announce-port and epochs are not checked", format!("{mon}sentinel announce-port abc\nsentinel current-epoch xyz\nsentinel config-epoch mymaster -\n")),
        ok("master names are case-sensitive: two masters", format!("{mon}sentinel monitor MyMaster 127.0.0.1 {r1} 1\nsentinel down-after-milliseconds MyMaster 1000\n")),
        ok("empty master name", format!("sentinel monitor \"\" 127.0.0.1 {m} 1\nsentinel down-after-milliseconds \"\" 1000\n")),
        ok("empty announce-ip, sentinel-user, sentinel-pass", "sentinel announce-ip \"\"\nsentinel sentinel-user \"\"\nsentinel sentinel-pass \"\"\n".to_string()),
        ok("redis.conf directives in sentinel.conf", format!("protected-mode yes\nmaxmemory 1gb\nappendonly yes\n{mon}")),
        ok("no sentinel lines at all", "loglevel notice\n".to_string()),
        with("monitor in an included file", "include sub.conf\nsentinel down-after-milliseconds mymaster 5000\n".to_string(), vec![("sub.conf", mon.clone().leak().as_bytes(), 0o644)], true),
        with("executable notification script", format!("{mon}sentinel notification-script mymaster notify.sh\n"), vec![("notify.sh", SCRIPT, 0o755)], true),
        with("executable client-reconfig script in a subdirectory", format!("{mon}sentinel client-reconfig-script mymaster ./scripts/reconfig.sh\n"), vec![("scripts/reconfig.sh", SCRIPT, 0o700)], true),
        with("owner-only execute bit", format!("{mon}sentinel notification-script mymaster notify.sh\n"), vec![("notify.sh", SCRIPT, 0o100)], true),
        with("a directory passes access(X_OK)", format!("{mon}sentinel notification-script mymaster scripts\n"), vec![("scripts/readme", b"x", 0o644)], true),
        // ---- refused
        bad("unknown option", format!("{mon}sentinel can-failover mymaster yes\n")),
        bad("missing argument", format!("{mon}sentinel down-after-milliseconds mymaster\n")),
        bad("monitor with three arguments", format!("sentinel monitor mymaster 127.0.0.1 {m}\n")),
        bad("inline comment", format!("sentinel monitor mymaster 127.0.0.1 {m} 2 # the master\n")),
        bad("option with no argument at all", format!("{mon}sentinel myid\n")),
        bad("quorum 0", format!("sentinel monitor mymaster 127.0.0.1 {m} 0\n")),
        bad("quorum two", format!("sentinel monitor mymaster 127.0.0.1 {m} two\n")),
        bad("quorum -1", format!("sentinel monitor mymaster 127.0.0.1 {m} -1\n")),
        bad("template quorum", format!("sentinel monitor mymaster 127.0.0.1 {m} $SENTINEL_QUORUM\n")),
        bad("port 70000", "sentinel monitor mymaster 127.0.0.1 70000 2\n".to_string()),
        bad("port -1", "sentinel monitor mymaster 127.0.0.1 -1 2\n".to_string()),
        bad("host name without resolve-hostnames", format!("sentinel monitor mymaster redis-master {m} 2\n")),
        bad("localhost without resolve-hostnames", format!("sentinel monitor mymaster localhost {m} 2\n")),
        bad("host name with resolve-hostnames no", format!("sentinel resolve-hostnames no\nsentinel monitor mymaster localhost {m} 2\n")),
        bad("resolve-hostnames yes then no: the last wins", format!("sentinel resolve-hostnames yes\nsentinel monitor mymaster localhost {m} 2\nsentinel resolve-hostnames no\n")),
        bad("address with a trailing space", format!("sentinel monitor mymaster \"127.0.0.1 \" {m} 2\n")),
        bad("duplicate master", format!("{mon}sentinel monitor mymaster 127.0.0.1 {r1} 2\n")),
        bad("down-after for an unknown master", format!("{mon}sentinel down-after-milliseconds mymastr 5000\n")),
        bad("failover-timeout naming the master in another case", format!("{mon}sentinel failover-timeout MyMaster 5000\n")),
        bad("auth-pass for an unknown master", format!("{mon}sentinel auth-pass other secret\n")),
        bad("known-replica for an unknown master", format!("{mon}sentinel known-replica other 127.0.0.1 {r1}\n")),
        bad("options but no monitor", "sentinel down-after-milliseconds mymaster 5000\n".to_string()),
        bad("down-after 0", format!("{mon}sentinel down-after-milliseconds mymaster 0\n")),
        bad("down-after -5", format!("{mon}sentinel down-after-milliseconds mymaster -5\n")),
        bad("failover-timeout abc", format!("{mon}sentinel failover-timeout mymaster abc\n")),
        bad("master-reboot-down-after-period -1", format!("{mon}sentinel master-reboot-down-after-period mymaster -1\n")),
        bad("myid too short", "sentinel myid 123\n".to_string()),
        bad("myid 41 characters", format!("sentinel myid {MYID}8\n")),
        bad("deny-scripts-reconfig maybe", format!("{mon}sentinel deny-scripts-reconfig maybe\n")),
        bad("resolve-hostnames true", format!("sentinel resolve-hostnames true\n{mon}")),
        bad("announce-hostnames 1", format!("sentinel announce-hostnames 1\n{mon}")),
        bad("missing notification script", format!("{mon}sentinel notification-script mymaster /nonexistent/notify.sh\n")),
        with("notification script not executable", format!("{mon}sentinel notification-script mymaster notify.sh\n"), vec![("notify.sh", SCRIPT, 0o644)], false),
        bad("missing client-reconfig script", format!("{mon}sentinel client-reconfig-script mymaster ./reconfig.sh\n")),
        with("client-reconfig script not executable", format!("{mon}sentinel client-reconfig-script mymaster reconfig.sh\n"), vec![("reconfig.sh", SCRIPT, 0o600)], false),
        bad("empty script path", format!("{mon}sentinel notification-script mymaster \"\"\n")),
        bad("duplicate known-replica", format!("{mon}sentinel known-replica mymaster 127.0.0.1 {r1}\nsentinel known-replica mymaster 127.0.0.1 {r1}\n")),
        bad("known-replica 127.1 equals 127.0.0.1", format!("{mon}sentinel known-replica mymaster 127.1 {r1}\nsentinel known-replica mymaster 127.0.0.1 {r1}\n")),
        bad("known-replica and known-slave with the same address", format!("{mon}sentinel known-replica mymaster 127.0.0.1 {r1}\nsentinel known-slave mymaster 127.0.0.1 {r1}\n")),
        bad("known-replica by host name", format!("{mon}sentinel known-replica mymaster localhost {r1}\n")),
        bad("known-replica port 70000", format!("{mon}sentinel known-replica mymaster 127.0.0.1 70000\n")),
        bad("known-sentinel by host name", format!("{mon}sentinel known-sentinel mymaster localhost {s1} {RUNID_A}\n")),
        bad("duplicate known-sentinel run id", format!("{mon}sentinel known-sentinel mymaster 127.0.0.1 {s1} {RUNID_A}\nsentinel known-sentinel mymaster 127.0.0.1 {s2} {RUNID_A}\n")),
        bad("rename-command twice, in two cases", format!("{mon}sentinel rename-command mymaster CONFIG GUESSME\nsentinel rename-command mymaster config other\n")),
        with("unknown master in an included file", format!("{mon}include sub.conf\n"), vec![("sub.conf", b"sentinel down-after-milliseconds nosuch 5000\n", 0o644)], false),
    ]
}

fn lint(case: &Case, sentinel: bool) -> Vec<Finding> {
    let path = format!("{DIR}/redis.conf");
    let mut fs = MemoryFs::new();
    fs.insert(path.clone(), case.conf.as_bytes());
    for (rel, bytes, mode) in &case.files {
        let p = format!("{DIR}/{rel}");
        if mode & 0o111 != 0 {
            fs.insert_executable(p, *bytes);
        } else {
            fs.insert(p, *bytes);
        }
    }
    let input = Input {
        path: path.clone(),
        host_path: Some(path),
        bytes: case.conf.as_bytes().to_vec(),
        kind: if sentinel {
            Kind::Sentinel
        } else {
            Kind::Redis
        },
    };
    // The server runs on this machine, as root: it is the target host.
    let options = Options {
        on_host: true,
        run_as: Some("root".to_string()),
        ..Options::default()
    };
    redlint_core::check(vec![input], &fs, &options).findings
}

/// The error Redis prints after the `>>> 'line'` of its FATAL CONFIG FILE ERROR block.
fn refusal(text: &str) -> Option<&str> {
    let mut lines = text.lines();
    lines.find(|l| l.starts_with(">>> "))?;
    lines.next().map(str::trim)
}

/// The line Redis names in `Reading the configuration file, at line N`.
fn refused_line(text: &str) -> Option<u32> {
    let rest = &text[text.find("at line ")? + 8..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn run(cases: Vec<Case>, sentinel: bool) {
    let mut failures = Vec::new();
    let total = cases.len();
    for case in &cases {
        let findings = lint(case, sentinel);
        let fatal: Vec<&Finding> = findings.iter().filter(|f| f.fatal).collect();
        let start = Start {
            sentinel,
            files: case
                .files
                .iter()
                .map(|(p, b, m)| (p.to_string(), b.to_vec(), *m))
                .collect(),
            ..Start::default()
        };
        let real = verdict(case.conf.as_bytes(), &start);
        let describe = || {
            format!(
                "{}\n--- config\n{}--- redlint fatal: {:?}\n--- server: {:?}",
                case.name,
                case.conf,
                fatal
                    .iter()
                    .map(|f| format!("{}:{} {} {}", f.line, f.column, f.code, f.message))
                    .collect::<Vec<_>>(),
                real
            )
        };
        if real.accepted() != case.accept {
            failures.push(format!(
                "EXPECTATION: server {} — {}",
                if real.accepted() {
                    "accepted"
                } else {
                    "refused"
                },
                describe()
            ));
        }
        if real.accepted() == fatal.is_empty() {
            if let Verdict::Reject(text) = &real {
                // Lines of the main file only: an error inside an include names the include's line.
                if let Some(line) = refused_line(text) {
                    if !case.files.iter().any(|(p, _, _)| p.ends_with(".conf"))
                        && !fatal.iter().any(|f| f.line == line)
                    {
                        failures.push(format!("LINE: server refused line {line} — {}", describe()));
                    }
                }
                // Our message quotes the server's.
                if let Some(error) = refusal(text) {
                    if !fatal
                        .iter()
                        .any(|f| f.message.contains(&format!("`{error}`")))
                    {
                        failures.push(format!("MESSAGE: server said `{error}` — {}", describe()));
                    }
                }
            }
        } else {
            failures.push(format!("VERDICT — {}", describe()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases disagree:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn sentinel_fatal_findings_match_the_real_sentinel() {
    if !require_redis() {
        return;
    }
    let cases = cases();
    assert!(cases.len() >= 50);
    run(cases, true);
}

#[test]
fn sentinel_lines_in_a_plain_redis_conf() {
    if !require_redis() {
        return;
    }
    let m = pick_port();
    let cases = vec![
        Case {
            name: "sentinel monitor in redis.conf",
            conf: format!("maxmemory 10mb\nsentinel monitor mymaster 127.0.0.1 {m} 2\n"),
            files: vec![],
            accept: false,
        },
        Case {
            name: "any sentinel option in redis.conf",
            conf: "sentinel resolve-hostnames yes\n".to_string(),
            files: vec![],
            accept: false,
        },
        Case {
            name: "bare sentinel line in redis.conf",
            conf: "sentinel\nmaxmemory 10mb\n".to_string(),
            files: vec![],
            accept: true,
        },
        Case {
            name: "upper-case SENTINEL in redis.conf",
            conf: format!("SENTINEL MONITOR mymaster 127.0.0.1 {m} 2\n"),
            files: vec![],
            accept: false,
        },
    ];
    run(cases, false);
}

/// Apply every fix of the findings (identical edits once), from the end of the file backwards.
fn apply_fixes(text: &str, findings: &[Finding]) -> String {
    let mut edits: Vec<(u32, u32, String)> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| {
            fix.edits
                .iter()
                .map(|e| (e.start, e.end, e.replacement.clone()))
        })
        .collect();
    edits.sort();
    edits.dedup();
    let mut out = text.as_bytes().to_vec();
    for (start, end, replacement) in edits.into_iter().rev() {
        out.splice(start as usize..end as usize, replacement.into_bytes());
    }
    String::from_utf8(out).expect("fixes keep UTF-8")
}

/// RL030's fix (safe) turns each refused config into one the real Sentinel accepts. Only
/// `localhost` is used: with `resolve-hostnames yes` Sentinel resolves the name, and
/// `localhost` comes from /etc/hosts, not from DNS.
#[test]
fn hostname_fix_makes_sentinel_start() {
    if !require_redis() {
        return;
    }
    let m = pick_port();
    let r = pick_port();
    let s = pick_port();
    let configs = [
        format!("port 26379\nsentinel monitor mymaster localhost {m} 2\nsentinel down-after-milliseconds mymaster 5000\n"),
        format!("sentinel resolve-hostnames no\nsentinel monitor mymaster localhost {m} 2\n"),
        format!("sentinel resolve-hostnames yes\nsentinel monitor mymaster localhost {m} 2\nsentinel resolve-hostnames NO\n"),
        format!("sentinel monitor mymaster 127.0.0.1 {m} 2\r\nsentinel known-replica mymaster localhost {r}\r\n"),
        format!(
            "sentinel monitor mymaster localhost {m} 2\nsentinel known-sentinel mymaster localhost {s} {RUNID_A}\nsentinel monitor other localhost {r} 1\n"
        ),
    ];
    for conf in configs {
        let case = Case {
            name: "fix",
            conf: conf.clone(),
            files: vec![],
            accept: false,
        };
        let findings = lint(&case, true);
        assert!(
            findings.iter().any(|f| f.code == "RL030" && f.fatal),
            "{conf}: {findings:?}"
        );
        assert!(
            findings.iter().filter(|f| f.code == "RL030").all(|f| f
                .fix
                .as_ref()
                .is_some_and(|x| x.applicability == redlint_core::finding::Applicability::Safe)),
            "{conf}"
        );
        assert!(
            !verdict(
                conf.as_bytes(),
                &Start {
                    sentinel: true,
                    ..Start::default()
                }
            )
            .accepted(),
            "{conf}"
        );
        let fixed = apply_fixes(&conf, &findings);
        let after = lint(
            &Case {
                name: "fixed",
                conf: fixed.clone(),
                files: vec![],
                accept: true,
            },
            true,
        );
        assert!(after.iter().all(|f| !f.fatal), "{fixed}: {after:?}");
        let real = verdict(
            fixed.as_bytes(),
            &Start {
                sentinel: true,
                ..Start::default()
            },
        );
        assert!(real.accepted(), "fixed config refused:\n{fixed}\n{real:?}");
        assert_eq!(
            fixed.matches("resolve-hostnames").count(),
            conf.matches("resolve-hostnames").count().max(1),
            "{fixed}"
        );
    }
}
