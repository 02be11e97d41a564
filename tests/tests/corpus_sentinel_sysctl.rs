//! redlint's Sentinel and sysctl checks over the real-world corpus
//! (`shared/corpus/real-world/{sentinel,sysctl}`), compared with the labels the real
//! redis-server 7.0.15 and the labelling machine's /proc/sys gave (`LABELS.tsv`,
//! `LABELS-deep.tsv`). Any disagreement fails the test unless it is in an allow-list below,
//! each entry with its reason.
//!
//! Sentinel: Redis stops at the first refused line, in its processing order (every non-sentinel
//! line first, then the pre-monitor `sentinel` options, then `monitor`, then the rest). So for a
//! file the server refused on a `sentinel` line, redlint's first fatal Sentinel finding in that
//! order must be on that line and quote the server's error; for an accepted file redlint must
//! report no fatal Sentinel finding. Files refused earlier, on a non-sentinel line, say nothing
//! about their `sentinel` lines; their expected outcome is in `UNLABELLED` with the reasoning.
//!
//! sysctl: the keys redlint reports unknown (RL041) must be the keys the label lists as unknown
//! on the labelling machine, except the keys that real kernels have but that machine lacks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use redlint_core::fs::MemoryFs;
use redlint_core::{Finding, Input, Kind, Options};

/// Codes of the Sentinel checks under test.
const SENTINEL_CODES: &[&str] = &["RL012", "RL030", "RL031", "RL032", "RL033"];

/// Sentinel files the server refused on a non-sentinel line (and still does once the
/// environment lines are neutralised), so the labels do not say what Sentinel makes of their
/// `sentinel` lines: (file, line of the first refused `sentinel` line in processing order, or
/// None if every `sentinel` line is accepted, why). Each was checked by hand against the real
/// `redis-server --sentinel` 7.0.15 with the earlier refused lines commented out (none of these
/// files gets far enough to connect anywhere).
const UNLABELLED: &[(&str, Option<u32>, &str)] = &[
    ("007.conf", Some(7), "`port $SENTINEL_PORT` first; then `monitor … $SENTINEL_QUORUM`: atoi gives quorum 0"),
    ("014.conf", None, "`port ${port}` first; the file has no `sentinel` lines"),
    ("017.conf", Some(3), "`port $SENTINEL_PORT` first; then `monitor … $SENTINEL_QUORUM`: quorum 0"),
    (
        "041.conf",
        Some(12),
        "`daemonize {{daemonize}}` first; then the monitor phase refuses host `{{masterIP}}` (no resolve-hostnames) before the post-monitor `down-after-milliseconds master` (line 2, no such master)",
    ),
    (
        "043.conf",
        Some(7),
        "`port __PORT__` first; then `monitor __PRIMARYNAME__ __PRIMARYHOSTNAME__ __PRIMARYPORT__ __QUORUM__`: quorum 0 (resolve-hostnames yes on line 11 would let the host name pass)",
    ),
    ("051.conf", Some(3), "`port $SENTINEL_PORT` first; then `monitor … $SENTINEL_QUORUM`: quorum 0"),
    (
        "060.conf",
        Some(53),
        "`port {{ port }}` first; then `monitor {{ master_name }} …` splits into 13 arguments: Unrecognized sentinel configuration statement",
    ),
];

/// sysctl keys the labelling machine lacks but real kernels have (see rules/linux/README.md).
const KNOWN_BUT_LABELLED_UNKNOWN: &[(&str, &str)] = &[
    ("kernel.sysrq", "CONFIG_MAGIC_SYSRQ: every distribution kernel has it; the labelling sandbox kernel does not"),
    ("kernel.kexec_load_disabled", "CONFIG_KEXEC_CORE, on in distribution kernels"),
    ("kernel.yama.ptrace_scope", "CONFIG_SECURITY_YAMA, on in Ubuntu, Debian and RHEL kernels"),
    ("net.ipv4.conf.eno1.", "per-interface keys: the labelling machine has no interface eno1"),
    ("net.ipv4.conf.wlo1.", "per-interface keys: the labelling machine has no interface wlo1"),
    ("net.ipv4.conf.enp3s0.", "per-interface keys: the labelling machine has no interface enp3s0"),
];

