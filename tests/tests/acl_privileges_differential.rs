//! RL5xx against the real redis-server 7.0.15:
//! - every watched command redlint says a user can run (RL501–RL504) is allowed by the
//!   server's `ACL DRYRUN` with the very arguments redlint used, and every one it says the
//!   user cannot run is refused;
//! - RL506's users really get every channel refused;
//! - deleting every rule RL505 reports (its fixes, applied together) leaves `ACL LIST`
//!   identical, and the fixed file still loads.

use redlint_core::acl::{self, Env};
use redlint_core::check::privileges::{dangerous_commands, PROBES};
use redlint_core::fix::apply_edits;
use redlint_core::fs::MemoryFs;
use redlint_core::knowledge::commands;
use redlint_core::model::FileId;
use redlint_core::syntax::acl as acl_syntax;
use redlint_core::{check, Finding, Input, Kind, Options};
use redlint_tests::redis::{pipeline, require_redis, start, Start};

/// Users after `user <name> on >pw `: the seed's, the generator's, and rules exercising
/// categories, containers, selectors, re-grants and redundancy.
const USERS: &[(&str, &str)] = &[
    ("default", "~* &* -@all +@read +@write +@list +@hash +@set +@string +@bitmap +@hyperloglog +@geo +@stream +@pubsub +@transaction +info +ping +auth"),
    ("ai_platform", "~ai:* ~session:* ~cache:* +@all -@dangerous"),
    ("monitor", "~* +@read +info +ping +client +config +latency +memory +slowlog"),
    ("admin", "~* +@all"),
    ("gen_app", "resetkeys ~app:* resetchannels &app:* -@all +@read +@write +@transaction +@pubsub +@connection -@admin -@dangerous -@scripting"),
    ("gen_monitor", "resetkeys %R~* resetchannels -@all +ping +info +config|get +client|list +client|info +client|setname +slowlog|get +slowlog|len +latency|latest +latency|histogram +memory|stats +memory|usage +select +scan +type +strlen +llen +scard +zcard +hlen +xlen +pfcount +xinfo|stream +cluster|info"),
    ("gen_sentinel", "resetkeys resetchannels &__sentinel__:hello -@all +multi +exec +slaveof +replicaof +ping +subscribe +publish +config|rewrite +role +info +client|setname +client|kill +script|kill"),
    ("slow", "~jobs:* &jobs:* -@all +@slow"),
    ("slowall", "~* -@all +@slow"),
    ("write", "~a:* &a:* -@all +@read +@write -@dangerous"),
    ("keyspace", "~k:* -@all +@keyspace"),
    ("conn", "-@all +@connection"),
    ("regrant", "~app:* &app:* -@all +@read -@dangerous +client +config|get +@admin"),
    ("regrant2", "~* &* +@all -@dangerous +config"),
    ("sel", "~a* -@all +get (~b* +@all -@dangerous) (%R~c* +@read +config)"),
    ("selkeys", "%R~r:* %W~w:* ~rw:* -@all +@write"),
    ("noperm", "~* -@all +get"),
    ("scripts", "~s:* -@all +eval +script +function"),
    ("flushonly", "-@all +flushdb +flushall +keys"),
    ("dbg", "~* -@all +debug +module +shutdown +acl"),
    ("pubonly", "~p:* -@all +get +publish +subscribe"),
    ("red1", "~* &* -@all +get +get +@string +get"),
    ("red2", "~* &* +@all +@all -debug"),
    ("red3", "~* &* +get -@all +set"),
    ("red4", "~* &* -@all +@read +@write +@list +@hash +@sortedset +@stream +set"),
    ("red5", "~* &* -@all +config|get +config +config|set"),
    ("red6", "~* &* -@all +@admin +@dangerous +flushall +@all"),
    ("red7", "~* &* -@all +@read (~x +get +get) +@read"),
    ("red8", "~* &* -@all +get (~y +@read +@list -@all +get +get)"),
    ("red9", "~* &* -@all (+get -get +set ~z) (%R~q +@string +@read +get)"),
];

fn acl_file() -> String {
    USERS
        .iter()
        .map(|(n, r)| format!("user {n} on >pw-{n}-Xq93kd8 {r}\n"))
        .collect()
}

fn lint(text: &str) -> Vec<Finding> {
    lint_as(text, "/etc/redis/users.acl", Kind::Acl)
}

fn lint_as(text: &str, path: &str, kind: Kind) -> Vec<Finding> {
    let mut fs = MemoryFs::new();
    fs.insert(path, text);
    let inputs = vec![Input {
        path: path.trim_start_matches('/').to_string(),
        host_path: Some(path.to_string()),
        bytes: text.as_bytes().to_vec(),
        kind,
    }];
    check(inputs, &fs, &Options::default())
        .findings
        .into_iter()
        .filter(|f| f.code.starts_with("RL5"))
        .collect()
}

