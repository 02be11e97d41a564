//! The consistency rules against the real redis-server 7.0.15: what redlint says wins (or is
//! ignored) is what the server does.

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Finding, Input, Kind, Options};
use redlint_tests::redis::{require_redis, start, Start};

const DIR: &str = "/srv/redis";

/// Check a main config plus extra files, all in one directory (as the server sees them in its
/// working directory).
fn lint(main: &str, files: &[(&str, &str)]) -> Vec<Finding> {
    let mut fs = MemoryFs::new();
    fs.insert(format!("{DIR}/redis.conf"), main);
    for (name, text) in files {
        fs.insert(format!("{DIR}/{name}"), *text);
    }
    let input = Input {
        path: "redis.conf".into(),
        host_path: Some(format!("{DIR}/redis.conf")),
        bytes: main.as_bytes().to_vec(),
        kind: Kind::Redis,
    };
    check(vec![input], &fs, &Options::default()).findings
}

/// The value of a one-key `CONFIG GET` reply.
fn config_get(reply: &str) -> String {
    reply
        .split("\r\n")
        .filter(|s| !s.is_empty())
        .last()
        .map(|s| {
            if s.starts_with('$') {
                String::new()
            } else {
                s.to_string()
            }
        })
        .unwrap_or_default()
}

fn run_server(main: &str, files: &[(&str, &str)]) -> redlint_tests::redis::Running {
    let opts = Start {
        files: files
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec(), 0o644))
            .collect(),
        ..Start::default()
    };
    start(main.as_bytes(), &opts).unwrap_or_else(|e| panic!("server refused {main:?}: {e}"))
}

#[test]
fn save_after_include_matches_the_server() {
    if !require_redis() {
        return;
    }
    let a = ("a.conf", "port 6379\n");
    let b = ("b.conf", "save 200 2\nsave 300 3\n");
    // (main, files, the accumulated list the lines read as)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        // (main, files, the accumulated list the lines read as)
        (
            "save 100 1\ninclude a.conf\nsave 200 2\nsave 300 3\n",
            &[a],
            "100 1 200 2 300 3",
        ),
        (
            "save 100 1\ninclude nothing-*.conf\nsave 200 2\n",
            &[],
            "100 1 200 2",
        ),
        ("save 100 1\ninclude b.conf\n", &[b], "100 1 200 2 300 3"),
        (
            "include a.conf\nsave 100 1\nsave 200 2\n",
            &[a],
            "100 1 200 2",
        ),
        (
            "include a.conf\nsave 100 1\ninclude b.conf\n",
            &[a, b],
            "100 1 200 2 300 3",
        ),
        ("include a.conf\nsave 900 1 300 10\n", &[a], "900 1 300 10"),
        (
            "save 900 1\nsave 300 10\ninclude a.conf\n",
            &[a],
            "900 1 300 10",
        ),
        (
            "save 100 1\ninclude b.conf\nsave 400 4\n",
            &[b],
            "100 1 200 2 300 3 400 4",
        ),
    ];
    for (main, files, meant) in cases {
        let server = run_server(main, files);
        let actual = config_get(&server.command(&["CONFIG", "GET", "save"]).expect("reply"));
        server.stop();
        let findings = lint(main, files);
        let rl105: Vec<&Finding> = findings.iter().filter(|f| f.code == "RL105").collect();
        if actual == *meant {
            assert!(
                rl105.is_empty(),
                "{main:?}: server has {actual}, as written; got {rl105:#?}"
            );
        } else {
            assert_eq!(
                rl105.len(),
                1,
                "{main:?}: server has {actual}, lines say {meant}"
            );
            assert!(
                rl105[0]
                    .message
                    .contains(&format!("snapshots on `{actual}` instead of `{meant}`")),
                "{main:?}: server has {actual}: {}",
                rl105[0].message
            );
        }
    }
}

#[test]
fn the_line_redlint_calls_dead_is_dead() {
    if !require_redis() {
        return;
    }
    let main = "maxmemory 2mb\nhash-max-ziplist-entries 100\ntimeout 7\nhash-max-listpack-entries 200\ninclude local.conf\n";
    let local = ("local.conf", "maxmemory 4mb\n");
    let server = run_server(main, &[local]);
    let maxmemory = config_get(
        &server
            .command(&["CONFIG", "GET", "maxmemory"])
            .expect("reply"),
    );
    let entries = config_get(
        &server
            .command(&["CONFIG", "GET", "hash-max-listpack-entries"])
            .expect("reply"),
    );
    server.stop();
    assert_eq!(maxmemory, "4194304");
    assert_eq!(entries, "200");
    let findings = lint(main, &[local]);
    let at = |code: &str| -> Vec<u32> {
        findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.line)
            .collect()
    };
    assert_eq!(at("RL101"), [2], "{findings:#?}");
    assert_eq!(at("RL102"), [1], "{findings:#?}");
}