fn corpus() -> Option<PathBuf> {
    let shared = std::env::var_os("REDLINT_SHARED")
        .map(PathBuf::from)
        .or_else(redlint_tests::shared);
    let dir = shared
        .map(|s| s.join("corpus/real-world"))
        .filter(|d| d.join("LABELS.tsv").is_file());
    if dir.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "shared/corpus/real-world is missing (set REDLINT_SHARED to the shared directory)"
            );
        }
        eprintln!("SKIPPED: shared/corpus/real-world not found (set REDLINT_SHARED)");
    }
    dir
}

/// file → (verdict, message) of a labels file.
fn labels(path: PathBuf) -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(path).expect("labels");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((
                cols.first()?.to_string(),
                (cols.get(2)?.to_string(), cols.get(4)?.to_string()),
            ))
        })
        .collect()
}

fn lint(path: &str, bytes: Vec<u8>, kind: Kind) -> Vec<Finding> {
    let host = format!("/corpus/{path}");
    let input = Input {
        path: path.to_string(),
        host_path: Some(host),
        bytes,
        kind,
    };
    redlint_core::check(vec![input], &MemoryFs::new(), &Options::default()).findings
}

/// Redis' processing pass of a `sentinel` line: 0 pre-monitor, 1 monitor, 2 the rest.
fn phase(line: &str) -> u8 {
    const PRE: &[&str] = &[
        "announce-ip",
        "announce-port",
        "deny-scripts-reconfig",
        "sentinel-user",
        "sentinel-pass",
        "current-epoch",
        "myid",
        "resolve-hostnames",
        "announce-hostnames",
    ];
    let option = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .trim_matches(['"', '\''])
        .to_ascii_lowercase();
    if option == "monitor" {
        1
    } else if PRE.contains(&option.as_str()) {
        0
    } else {
        2
    }
}

/// The line and error text of a label message `… >>> 'line' (line N)`.
fn refused_at(message: &str) -> Option<(u32, &str, &str)> {
    let (error, rest) = message.split_once(" >>> '")?;
    let (line_text, n) = rest.rsplit_once("' (line ")?;
    Some((n.trim_end_matches(')').parse().ok()?, line_text, error))
}

#[test]
fn sentinel_corpus_agrees_with_the_server() {
    let Some(dir) = corpus() else { return };
    let labels = labels(dir.join("LABELS.tsv"));
    let deep = labels_deep(&dir);
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("sentinel"))
        .expect("sentinel dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let key = format!("sentinel/{name}");
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lines: Vec<&str> = text.split('\n').collect();
        let findings = lint(&key, bytes.clone(), Kind::Sentinel);
        let mut fatal: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.fatal && SENTINEL_CODES.contains(&f.code))
            .collect();
        fatal.sort_by_key(|f| {
            (
                phase(lines.get(f.line as usize - 1).copied().unwrap_or("")),
                f.line,
                f.column,
            )
        });
        let first = fatal.first().map(|f| f.line);
        let shown = || {
            fatal
                .iter()
                .map(|f| format!("{}:{} {} {}", f.line, f.column, f.code, f.message))
                .collect::<Vec<_>>()
        };

        let (verdict, message) = labels.get(&key).cloned().unwrap_or_default();
        let refused_sentinel_line = refused_at(&message)
            .filter(|(_, l, _)| l.trim_start().to_ascii_lowercase().starts_with("sentinel "));
        let deep_verdict = deep.get(&key).map(|(v, _)| v.as_str());
        let expected: Option<Option<u32>> = if verdict == "ACCEPT" || deep_verdict == Some("ACCEPT")
        {
            Some(None)
        } else if let Some((line, _, _)) = refused_sentinel_line {
            Some(Some(line))
        } else {
            UNLABELLED
                .iter()
                .find(|(f, _, _)| *f == name)
                .map(|(_, l, _)| *l)
        };
        let Some(expected) = expected else {
            failures.push(format!(
                "{key}: refused for `{message}` and not in UNLABELLED; redlint: {:?}",
                shown()
            ));
            continue;
        };
        checked += 1;
        if first != expected {
            failures.push(format!("{key}: expected first fatal Sentinel line {expected:?}, redlint {first:?} — label `{message}`; redlint: {:?}", shown()));
            continue;
        }
        // Redis reports one error per line; redlint may find several on it (quorum and host).
        if let Some((line, _, error)) = refused_sentinel_line {
            if !fatal
                .iter()
                .any(|f| f.line == line && f.message.contains(&format!("`{error}`")))
            {
                failures.push(format!(
                    "{key}: server said `{error}` on line {line}; redlint: {:?}",
                    shown()
                ));
            }
        }
    }
    assert!(checked >= 60, "only {checked} sentinel files checked");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn labels_deep(dir: &std::path::Path) -> BTreeMap<String, (String, String)> {
    let p = dir.join("LABELS-deep.tsv");
    if p.is_file() {
        labels(p)
    } else {
        BTreeMap::new()
    }
}

