//! Shared test harness: run the real redis-server 7.0.15 on a config and read its verdict.
//!
//! Servers listen on 127.0.0.1 only, on ports this harness picks, in a temporary directory of
//! their own, and are stopped by PID. Tests needing the server call [`require_redis`] first:
//! under CI (`CI` set) a missing server is a failure, elsewhere the test is skipped loudly.

pub mod host;
pub mod redis;

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared fixtures (`../shared` beside the checkout), if present.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    p.is_dir().then_some(p)
}
