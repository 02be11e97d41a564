//! The consistency rules over the real-world corpus (`shared/corpus`): never fatal, never a
//! secret in a message, and nothing at all on Debian's stock redis.conf.

use std::collections::BTreeMap;
use std::path::PathBuf;

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Finding, Input, Kind, Options};

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("REDLINT_SHARED")
        .map(PathBuf::from)
        .or_else(redlint_tests::shared)
        .filter(|d| d.join("corpus/real-world/LABELS.tsv").is_file());
    if dir.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("shared/corpus is missing (set REDLINT_SHARED to the shared directory)");
        }
        eprintln!("SKIPPED: shared/corpus not found (set REDLINT_SHARED)");
    }
    dir
}

fn is_mine(code: &str) -> bool {
    ["RL1", "RL2", "RL7", "RL8"]
        .iter()
        .any(|p| code.starts_with(p))
}

fn lint(host: &str, bytes: Vec<u8>, kind: Kind) -> Vec<Finding> {
    let mut fs = MemoryFs::new();
    fs.insert(host, bytes.clone());
    let input = Input {
        path: host.trim_start_matches('/').to_string(),
        host_path: Some(host.to_string()),
        bytes,
        kind,
    };
    check(vec![input], &fs, &Options::default())
        .findings
        .into_iter()
        .filter(|f| is_mine(f.code))
        .collect()
}

#[test]
fn stock_configs_get_no_consistency_findings() {
    let Some(shared) = shared() else { return };
    for (name, host, kind) in [
        (
            "debian-redis-7.0.15.conf",
            "/etc/redis/redis.conf",
            Kind::Redis,
        ),
        (
            "debian-sentinel-7.0.15.conf",
            "/etc/redis/sentinel.conf",
            Kind::Sentinel,
        ),
        ("debian-sysctl.conf", "/etc/sysctl.conf", Kind::Sysctl),
    ] {
        let bytes = std::fs::read(shared.join("corpus/stock").join(name)).expect("stock file");
        let findings = lint(host, bytes, kind);
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

#[test]
fn real_world_configs() {
    let Some(shared) = shared() else { return };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (dir, kind, host_dir) in [
        ("redis", Kind::Redis, "/etc/redis"),
        ("sentinel", Kind::Sentinel, "/etc/redis"),
        ("sysctl", Kind::Sysctl, "/etc/sysctl.d"),
    ] {
        let base = shared.join("corpus/real-world").join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&base)
            .expect("corpus dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&path).expect("corpus file");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let findings = lint(&format!("{host_dir}/{name}"), bytes, kind);
            for f in &findings {
                *counts.entry(f.code).or_default() += 1;
                assert!(!f.fatal, "{dir}/{name}: {f:#?}");
                if std::env::var_os("REDLINT_SHOW").is_some() {
                    eprintln!(
                        "{dir}/{name}:{} {} {:?} {}",
                        f.line, f.code, f.severity, f.message
                    );
                }
                // Passwords never appear in messages.
                for line in text.lines() {
                    let mut w = line.split_whitespace();
                    if let (Some(k), Some(v)) = (w.next(), w.next()) {
                        if (k.eq_ignore_ascii_case("requirepass")
                            || k.eq_ignore_ascii_case("masterauth"))
                            && v.len() > 3
                        {
                            // Values are quoted in backticks when shown.
                            let shown = format!("{v}`");
                            assert!(
                                !f.message.contains(&shown),
                                "{dir}/{name}: secret in {}",
                                f.message
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!("{counts:?}");
}
