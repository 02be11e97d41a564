//! What redis-server 7.0.15 does with the inputs of issue 8 §2, pinned against the real server,
//! next to what redlint reports for them:
//!
//! - `include /dev/null`: Redis reads an empty file and starts; redlint reports nothing fatal.
//! - CR-only line endings (classic Mac OS): Redis splits on `\n` only, so the file is one line.
//!   With a directive first it refuses to start (`wrong number of arguments`); with a comment
//!   first it starts with every setting ignored. redlint reports RL026 on the first `\r` in
//!   both cases, fatal exactly when the server refuses.
//! - An include cycle: the server does not start (7.0.15 crashes); redlint reports RL009
//!   once, even when every file of the cycle is given.

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Finding, Input, Kind, Options};
use redlint_tests::redis::{require_redis, start, verdict, Start};

/// redlint's findings for `files` laid out in /srv/r (the first is the main config), each given.
fn lint(files: &[(&str, &[u8])]) -> Vec<Finding> {
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    for (name, bytes) in files {
        let host = format!("/srv/r/{name}");
        fs.insert(host.clone(), bytes.to_vec());
        inputs.push(Input {
            path: name.to_string(),
            host_path: Some(host),
            bytes: bytes.to_vec(),
            kind: Kind::Redis,
        });
    }
    check(inputs, &fs, &Options::default()).findings
}

fn fatal(f: &[Finding]) -> Vec<String> {
    f.iter()
        .filter(|x| x.fatal)
        .map(|x| format!("{}:{} {} {}", x.file, x.line, x.code, x.message))
        .collect()
}

#[test]
fn include_dev_null_starts() {
    if !require_redis() {
        return;
    }
    let conf: &[u8] = b"include /dev/null\nsave \"\"\nappendonly no\n";
    let v = verdict(conf, &Start::default());
    assert!(
        v.accepted(),
        "redis-server refuses `include /dev/null`: {v:?}"
    );
    let f = lint(&[("redis.conf", conf)]);
    assert!(fatal(&f).is_empty(), "{:?}", fatal(&f));
    assert!(f.iter().all(|x| x.code != "RL008"), "{f:#?}");
}

#[test]
fn cr_only_line_endings_make_one_line() {
    if !require_redis() {
        return;
    }
    // A directive first: one `maxmemory` line with four more arguments, refused.
    let conf: &[u8] = b"maxmemory 1mb\rsave \"\"\rappendonly no\r";
    let v = verdict(conf, &Start::default());
    assert!(!v.accepted(), "redis-server accepts a CR-only file: {v:?}");
    let f = lint(&[("redis.conf", conf)]);
    let cr: Vec<&Finding> = f.iter().filter(|x| x.code == "RL026").collect();
    assert_eq!(cr.len(), 1, "{f:#?}");
    assert_eq!((cr[0].line, cr[0].column), (1, 14));
    assert!(!fatal(&f).is_empty(), "the glued line is refused: {f:#?}");

    // A comment first: the server starts, and every setting of the file is ignored.
    let conf: &[u8] = b"# main config\rmaxmemory 1mb\rsave \"\"\r";
    let running = start(conf, &Start::default()).expect("a comment-first CR-only file starts");
    let reply = running
        .command(&["CONFIG", "GET", "maxmemory"])
        .expect("CONFIG GET");
    running.stop();
    assert!(
        reply.ends_with("\r\n0\r\n"),
        "maxmemory is the default: {reply:?}"
    );
    let f = lint(&[("redis.conf", conf)]);
    assert!(fatal(&f).is_empty(), "{:?}", fatal(&f));
    let cr: Vec<&Finding> = f.iter().filter(|x| x.code == "RL026").collect();
    assert_eq!(cr.len(), 1, "{f:#?}");
    assert!(
        cr[0].message.contains("Redis ignores all of them"),
        "{}",
        cr[0].message
    );
}

#[test]
fn include_cycle_is_fatal_and_reported_once() {
    if !require_redis() {
        return;
    }
    let main: &[u8] = b"include b.conf\nsave \"\"\nmaxmemory 1mb\nmaxmemory 2mb\n";
    let b: &[u8] = b"include redis.conf\ntimeout 10\n";
    let opts = Start {
        files: vec![("b.conf".to_string(), b.to_vec(), 0o644)],
        ..Start::default()
    };
    let v = verdict(main, &opts);
    assert!(
        !v.accepted(),
        "redis-server starts with an include cycle: {v:?}"
    );
    let f = lint(&[("redis.conf", main), ("b.conf", b)]);
    let cycles: Vec<&Finding> = f.iter().filter(|x| x.code == "RL009").collect();
    assert_eq!(cycles.len(), 1, "{f:#?}");
    assert!(cycles[0].fatal);
    assert_eq!((cycles[0].file.as_str(), cycles[0].line), ("b.conf", 1));
    // The rest is still analysed: the dead `maxmemory` line.
    assert!(f.iter().any(|x| x.code == "RL101" && x.line == 3), "{f:#?}");
}
