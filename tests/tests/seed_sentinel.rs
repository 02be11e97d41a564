//! The seed deployment's Sentinel and replication mistakes (tests/fixtures/seed/README.md) are
//! reported at their lines by RL601–RL603 and RL207–RL209, and no secret is shown.

use redlint_core::{Finding, Options};
use redlint_tests::host::{check_root, seed};

/// Check a seed folder as `redlint check --root <folder> <folder>` would.
fn check_seed(name: &str, options: &Options) -> Vec<Finding> {
    check_root(&seed(name), options)
}

fn at(findings: &[Finding], code: &str) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| (f.file.clone(), f.line))
        .collect();
    v.sort();
    v
}

fn sentinels(line: u32) -> Vec<(String, u32)> {
    (1..=3)
        .map(|n| (format!("opt/redis/sentinel/conf/sentinel-{n}.conf"), line))
        .collect()
}

#[test]
fn bare_metal_sentinel_rows() {
    let f = check_seed("bare-metal", &Options::default());
    // Three Sentinels on one host, all on port 26379.
    assert_eq!(at(&f, "RL209"), sentinels(2));
    // auth-user monitor with the default user's password: no login.
    assert_eq!(at(&f, "RL602"), sentinels(8));
    // ... and monitor lacks the commands and channel Sentinel needs.
    assert_eq!(at(&f, "RL601"), sentinels(19));
    // The reconfig script on one Sentinel of three.
    assert_eq!(
        at(&f, "RL207"),
        [("opt/redis/sentinel/conf/sentinel-1.conf".to_string(), 22)]
    );
    // The monitored master has no masterauth for after a failover.
    assert_eq!(at(&f, "RL603"), [("etc/redis/redis.conf".to_string(), 7)]);
    // Quorum 2 of 3 is fine.
    assert!(at(&f, "RL208").is_empty());
    for x in f
        .iter()
        .filter(|x| x.code.starts_with("RL6") || x.code.starts_with("RL20"))
    {
        assert!(!x.fatal, "{x:?}");
        for secret in ["AI_Platform", "Monitor_Redis", "Admin_Redis"] {
            assert!(!x.message.contains(secret), "{}", x.message);
        }
    }
    let rl601 = f.iter().find(|x| x.code == "RL601").expect("RL601");
    for r in [
        "+subscribe",
        "+publish",
        "+slaveof",
        "+script|kill",
        "&__sentinel__:hello",
    ] {
        assert!(rl601.message.contains(r), "{}", rl601.message);
    }
}

#[test]
fn other_seed_folders_have_no_sentinel_group_findings() {
    for name in ["compose-sentinel", "docker-dev", "docker-opt", "kubernetes"] {
        let f = check_seed(name, &Options::default());
        let mine: Vec<_> = f
            .iter()
            .filter(|x| ["RL601", "RL602", "RL603", "RL207", "RL208", "RL209"].contains(&x.code))
            .collect();
        assert!(mine.is_empty(), "{name}: {mine:#?}");
    }
}
