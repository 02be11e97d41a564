//! `redlint fix` as users run it: in place, atomically, keeping modes; `--diff` writes nothing;
//! host flags re-size an existing deployment.

mod common;

use common::{redlint_in as redlint, Scratch};

const REDIS: &str = "# sized for the old 64 GiB machine\nport 6379\nmaxmemory 48gb\nio-threads 12\nmaxclients 10000\ntcp-backlog 511\nappendonly yes\n";
const SYSCTL: &str = "vm.overcommit_memory = 1\nnet.core.somaxconn = 128\n";
const UNIT: &str = "[Service]\nLimitNOFILE=4096\n";

fn deployment(tag: &str) -> Scratch {
    let s = Scratch::new(tag);
    s.write_mode("etc/redis/redis.conf", REDIS, 0o640);
    s.write_mode("etc/sysctl.d/99-redis.conf", SYSCTL, 0o644);
    s.write_mode(
        "etc/systemd/system/redis-server.service.d/override.conf",
        UNIT,
        0o644,
    );
    s
}

const HOST: &[&str] = &[
    "--root",
    ".",
    "--host-memory",
    "8GiB",
    "--host-cpus",
    "4",
    ".",
];

#[test]
fn host_flags_resize_an_existing_deployment() {
    let s = deployment("resize");
    let mut args = vec!["fix", "--diff"];
    args.extend(HOST);
    let out = redlint(&s.0, &args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("resize_diff", String::from_utf8_lossy(&out.stdout));
    // --diff wrote nothing.
    assert_eq!(s.read("etc/redis/redis.conf"), REDIS);

    let mut args = vec!["fix", "--format", "concise"];
    args.extend(HOST);
    let out = redlint(&s.0, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Fixed 4 problems in 3 files"),
        "{stderr}"
    );
    let conf = s.read("etc/redis/redis.conf");
    assert!(
        conf.contains("maxmemory 3686mb\n") && conf.contains("io-threads 3\n"),
        "{conf}"
    );
    assert!(
        conf.starts_with("# sized for the old 64 GiB machine\n"),
        "comments survive"
    );
    assert!(s
        .read("etc/sysctl.d/99-redis.conf")
        .contains("net.core.somaxconn = 511\n"));
    assert!(s
        .read("etc/systemd/system/redis-server.service.d/override.conf")
        .contains("LimitNOFILE=10032\n"));
    // Modes are kept.
    assert_eq!(s.mode("etc/redis/redis.conf"), 0o640);
    assert_eq!(s.mode("etc/sysctl.d/99-redis.conf"), 0o644);

    // Nothing left to re-size; a second run changes nothing.
    let mut args = vec!["fix", "--diff"];
    args.extend(HOST);
    let again = redlint(&s.0, &args);
    assert!(
        again.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn without_host_flags_nothing_is_resized() {
    let s = deployment("nohost");
    let out = redlint(&s.0, &["fix", "--diff", "--root", ".", "."]);
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(!diff.contains("maxmemory"), "{diff}");
    assert!(!diff.contains("io-threads"), "{diff}");
}

#[test]
fn acl_comments_move_to_a_sidecar_not_into_the_void() {
    let s = Scratch::new("aclcomments");
    let acl = "# users for the app\nuser default off\n# the app itself\nuser app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* +get\n";
    s.write_mode("etc/redis/users.acl", acl, 0o640);
    s.write_mode(
        "etc/redis/redis.conf",
        "aclfile /etc/redis/users.acl\n",
        0o640,
    );
    // Safe fixes alone leave them: moving notes out of the file is the user's call.
    let out = redlint(&s.0, &["fix", "--root", ".", "."]);
    assert_eq!(
        s.read("etc/redis/users.acl"),
        acl,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = redlint(
        &s.0,
        &["fix", "--unsafe-fixes", "--diff", "--root", ".", "."],
    );
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("--- /dev/null\n+++ b/etc/redis/users.acl.md"),
        "{diff}"
    );
    let out = redlint(&s.0, &["fix", "--unsafe-fixes", "--root", ".", "."]);
    assert!(
        out.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        s.read("etc/redis/users.acl"),
        "user default off\nuser app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* +get\n"
    );
    let notes = s.read("etc/redis/users.acl.md");
    assert!(notes.contains("- line 1: # users for the app\n"), "{notes}");
    assert!(notes.contains("- line 3: # the app itself\n"), "{notes}");
    assert_eq!(s.mode("etc/redis/users.acl.md"), 0o600);
    assert_eq!(s.mode("etc/redis/users.acl"), 0o640);
    // Nothing left to move; the sidecar is not touched again.
    let again = redlint(
        &s.0,
        &["fix", "--unsafe-fixes", "--diff", "--root", ".", "."],
    );
    assert!(
        again.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}
