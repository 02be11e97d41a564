//! A hand-written hardened deployment (tests/fixtures/hardened) gets no warning and no error,
//! and the real redis-server 7.0.15 starts from it.

use std::path::PathBuf;

use redlint_core::{Options, Severity};
use redlint_tests::host::check_root;
use redlint_tests::redis::{require_redis, verdict, Start, Verdict};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hardened")
}

#[test]
fn hardened_deployment_gets_no_warning_and_no_error() {
    let mut options = Options::default();
    options.host.memory = Some(8 << 30);
    options.host.cpus = Some(4);
    let findings = check_root(&fixture(), &options);
    let serious: Vec<String> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| format!("{}:{} {} {}", f.file, f.line, f.code, f.message))
        .collect();
    assert!(serious.is_empty(), "\n{}", serious.join("\n"));
    // What is left is advice (TLS on a private network), never fatal.
    assert!(findings.iter().all(|f| !f.fatal));
    // Without host facts it is just as clean.
    let findings = check_root(&fixture(), &Options::default());
    assert!(
        findings.iter().all(|f| f.severity < Severity::Warning),
        "{findings:#?}"
    );
}

/// The same files on the real server: paths moved into the test's own directory, and the
/// listening address to loopback (the harness binds 127.0.0.1).
#[test]
fn hardened_deployment_starts_on_the_real_server() {
    if !require_redis() {
        return;
    }
    let dir = fixture().join("etc/redis");
    let conf = std::fs::read_to_string(dir.join("redis.conf")).expect("redis.conf");
    let conf: String = conf
        .lines()
        .filter(|l| !l.starts_with("bind ") && !l.starts_with("pidfile "))
        .map(|l| match l.split_whitespace().next() {
            Some("aclfile") => "aclfile users.acl".to_string(),
            Some("dir") => "dir .".to_string(),
            Some("include") => "include conf.d/slowlog.conf".to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let files = vec![
        (
            "users.acl".to_string(),
            std::fs::read(dir.join("users.acl")).expect("users.acl"),
            0o600,
        ),
        (
            "conf.d/slowlog.conf".to_string(),
            std::fs::read(dir.join("conf.d/slowlog.conf")).expect("slowlog.conf"),
            0o644,
        ),
    ];
    let start = Start {
        files,
        ..Start::default()
    };
    if let Verdict::Reject(why) = verdict(conf.as_bytes(), &start) {
        panic!("the hardened redis.conf does not start: {why}");
    }
}
