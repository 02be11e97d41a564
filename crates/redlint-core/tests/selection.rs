//! Rule selection, severity overrides, per-file ignores and inline suppressions.

use redlint_core::config::Config;
use redlint_core::fs::MemoryFs;
use redlint_core::{check, Input, Kind, Options, Severity};

fn run(text: &str, config: Config) -> Vec<(String, u32, Severity)> {
    let fs = MemoryFs::new();
    let input = Input {
        path: "etc/redis/redis.conf".into(),
        host_path: Some("/etc/redis/redis.conf".into()),
        bytes: text.as_bytes().to_vec(),
        kind: Kind::Redis,
    };
    let options = Options {
        config,
        ..Options::default()
    };
    check(vec![input], &fs, &options)
        .findings
        .into_iter()
        // Only the include rules: the examples are not about exposure (RL3xx would fire).
        .filter(|f| f.code.starts_with("RL0"))
        .map(|f| (f.code.to_string(), f.line, f.severity))
        .collect()
}

const TWO_MISSING: &str = "include /a.conf\ninclude /b.conf\n";

#[test]
fn everything_is_selected_by_default() {
    let f = run(TWO_MISSING, Config::default());
    assert_eq!(f.len(), 2);
    assert!(f
        .iter()
        .all(|(c, _, s)| c == "RL008" && *s == Severity::Error));
}

#[test]
fn inline_disable_silences_the_next_line_only() {
    let f = run(
        "# redlint: disable=RL008\ninclude /a.conf\ninclude /b.conf\n",
        Config::default(),
    );
    assert_eq!(f, [("RL008".to_string(), 3, Severity::Error)]);
    let f = run(
        "# redlint: disable=include-missing\n\ninclude /a.conf\n",
        Config::default(),
    );
    assert!(f.is_empty());
}

#[test]
fn disable_file_silences_the_whole_file() {
    let f = run(
        &format!("{TWO_MISSING}# redlint: disable-file=RL0\n"),
        Config::default(),
    );
    assert!(f.is_empty());
}

#[test]
fn config_select_ignore_severity_and_per_file() {
    let c = Config::from_toml("ignore = [\"RL008\"]").unwrap();
    assert!(run(TWO_MISSING, c).is_empty());
    let c = Config::from_toml("select = [\"RL009\"]").unwrap();
    assert!(run(TWO_MISSING, c).is_empty());
    let c = Config::from_toml("select = [\"correctness\"]").unwrap();
    assert_eq!(run(TWO_MISSING, c).len(), 2);
    let c = Config::from_toml("[severity]\nRL008 = \"warning\"").unwrap();
    assert!(run(TWO_MISSING, c)
        .iter()
        .all(|(_, _, s)| *s == Severity::Warning));
    let c = Config::from_toml("[per-file-ignores]\n\"etc/redis/*.conf\" = [\"RL008\"]").unwrap();
    assert!(run(TWO_MISSING, c).is_empty());
}

#[test]
fn unknown_selectors_are_errors() {
    assert!(Config::from_toml("ignore = [\"RL9999\"]").is_err());
    assert!(Config::from_toml("select = [\"nonsense\"]").is_err());
    assert!(Config::from_toml("[severity]\nRL008 = \"loud\"").is_err());
    assert!(Config::from_toml("colour = true").is_err());
}