#[test]
fn requirepass_with_aclfile_matches_the_server() {
    if !require_redis() {
        return;
    }
    let main = "requirepass Some-Long-Password-77\naclfile users.acl\n";
    // No default user in the ACL file: the server admits clients without a password.
    let open = ("users.acl", "user app on >App-Password-88 ~app:* +@all\n");
    let server = run_server(main, &[open]);
    let reply = server.command(&["PING"]).expect("reply");
    server.stop();
    assert!(reply.starts_with("+PONG"), "{reply}");
    let f = lint(main, &[open]);
    let d = f.iter().find(|f| f.code == "RL202").expect("RL202");
    assert_eq!(d.severity, redlint_core::Severity::Error);

    // A default user with a password: requirepass's password is not it.
    let closed = (
        "users.acl",
        "user default on >Other-Password-99 ~* &* +@all\n",
    );
    let server = run_server(main, &[closed]);
    let ping = server.command(&["PING"]).expect("reply");
    let auth = server
        .command(&["AUTH", "Some-Long-Password-77"])
        .expect("reply");
    server.stop();
    assert!(ping.starts_with("-NOAUTH"), "{ping}");
    assert!(auth.starts_with("-WRONGPASS"), "{auth}");
    let f = lint(main, &[closed]);
    let d = f.iter().find(|f| f.code == "RL202").expect("RL202");
    assert_eq!(d.severity, redlint_core::Severity::Warning);
    assert!(d.message.contains("different password"));
}

#[test]
fn ignored_and_aliased_names_match_the_server() {
    if !require_redis() {
        return;
    }
    let main = "list-max-ziplist-entries 5\nlua-time-limit 1234\n";
    let server = run_server(main, &[]);
    let size = config_get(
        &server
            .command(&["CONFIG", "GET", "list-max-listpack-size"])
            .expect("reply"),
    );
    let busy = config_get(
        &server
            .command(&["CONFIG", "GET", "busy-reply-threshold"])
            .expect("reply"),
    );
    server.stop();
    assert_eq!(size, "-2", "list-max-ziplist-entries is ignored");
    assert_eq!(busy, "1234", "lua-time-limit is busy-reply-threshold");
    let f = lint(main, &[]);
    let rl801: Vec<_> = f.iter().filter(|f| f.code == "RL801").collect();
    assert_eq!(rl801.len(), 2);
    assert!(rl801[0].message.contains("does nothing"));
    assert!(rl801[1].message.contains("busy-reply-threshold"));
}

/// The `save` points a config lists, includes expanded in place (what the lines read as).
fn written_points(text: &str, files: &[(&str, &str)], out: &mut Vec<String>) {
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("save") => out.extend(words.map(str::to_string)),
            Some("include") => {
                let name = words.next().unwrap_or_default();
                if let Some((_, t)) = files.iter().find(|(n, _)| *n == name) {
                    written_points(t, files, out);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn save_and_include_combinations_match_the_server() {
    if !require_redis() {
        return;
    }
    let files: &[(&str, &str)] = &[
        ("a.conf", "port 6379\n"),
        ("b.conf", "save 200 2\nsave 300 3\n"),
        ("c.conf", "include b.conf\nsave 500 5\n"),
    ];
    let pieces = [
        "save 100 1\n",
        "save 400 4\n",
        "save 600 6 700 7\n",
        "include a.conf\n",
        "include b.conf\n",
        "include c.conf\n",
        "include none-*.conf\n",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let (mut bug, mut fine) = (0, 0);
    for _ in 0..30 {
        let n = 1 + next() % 5;
        let main: String = (0..n).map(|_| pieces[next() % pieces.len()]).collect();
        let server = run_server(&main, files);
        let actual = config_get(&server.command(&["CONFIG", "GET", "save"]).expect("reply"));
        server.stop();
        let mut points = Vec::new();
        written_points(&main, files, &mut points);
        let meant = if points.is_empty() {
            "3600 1 300 100 60 10000".to_string()
        } else {
            points.join(" ")
        };
        // Same set of points = same behaviour (order and repeats do not matter to Redis).
        let set = |s: &str| {
            let w: Vec<&str> = s.split_whitespace().collect();
            let mut pairs: Vec<(String, String)> = w
                .chunks(2)
                .map(|p| (p[0].to_string(), p.get(1).unwrap_or(&"").to_string()))
                .collect();
            pairs.sort();
            pairs.dedup();
            pairs
        };
        let findings = lint(&main, files);
        let reported = findings.iter().any(|f| f.code == "RL105");
        if reported {
            bug += 1;
        } else {
            fine += 1;
        }
        assert_eq!(
            reported,
            set(&actual) != set(&meant),
            "{main:?}: server has `{actual}`, lines say `{meant}`; {findings:#?}"
        );
    }
    assert!(
        bug > 3 && fine > 3,
        "{bug} buggy, {fine} fine: widen the generator"
    );
}
