//! The preflight as a user runs it on a host image: `redlint check --root IMAGE --on-host`
//! reports every host failure at once, each of which redis-server would reveal only on its
//! own restart (`tests/tests/preflight_differential.rs` pins each against the real server).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Output};

/// A host image in a temporary directory, removed on drop.
struct Image(PathBuf);

impl Image {
    fn new(tag: &str) -> Image {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("redlint-image-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Image(p)
    }
    fn dir(&self, rel: &str, mode: u32) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    fn file(&self, rel: &str, text: &str, mode: u32) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn redlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redlint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run redlint")
}

const REDIS_CONF: &str = "\
bind 127.0.0.1 redis-0.redlint-test.invalid
port 6379
dir /var/lib/redis
logfile /var/log/redis/redis-server.log
unixsocket /run/redis/redis-server.sock
pidfile /run/redis/redis-server.pid
aclfile /etc/redis/users.acl
cluster-enabled yes
cluster-config-file /var/lib/redis-cluster/nodes.conf
tls-port 6380
tls-cert-file /etc/redis/tls/redis.crt
tls-key-file /etc/redis/tls/redis.key
tls-ca-cert-file /etc/redis/tls/ca.crt
";

const SENTINEL_CONF: &str = "\
port 26379
dir /tmp
sentinel monitor mymaster 127.0.0.1 6379 2
sentinel notification-script mymaster /opt/redis/notify.sh
sentinel client-reconfig-script mymaster /root/reconfig.sh
";

/// A host where everything is wrong at once: each line of `REDIS_CONF` from `dir` on, the
/// `bind` name, both Sentinel scripts, and the Sentinel config (root's, 0640) itself.
fn broken_host() -> Image {
    let img = Image::new("broken");
    img.file(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nredis:x:102:105::/var/lib/redis:/usr/sbin/nologin\n",
        0o644,
    );
    img.file("etc/group", "root:x:0:\nredis:x:105:\n", 0o644);
    img.file("etc/redis/redis.conf", REDIS_CONF, 0o640);
    img.file("etc/redis/sentinel.conf", SENTINEL_CONF, 0o640);
    // Root-only: the redis user cannot read it.
    img.file(
        "etc/redis/users.acl",
        "user default on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdbd62a11ef721d1542d ~* &* +@all\n",
        0o600,
    );
    img.file(
        "etc/redis/tls/redis.key",
        "-----BEGIN PRIVATE KEY-----\n",
        0o600,
    );
    // The log directory exists but belongs to root.
    img.dir("var/log/redis", 0o755);
    // Executable by its owner (root) only.
    img.file("opt/redis/notify.sh", "#!/bin/sh\nexit 0\n", 0o744);
    img
}

#[test]
fn on_a_host_image_every_host_failure_is_reported_in_one_run() {
    let img = broken_host();
    let root = img.0.to_string_lossy().into_owned();
    let out = redlint(&[
        "check",
        "--root",
        &root,
        &root,
        "--on-host",
        "--format",
        "concise",
        "--select",
        "RL017,RL018,RL019,RL025,RL033",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Files the test made belong to whoever runs it: show them as root's.
    let me = std::fs::metadata(&img.0).unwrap();
    let text = String::from_utf8_lossy(&out.stdout)
        .replace(&format!("owner {}:{}", me.uid(), me.gid()), "owner 0:0");
    for (line, code) in [
        ("redis.conf:1:", "RL025"),
        ("redis.conf:3:", "RL017"),
        ("redis.conf:4:", "RL018"),
        ("redis.conf:5:", "RL017"),
        ("redis.conf:6:", "RL017"),
        ("redis.conf:7:", "RL018"),
        ("redis.conf:9:", "RL017"),
        ("redis.conf:11:", "RL019"),
        ("redis.conf:12:", "RL018"),
        ("redis.conf:13:", "RL019"),
        ("sentinel.conf:1:", "RL018"),
        ("sentinel.conf:4:", "RL033"),
        ("sentinel.conf:5:", "RL033"),
    ] {
        assert!(
            text.lines().any(|l| l.contains(line) && l.contains(code)),
            "{line} {code} missing:\n{text}"
        );
    }
    insta::assert_snapshot!("preflight_host_image_concise", text);
}

#[test]
fn the_same_image_off_host_reports_no_host_finding() {
    let img = broken_host();
    let root = img.0.to_string_lossy().into_owned();
    let out = redlint(&[
        "check",
        "--root",
        &root,
        &root,
        "--format",
        "concise",
        "--select",
        "RL017,RL018,RL019,RL025,RL033",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--on-host"));
}

/// `--run-as root`: root passes permission bits, so only what is missing is left.
#[test]
fn run_as_root_leaves_only_what_is_missing() {
    let img = broken_host();
    let root = img.0.to_string_lossy().into_owned();
    let out = redlint(&[
        "check",
        "--root",
        &root,
        &root,
        "--on-host",
        "--run-as",
        "root",
        "--format",
        "concise",
        "--select",
        "RL018,RL033",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("RL018"), "{text}");
    // notify.sh has an execute bit (root may run it); /root/reconfig.sh does not exist.
    assert!(
        text.contains("sentinel.conf:5:") && !text.contains("sentinel.conf:4:"),
        "{text}"
    );
}

/// `redlint rule` marks the host checks.
#[test]
fn rule_listing_marks_host_checks() {
    let out = redlint(&["rule"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for code in ["RL017", "RL018", "RL019", "RL025", "RL033"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(code) && l.ends_with("host check")),
            "{code}:\n{text}"
        );
    }
    assert!(text
        .lines()
        .any(|l| l.starts_with("RL007") && !l.contains("host check")));
}

/// A `--run-as` typo, or `--run-as` off the target host, is a usage error (exit 2), not a
/// silent skip of the permission checks.
#[test]
fn run_as_names_a_user_of_the_target_host() {
    let img = broken_host();
    let root = img.0.to_string_lossy().into_owned();
    let out = redlint(&[
        "check",
        "--root",
        &root,
        &root,
        "--on-host",
        "--run-as",
        "rediss",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such user"));
    let out = redlint(&["check", "--root", &root, &root, "--run-as", "redis"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--on-host"));
    let out = redlint(&[
        "check",
        "--root",
        &root,
        &root,
        "--on-host",
        "--run-as",
        "redis",
        "--select",
        "RL018",
    ]);
    assert_eq!(out.status.code(), Some(1));
}
