//! Properties of the whole pipeline over generated configurations: checking never panics, no
//! output carries a planted secret, `fix` is idempotent and never adds a finding.

use proptest::prelude::*;
use redlint_core::fs::MemoryFs;
use redlint_core::{Input, Kind, Options};

/// A password no rule may echo: it appears only where a secret is set.
const SECRET: &str = "Pl4nted-S3cret-9f7c2e";

/// One line of a redis.conf: directives that matter to the rules, values that may be odd
/// (control characters, quotes, huge numbers), and the planted secret where secrets go.
fn conf_line() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("0".to_string()),
        Just("yes".to_string()),
        Just("1gb".to_string()),
        Just("0.0.0.0".to_string()),
        Just("\"a b\"".to_string()),
        Just("\x1b[2J".to_string()),
        Just("99999999999999999999".to_string()),
        "[a-z0-9 ]{0,12}",
    ];
    prop_oneof![
        (
            prop::sample::select(vec![
                "port",
                "bind",
                "maxmemory",
                "maxmemory-policy",
                "save",
                "appendonly",
                "protected-mode",
                "timeout",
                "tcp-backlog",
                "io-threads",
                "maxclients",
                "rename-command",
                "replicaof",
                "dir",
                "loglevel",
                "unknown-thing",
            ]),
            value
        )
            .prop_map(|(d, v)| format!("{d} {v}")),
        prop::sample::select(vec!["requirepass", "masterauth"])
            .prop_map(|d| format!("{d} {SECRET}")),
        Just(format!("user app on >{SECRET} ~* +@all")),
        Just("# a comment".to_string()),
        Just(String::new()),
    ]
}

fn conf() -> impl Strategy<Value = String> {
    prop::collection::vec(conf_line(), 0..12).prop_map(|l| l.join("\n") + "\n")
}

fn input(text: &str) -> Input {
    Input {
        path: "redis.conf".into(),
        host_path: Some("/repo/redis.conf".into()),
        bytes: text.as_bytes().to_vec(),
        kind: Kind::Redis,
    }
}

fn fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    fs.insert_dir("/repo");
    fs.cover("/repo");
    fs
}

/// Codes and places of a check's findings, for comparing two runs.
fn codes(text: &str) -> Vec<&'static str> {
    let report = redlint_core::check(vec![input(text)], &fs(), &Options::default());
    let mut c: Vec<&'static str> = report.findings.iter().flat_map(|f| f.codes()).collect();
    c.sort();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_output_carries_a_planted_secret(text in conf()) {
        let report = redlint_core::check(vec![input(&text)], &fs(), &Options::default());
        let json = serde_json::to_string(&(&report.findings, &report.notices)).unwrap();
        prop_assert!(!json.contains(SECRET), "secret in {json}");
        let outcome = redlint_core::fix::fix(vec![input(&text)], &fs(), &Options::default(), true);
        let json = serde_json::to_string(&outcome.report.findings).unwrap();
        prop_assert!(!json.contains(SECRET), "secret after fix in {json}");
    }

    #[test]
    fn fix_is_idempotent_and_adds_no_finding(text in conf()) {
        let outcome = redlint_core::fix::fix(vec![input(&text)], &fs(), &Options::default(), false);
        let Some(fixed) = outcome.files.iter().find(|f| f.path == "redis.conf") else {
            return Ok(());
        };
        let fixed = String::from_utf8(fixed.fixed.clone()).unwrap();
        let again = redlint_core::fix::fix(vec![input(&fixed)], &fs(), &Options::default(), false);
        prop_assert_eq!(again.applied, 0, "a second fix changed {:?}", fixed);
        let (before, after) = (codes(&text), codes(&fixed));
        for code in &after {
            prop_assert!(
                before.iter().filter(|c| *c == code).count() >= after.iter().filter(|c| *c == code).count(),
                "fix added {code}: {text:?} -> {fixed:?}"
            );
        }
    }
}
