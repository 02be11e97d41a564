//! Does redis-server 7.0.15 start with these users? The real server's verdict against
//! redlint's fatal findings, for ACL files and for `user` lines in redis.conf / sentinel.conf:
//! a fatal finding must be present exactly when the server refuses to start.

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Input, Kind, Options};
use redlint_tests::redis::{require_redis, verdict, Start};

/// What a case starts.
#[derive(Clone, Copy)]
enum Case {
    /// An ACL file loaded with `aclfile users.acl`, plus extra redis.conf lines.
    Acl(&'static [u8], &'static str),
    /// A redis.conf (with `user` lines).
    Conf(&'static str),
    /// A sentinel.conf.
    Sentinel(&'static str),
}

fn cases() -> Vec<(&'static str, Case)> {
    use Case::*;
    vec![
        // ACL files that load.
        ("basic", Acl(b"user default on nopass ~* &* +@all\nuser app on >pw ~app:* +@read\n", "")),
        ("no default user", Acl(b"user app on >pw ~app:* +@read\n", "")),
        ("default disabled", Acl(b"user default off\n", "")),
        ("blank lines and leading spaces", Acl(b"\n   user a on nopass ~* +@all\n\n\t\n", "")),
        ("CRLF", Acl(b"user a on nopass ~* +@all\r\nuser b on nopass\r\n", "")),
        ("trailing TAB", Acl(b"user a on nopass ~* +@all\t\n", "")),
        ("several spaces between rules", Acl(b"user a on   nopass    ~* +@all\n", "")),
        ("TAB then space", Acl(b"user a on\t >pw ~*\n", "")),
        ("selectors", Acl(b"user a on nopass (~b* +set) (%R~c* +@read)\n", "")),
        ("key permissions", Acl(b"user a on nopass %R~r* %W~w* %RW~rw* %wr~x* ~all*\n", "")),
        ("percent without tilde", Acl(b"user a on nopass %R %RW\n", "")),
        ("lower-case hash", Acl(b"user a on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n", "")),
        ("add then remove password", Acl(b"user a on >pw <pw >pw2\n", "")),
        ("remove by hash", Acl(b"user a on >password !5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n", "")),
        ("reset", Acl(b"user a on nopass ~* +@all reset on nopass ~x +get\n", "")),
        ("allkeys then resetkeys", Acl(b"user a on ~* resetkeys ~x ~y &* resetchannels &c\n", "")),
        ("empty patterns", Acl(b"user a on ~ & +@all\n", "")),
        ("empty selector", Acl(b"user a on ()\n", "")),
        ("unbalanced quote inside selector", Acl(b"user a on (~x \"a)\n", "")),
        ("empty user name with a valid rule", Acl(b"user  on nopass\n", "")),
        ("enabled without password", Acl(b"user ghost on ~* +@all\n", "")),
        ("first arg", Acl(b"user a on +select|0 +select|1 ~*\n", "")),
        ("subcommands", Acl(b"user a on +config|get -config|set +config|GET\n", "")),
        ("case-insensitive rules", Acl(b"user a ON NOPASS -@ALL +@Read +GET ALLKEYS\n", "")),
        ("clearselectors and flags", Acl(b"user a on (~x +get) clearselectors sanitize-payload skip-sanitize-payload\n", "")),
        ("percent-R star then tilde pattern", Acl(b"user a on %R~* ~foo\n", "")),
        ("resetchannels under allchannels default", Acl(b"user a on resetchannels &x\n", "acl-pubsub-default allchannels\n")),
        ("dangerous then commands", Acl(b"user a on ~* +@all -@dangerous +flushdb +config|get\n", "")),
        ("NUL-free long line", Acl(b"user a on ~k1 ~k2 ~k3 ~k4 ~k5 ~k6 ~k7 ~k8 ~k9 ~k10 +get +set +del\n", "")),
        ("selector with TAB inside", Acl(b"user a on (~x\t+get)\n", "")),
        // ACL files that do not load.
        ("comment line", Acl(b"# users\nuser default on nopass ~* &* +@all\n", "")),
        ("indented comment", Acl(b"   # users\nuser a on\n", "")),
        ("trailing comment", Acl(b"user a on >pw ~* +@all # note\n", "")),
        ("trailing comment attached", Acl(b"user a on >pw ~* +@all #note\n", "")),
        ("upper-case hash", Acl(b"user a on #5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8\n", "")),
        ("short hash", Acl(b"user a on #abc\n", "")),
        ("bad removal hash", Acl(b"user a on !xyz\n", "")),
        ("remove missing password", Acl(b"user a on <nopw\n", "")),
        ("angle-angle typo", Acl(b"user default on <>password ~* &* +@all\n", "")),
        ("unknown category", Acl(b"user a on +@sorted_set\n", "")),
        ("unknown command", Acl(b"user a on +flushal\n", "")),
        ("unknown subcommand", Acl(b"user a on +config|nosuch\n", "")),
        ("deny first arg", Acl(b"user a on -select|0\n", "")),
        ("first arg of subcommand", Acl(b"user a on +config|get|x\n", "")),
        ("empty first arg", Acl(b"user a on +config|\n", "")),
        ("percent tilde", Acl(b"user a on %~foo\n", "")),
        ("percent alone", Acl(b"user a on %\n", "")),
        ("percent X", Acl(b"user a on %X~foo\n", "")),
        ("percent RR", Acl(b"user a on %RR~foo\n", "")),
        ("pattern after allkeys", Acl(b"user a on ~* ~foo\n", "")),
        ("pattern after allchannels", Acl(b"user a on &* &foo\n", "")),
        ("channel under allchannels default", Acl(b"user a on &foo\n", "acl-pubsub-default allchannels\n")),
        ("duplicate user", Acl(b"user a on\nuser b on\nuser a off\n", "")),
        ("duplicate default", Acl(b"user default on nopass ~* &* +@all\nuser default on >x\n", "")),
        ("upper-case USER", Acl(b"USER a on nopass\n", "")),
        ("TAB after user", Acl(b"user\ta on nopass\n", "")),
        ("two spaces after user", Acl(b"user  alice on nopass\n", "")),
        ("TAB inside the name", Acl(b"user alice\t on nopass\n", "")),
        ("TAB as the only separator", Acl(b"user a on\t>pw\n", "")),
        ("quoted password", Acl(b"user a on \">pass word\" ~*\n", "")),
        ("unmatched selector first", Acl(b"user a (~x +get\n", "")),
        ("unmatched selector after rules (crash)", Acl(b"user a on (~x +get\n", "")),
        ("user rule inside selector", Acl(b"user a on (on)\n", "")),
        ("not a rule", Acl(b"user a on foo\n", "")),
        ("bare user", Acl(b"user\n", "")),
        ("unknown command inside selector", Acl(b"user a on (~x +nosuch)\n", "")),
        ("selector token ending in TAB", Acl(b"user a (~x)\t on\n", "")),
        ("lone closing paren", Acl(b"user a on )\n", "")),
        ("plus alone", Acl(b"user a on +\n", "")),
        ("first-arg of first-arg", Acl(b"user a on +get|x|y\n", "")),
        ("NUL byte joining two lines", Acl(b"user a on\0junk\nuser b on\n", "")),
        ("NUL byte at the end", Acl(b"user a on nopass\n\0", "")),
        ("NUL byte joining harmlessly", Acl(b"user a on\0\n nopass\n", "")),
        ("NUL byte joining into a bad rule", Acl(b"user a on ~x\0\n user b\n", "")),
        // redis.conf user lines.
        ("conf: basic", Conf("user alice on nopass ~* +@all\n")),
        ("conf: USER keyword", Conf("USER alice on nopass ~* +@all\n")),
        ("conf: quoted password", Conf("user alice on \">pass word\" ~* +@all\n")),
        ("conf: quoted selector", Conf("user alice on nopass (~b* +set) \"(%W~c* +@write)\"\n")),
        ("conf: empty word", Conf("user alice on \"\" nopass\n")),
        ("conf: default with requirepass", Conf("requirepass secret\nuser default on >other ~* &* +@all\n")),
        ("conf: unknown command", Conf("user alice on nopass +nosuchcmd\n")),
        ("conf: unknown category", Conf("user alice on nopass +@nosuchcat\n")),
        ("conf: not a rule", Conf("user alice on nopass foo\n")),
        ("conf: duplicate", Conf("user alice on nopass\nuser alice off\n")),
        ("conf: spaces in the name", Conf("user \"a b\" on nopass\n")),
        ("conf: bare user", Conf("user\n")),
        ("conf: trailing comment", Conf("user alice on nopass ~* +@all # app user\n")),
        ("conf: unmatched selector", Conf("user alice on (~b* +set\n")),
        ("conf: users and aclfile", Conf("aclfile users.acl\nuser bob on nopass\n")),
        ("conf: allchannels before", Conf("acl-pubsub-default allchannels\nuser alice on &x\n")),
        ("conf: allchannels after", Conf("user alice on &x\nacl-pubsub-default allchannels\n")),
        ("conf: allchannels then reset", Conf("acl-pubsub-default allchannels\nuser alice on resetchannels &x\n")),
        ("conf: upper-case hash", Conf("user alice on #5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8\n")),
        ("conf: selector quotes inside", Conf("user alice on \"(~x '+get')\"\n")),
        // sentinel.conf user lines: only Sentinel's commands exist.
        ("sentinel: redis command", Sentinel("user bob on nopass +get\n")),
        ("sentinel: own commands", Sentinel("user bob on nopass +sentinel|masters +ping -@all +@admin\n")),
        ("sentinel: category", Sentinel("user bob on nopass +@sortedset\n")),
        ("sentinel: unknown subcommand", Sentinel("user bob on nopass +sentinel|nosuch\n")),
    ]
}

/// redlint's verdict: does any finding say Redis refuses to start? (And which ones.)
fn redlint_fatal(case: Case) -> Vec<String> {
    let mut fs = MemoryFs::new();
    let (conf, kind) = match case {
        Case::Acl(acl, extra) => {
            fs.insert("/srv/users.acl", acl.to_vec());
            (format!("aclfile users.acl\n{extra}"), Kind::Redis)
        }
        Case::Conf(c) => {
            // `conf: users and aclfile` names an ACL file: give it one that loads.
            fs.insert(
                "/srv/users.acl",
                b"user default on nopass ~* &* +@all\n".to_vec(),
            );
            (c.to_string(), Kind::Redis)
        }
        Case::Sentinel(c) => (c.to_string(), Kind::Sentinel),
    };
    fs.insert("/srv/redis.conf", conf.clone().into_bytes());
    let inputs = vec![Input {
        path: "srv/redis.conf".to_string(),
        host_path: Some("/srv/redis.conf".to_string()),
        bytes: conf.into_bytes(),
        kind,
    }];
    check(inputs, &fs, &Options::default())
        .findings
        .into_iter()
        .filter(|f| f.fatal)
        .map(|f| format!("{}:{}: {} {}", f.file, f.line, f.code, f.message))
        .collect()
}

fn server_verdict(case: Case) -> Result<(), String> {
    let (conf, opts) = match case {
        Case::Acl(acl, extra) => (
            format!("aclfile users.acl\n{extra}"),
            Start {
                files: vec![("users.acl".to_string(), acl.to_vec(), 0o644)],
                ..Start::default()
            },
        ),
        Case::Conf(c) => (
            c.to_string(),
            Start {
                files: vec![(
                    "users.acl".to_string(),
                    b"user default on nopass ~* &* +@all\n".to_vec(),
                    0o644,
                )],
                ..Start::default()
            },
        ),
        Case::Sentinel(c) => (
            c.to_string(),
            Start {
                sentinel: true,
                ..Start::default()
            },
        ),
    };
    match verdict(conf.as_bytes(), &opts) {
        redlint_tests::redis::Verdict::Accept => Ok(()),
        redlint_tests::redis::Verdict::Reject(why) => Err(why),
    }
}

#[test]
fn fatal_findings_match_the_real_servers_verdict() {
    if !require_redis() {
        return;
    }
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let results: Vec<(usize, Result<(), String>)> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<(usize, Case)>> = (0..4)
            .map(|t| {
                cases
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 4 == t)
                    .map(|(i, (_, c))| (i, *c))
                    .collect()
            })
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, c)| (i, server_verdict(c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut disagreements = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for (i, server) in results {
        let (name, case) = cases[i];
        let ours = redlint_fatal(case);
        match (&server, ours.is_empty()) {
            (Ok(()), true) => accepted += 1,
            (Err(_), false) => refused += 1,
            (Ok(()), false) => disagreements.push(format!(
                "{name}: the server starts, redlint says fatal: {ours:#?}"
            )),
            (Err(why), true) => {
                let why: String = why
                    .lines()
                    .filter(|l| l.contains('#') || l.contains("rror"))
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" | ");
                disagreements.push(format!(
                    "{name}: the server refuses ({why}), redlint finds nothing fatal"
                ))
            }
        }
    }
    eprintln!(
        "{accepted} accepted and {refused} refused by both; {} disagreements",
        disagreements.len()
    );
    for d in &disagreements {
        eprintln!("{d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements (listed above)",
        disagreements.len()
    );
}

/// The Sentinel command table embedded in redlint is what redis-sentinel 7.0.15 has: the same
/// commands and subcommands, in the same categories.
#[test]
fn sentinel_command_table_matches_the_real_sentinel() {
    if !require_redis() {
        return;
    }
    use redlint_core::knowledge::commands::{self, CATEGORIES};
    let sentinel = redlint_tests::redis::start(
        b"",
        &Start {
            sentinel: true,
            ..Start::default()
        },
    )
    .expect("sentinel starts");
    let mut asks: Vec<Vec<Vec<u8>>> = vec![vec![b"COMMAND".to_vec(), b"LIST".to_vec()]];
    for c in CATEGORIES {
        asks.push(vec![
            b"ACL".to_vec(),
            b"CAT".to_vec(),
            c.as_bytes().to_vec(),
        ]);
    }
    let replies = redlint_tests::redis::pipeline(sentinel.port, &asks).expect("pipeline");
    // Bulk strings of an array reply, sorted.
    let names = |raw: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(raw);
        let mut v: Vec<String> = text
            .split("\r\n")
            .skip(1)
            .filter(|l| !l.starts_with('$') && !l.is_empty())
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    let table = commands::sentinel();
    let mut ours: Vec<String> = table.names().map(str::to_string).collect();
    ours.sort();
    assert_eq!(ours, names(&replies[0]), "COMMAND LIST");
    for (i, c) in CATEGORIES.iter().enumerate() {
        let cat = commands::category(c.as_bytes()).unwrap();
        let mut ours: Vec<String> = table
            .commands
            .iter()
            .filter(|cmd| cmd.in_category(cat))
            .map(|cmd| cmd.name.clone())
            .collect();
        ours.sort();
        assert_eq!(ours, names(&replies[i + 1]), "ACL CAT {c}");
    }
}
