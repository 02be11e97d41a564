//! Facts the container rules rest on, pinned on the real Redis 7.0.15 tools.

use std::process::Command;

use redlint_tests::redis::{require_redis, start, Start};

/// RL407: `redis-cli -a WRONG ping` — the usual Compose healthcheck — exits 0 although it could
/// not authenticate, so a healthcheck with a stale password still passes.
#[test]
fn redis_cli_with_a_wrong_password_exits_zero() {
    if !require_redis() {
        return;
    }
    let running = start(
        b"requirepass right-password-0123456789\n",
        &Start::default(),
    )
    .expect("redis-server starts");
    let port = running.port.to_string();
    let cli = |password: &str| {
        Command::new("redis-cli")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "--no-auth-warning",
                "-a",
                password,
                "ping",
            ])
            .output()
            .expect("redis-cli runs")
    };
    let wrong = cli("wrong");
    let text = String::from_utf8_lossy(&wrong.stdout).to_string()
        + &String::from_utf8_lossy(&wrong.stderr);
    assert!(text.contains("NOAUTH"), "{text}");
    assert_eq!(wrong.status.code(), Some(0), "{text}");
    let right = cli("right-password-0123456789");
    assert!(String::from_utf8_lossy(&right.stdout).contains("PONG"));
    running.stop();
}
