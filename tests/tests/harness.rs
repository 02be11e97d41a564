//! The harness itself agrees with FACTS.md on two trivial cases.

use redlint_tests::redis::{require_redis, verdict, Start};

#[test]
fn server_accepts_a_plain_config_and_refuses_an_inline_comment() {
    if !require_redis() {
        return;
    }
    assert!(verdict(b"maxmemory 10mb\n", &Start::default()).accepted());
    let v = verdict(b"activerehashing yes # x\n", &Start::default());
    assert!(!v.accepted(), "{v:?}");
}