#[test]
fn sysctl_corpus_keys_agree_with_proc_sys() {
    let Some(dir) = corpus() else { return };
    let labels = labels(dir.join("LABELS.tsv"));
    let mut failures = Vec::new();
    let mut allowed = BTreeSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("sysctl"))
        .expect("sysctl dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 50);
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let key = format!("sysctl/{name}");
        let bytes = std::fs::read(&path).expect("read");
        let findings = lint(&key, bytes.clone(), Kind::Sysctl);
        assert!(
            findings.iter().all(|f| !f.fatal),
            "{key}: sysctl findings are never fatal"
        );
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lines: Vec<&str> = text.split('\n').collect();
        let ours: BTreeSet<String> = findings
            .iter()
            .filter(|f| f.code == "RL041")
            .map(|f| {
                let line = lines.get(f.line as usize - 1).copied().unwrap_or("");
                let k = line.split_once('=').map_or(line, |(k, _)| k).trim();
                k.strip_prefix('-').unwrap_or(k).trim().to_string()
            })
            .collect();
        let not_assignments: BTreeSet<u32> = findings
            .iter()
            .filter(|f| f.code == "RL040")
            .map(|f| f.line)
            .collect();
        let message = labels.get(&key).map(|(_, m)| m.clone()).unwrap_or_default();
        let (keys_part, bad_part) = message
            .split_once(" | lines without '=': ")
            .unwrap_or((&message, ""));
        let theirs: BTreeSet<String> = keys_part
            .strip_prefix("unknown keys: ")
            .map(|k| k.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        let bad: BTreeSet<u32> = bad_part
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        for k in theirs.difference(&ours) {
            match KNOWN_BUT_LABELLED_UNKNOWN
                .iter()
                .find(|(p, _)| k == p || (p.ends_with('.') && k.starts_with(p)))
            {
                Some((p, _)) => {
                    allowed.insert(*p);
                }
                None => failures.push(format!(
                    "{key}: `{k}` is unknown on the labelling machine but redlint knows it"
                )),
            }
        }
        for k in ours.difference(&theirs) {
            failures.push(format!(
                "{key}: redlint reports `{k}` unknown, the labelling machine has it"
            ));
        }
        if bad != not_assignments {
            failures.push(format!(
                "{key}: lines without '=' {bad:?}, redlint RL040 on {not_assignments:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every allow-list entry is still needed.
    for (p, why) in KNOWN_BUT_LABELLED_UNKNOWN {
        assert!(
            allowed.contains(p),
            "allow-list entry `{p}` ({why}) no longer needed"
        );
    }
}

/// The seed's sysctl.conf (lines 7–8 are shell commands) through the whole engine.
#[test]
fn seed_sysctl_conf() {
    let path = redlint_tests::root().join("tests/fixtures/seed/bare-metal/etc/sysctl.conf");
    let bytes = std::fs::read(&path).expect("seed sysctl.conf in tests/fixtures");
    let input = Input {
        path: "etc/sysctl.conf".to_string(),
        host_path: Some("/etc/sysctl.conf".to_string()),
        bytes,
        kind: Kind::Sysctl,
    };
    let findings = redlint_core::check(vec![input], &MemoryFs::new(), &Options::default()).findings;
    // This family's findings only (RL708 explains the same lines as THP advice).
    let got: Vec<(u32, &str, bool)> = findings
        .iter()
        .filter(|f| f.code.starts_with("RL04"))
        .map(|f| (f.line, f.code, f.fatal))
        .collect();
    assert_eq!(
        got,
        [(7, "RL040", false), (8, "RL040", false)],
        "{findings:#?}"
    );
}