/// `pipeline` as `admin` (the file's `default` has a password).
fn as_admin(port: u16, commands: &[Vec<Vec<u8>>]) -> Vec<Vec<u8>> {
    let mut all = vec![vec![
        b"AUTH".to_vec(),
        b"admin".to_vec(),
        b"pw-admin-Xq93kd8".to_vec(),
    ]];
    all.extend(commands.iter().cloned());
    let mut replies = pipeline(port, &all).expect("pipeline");
    assert_eq!(replies.first().map(Vec::as_slice), Some(&b"+OK\r\n"[..]));
    replies.remove(0);
    replies
}

fn dryrun_all(port: u16, asks: &[(String, Vec<Vec<u8>>)]) -> Vec<String> {
    let commands: Vec<Vec<Vec<u8>>> = asks
        .iter()
        .map(|(user, argv)| {
            let mut c = vec![
                b"ACL".to_vec(),
                b"DRYRUN".to_vec(),
                user.as_bytes().to_vec(),
            ];
            c.extend(argv.iter().cloned());
            c
        })
        .collect();
    as_admin(port, &commands)
        .iter()
        .map(|r| String::from_utf8_lossy(r).trim_end().to_string())
        .collect()
}

fn show(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn claims_agree_with_acl_dryrun() {
    if !require_redis() {
        return;
    }
    let text = acl_file();
    let bytes = text.as_bytes();
    let table = commands::redis();
    let doc = acl_syntax::parse(bytes);
    let load = acl::load::load_acl_file(FileId(0), bytes, &doc, &Env::new(table));
    assert!(load.problems.is_empty(), "{:?}", load.problems);

    // (user, argv, redlint says allowed)
    let mut asks: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let mut expect: Vec<bool> = Vec::new();
    let mut claims = 0;
    for lu in load.users.iter() {
        let name = String::from_utf8_lossy(&lu.user.name).into_owned();
        let allowed = dangerous_commands(&lu.user);
        for (label, argv) in &allowed {
            asks.push((name.clone(), argv.clone()));
            expect.push(true);
            claims += 1;
            let _ = label;
        }
        // Not claimed: refused (probes without a key argument).
        for p in PROBES {
            if p.argv.contains(&"KEY") || allowed.iter().any(|(l, _)| *l == p.label) {
                continue;
            }
            if p.label == "SLAVEOF" && allowed.iter().any(|(l, _)| *l == "REPLICAOF") {
                continue;
            }
            asks.push((
                name.clone(),
                p.argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
            ));
            expect.push(false);
        }
    }
    assert!(claims > 60, "{claims} claims");

    // RL506 users: every channel refused.
    let findings = lint(&text);
    let no_channels: Vec<String> = findings
        .iter()
        .filter(|f| f.code == "RL506")
        .map(|f| {
            let line = text.lines().nth(f.line as usize - 1).unwrap_or_default();
            line.split(' ').nth(1).unwrap_or_default().to_string()
        })
        .collect();
    for must in ["ai_platform", "pubonly", "admin", "slowall"] {
        assert!(
            no_channels.iter().any(|n| n == must),
            "RL506 {must}: {no_channels:?}"
        );
    }
    let channel_start = asks.len();
    for n in &no_channels {
        for argv in [
            &["PUBLISH", "ch", "m"][..],
            &["SUBSCRIBE", "news"],
            &["PSUBSCRIBE", "*"],
        ] {
            asks.push((
                n.clone(),
                argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
            ));
        }
    }

    let opts = Start {
        files: vec![("users.acl".to_string(), bytes.to_vec(), 0o644)],
        ..Start::default()
    };
    let server = start(b"aclfile users.acl\nsave \"\"\nappendonly no\n", &opts)
        .expect("server starts with the ACL file");
    let replies = dryrun_all(server.port, &asks);
    drop(server);
    assert_eq!(replies.len(), asks.len());
    let mut wrong = Vec::new();
    let mut channel_denied: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, ((user, argv), reply)) in asks.iter().zip(&replies).enumerate() {
        assert!(!reply.starts_with('-'), "{user} {}: {reply}", show(argv));
        let ok = reply == "+OK";
        if i >= channel_start {
            if ok {
                wrong.push(format!(
                    "{user} {}: {reply} (expected a denial)",
                    show(argv)
                ));
            }
            if reply.contains("channel") {
                channel_denied.insert(user.clone());
            }
        } else if ok != expect[i] {
            wrong.push(format!(
                "{user} {}: server {reply}, redlint says {}",
                show(argv),
                if expect[i] { "allowed" } else { "denied" }
            ));
        }
    }
    for n in &no_channels {
        if !channel_denied.contains(n) {
            wrong.push(format!(
                "{n}: no pub/sub command was refused for its channel"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn redundant_rules_removed_leave_acl_list_unchanged() {
    if !require_redis() {
        return;
    }
    let text = acl_file();
    let findings = lint(&text);
    let redundant: Vec<&Finding> = findings.iter().filter(|f| f.code == "RL505").collect();
    let lines: Vec<u32> = redundant.iter().map(|f| f.line).collect();
    // default (+@list …), red1–red7 all have some.
    for user in [
        "default", "red1", "red2", "red3", "red4", "red5", "red6", "red7",
    ] {
        let line = USERS.iter().position(|(n, _)| *n == user).unwrap() as u32 + 1;
        assert!(lines.contains(&line), "RL505 on {user}: {lines:?}");
    }
    let edits: Vec<_> = redundant
        .iter()
        .flat_map(|f| f.fix.as_ref().expect("RL505 has a fix").edits.clone())
        .collect();
    let fixed = apply_edits(text.as_bytes(), &edits);
    assert_ne!(fixed, text.as_bytes());
    // The fixed file has nothing left to remove.
    let again = lint(&String::from_utf8_lossy(&fixed));
    assert!(
        again.iter().all(|f| f.code != "RL505"),
        "{:?}",
        again
            .iter()
            .filter(|f| f.code == "RL505")
            .map(|f| &f.message)
            .collect::<Vec<_>>()
    );

    // One entry per ACL LIST line and per ACL GETUSER reply. Redis lists the single
    // commands of a user in its dict's (random) order: each entry's words are sorted.
    let acl_list = |bytes: &[u8]| -> Vec<String> {
        let opts = Start {
            files: vec![("users.acl".to_string(), bytes.to_vec(), 0o644)],
            ..Start::default()
        };
        let server = start(b"aclfile users.acl\nsave \"\"\nappendonly no\n", &opts)
            .expect("server starts with the ACL file");
        let mut ask = vec![vec![b"ACL".to_vec(), b"LIST".to_vec()]];
        for (n, _) in USERS {
            ask.push(vec![
                b"ACL".to_vec(),
                b"GETUSER".to_vec(),
                n.as_bytes().to_vec(),
            ]);
        }
        let replies = as_admin(server.port, &ask);
        let sorted = |t: &str| {
            let mut words: Vec<&str> = t.split_whitespace().collect();
            words.sort_unstable();
            words.join(" ")
        };
        let list = String::from_utf8_lossy(&replies[0]).into_owned();
        let mut out: Vec<String> = list
            .split("\r\n")
            .filter(|l| l.starts_with("user "))
            .map(sorted)
            .collect();
        for (r, (n, _)) in replies[1..].iter().zip(USERS) {
            out.push(format!(
                "GETUSER {n}: {}",
                sorted(&String::from_utf8_lossy(r))
            ));
        }
        out
    };
    let before = acl_list(text.as_bytes());
    let after = acl_list(&fixed);
    assert_eq!(before.len(), USERS.len() * 2);
    let diff: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("before: {a}\nafter:  {b}"))
        .collect();
    assert!(
        diff.is_empty(),
        "fixed file:\n{}\n{}",
        String::from_utf8_lossy(&fixed),
        diff.join("\n")
    );
}

/// The same users as redis.conf `user` lines, every other rule quoted and some separators
/// TABs: RL505's fixes keep the configuration loadable and the users identical.
#[test]
fn redundant_rules_removed_from_redis_conf_user_lines() {
    if !require_redis() {
        return;
    }
    let mut conf = String::from("save \"\"\nappendonly no\n");
    for (n, r) in USERS {
        conf.push_str(&format!("user {n} on >pw-{n}-Xq93kd8"));
        let mut depth = 0;
        for (i, w) in r.split(' ').enumerate() {
            // Inside a selector the words must stay plain (one `(...)` argument per word).
            let opens = w.starts_with('(');
            if opens {
                depth += 1;
            }
            let sep = if i % 3 == 2 { "\t" } else { " " };
            if depth == 0 && i % 2 == 1 {
                conf.push_str(&format!("{sep}\"{w}\""));
            } else {
                conf.push_str(&format!("{sep}{w}"));
            }
            if w.ends_with(')') {
                depth -= 1;
            }
        }
        conf.push('\n');
    }
    let findings = lint_as(&conf, "/etc/redis/redis.conf", Kind::Redis);
    let edits: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "RL505")
        .flat_map(|f| f.fix.as_ref().expect("RL505 has a fix").edits.clone())
        .collect();
    assert!(edits.len() >= 15, "{} edits", edits.len());
    let fixed = apply_edits(conf.as_bytes(), &edits);
    let list = |config: &[u8]| -> Vec<String> {
        let server = start(config, &Start::default()).expect("server starts");
        let mut ask = vec![vec![b"ACL".to_vec(), b"LIST".to_vec()]];
        for (n, _) in USERS {
            ask.push(vec![
                b"ACL".to_vec(),
                b"GETUSER".to_vec(),
                n.as_bytes().to_vec(),
            ]);
        }
        as_admin(server.port, &ask)
            .iter()
            .map(|r| {
                let t = String::from_utf8_lossy(r).into_owned();
                let mut words: Vec<&str> = t.split_whitespace().collect();
                words.sort_unstable();
                words.join(" ")
            })
            .collect()
    };
    let before = list(conf.as_bytes());
    let after = list(&fixed);
    assert!(before[0].contains("red4"), "{}", before[0]);
    assert_eq!(
        before,
        after,
        "fixed config:\n{}",
        String::from_utf8_lossy(&fixed)
    );
}
