//! redlint over the real-world redis.conf corpus (`shared/corpus/real-world/redis/*.conf`,
//! 124 files written by people, and the 63 `sentinel/*.conf`, whose non-`sentinel` lines go
//! through the same directive table), compared with the verdicts of the real redis-server 7.0.15
//! recorded in `LABELS.tsv` and `LABELS-deep.tsv` (see the corpus README):
//!
//! - a file the server REJECTs for a configuration reason (class `syntax`) must get a fatal
//!   finding, on the line the server names;
//! - a file the server ACCEPTs must get no fatal finding;
//! - `environment` rejections (a directory, ACL file, include, module, certificate or socket
//!   missing on the labelling machine, an address it lacks) are excluded here, with their
//!   reason. `LABELS-deep.tsv` has the verdict after those lines were commented out: we
//!   comment out the same lines and compare again, so every file still counts once.
//!
//! redlint runs with a filesystem that can answer nothing (the files come from other hosts),
//! so no finding may depend on this machine's disk. Every remaining disagreement is in the
//! commented allow-list below, and in `tests/corpus-disagreements.md` for humans.

mod directives_common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use directives_common::{redlint, UnknownFs};
use redlint_core::{Finding, Kind};

/// Files where redlint and the recorded verdict disagree, each with the reason. Keep
/// `tests/corpus-disagreements.md` in step.
const ALLOWED: &[(&str, &str)] = &[
    // The oracle appends `--port <P>` to every start, which overrides the file's `port 0`. Once
    // the labeller commented out the file's only other listener (a unix socket or TLS port
    // that failed on its machine), the file itself listens nowhere, and redlint says so
    // (`Configured to not listen anywhere, exiting.`). The unmodified files agree (their
    // socket/TLS failure is an environment rejection).
    (
        "redis/001.conf",
        "neutralized copy: `port 0` + commented-out `unixsocket`; the oracle's --port masks it",
    ),
    (
        "redis/034.conf",
        "neutralized copy: `port 0` + commented-out `unixsocket`; the oracle's --port masks it",
    ),
    (
        "redis/079.conf",
        "neutralized copy: `port 0` + commented-out `tls-port`; the oracle's --port masks it",
    ),
    (
        "redis/116.conf",
        "neutralized copy: `port 0` + commented-out `tls-port`; the oracle's --port masks it",
    ),
];

struct Label {
    verdict: String,
    class: String,
    message: String,
    neutralized: Vec<usize>,
}

fn read_labels(path: &PathBuf) -> BTreeMap<String, Label> {
    let text = std::fs::read_to_string(path).expect("labels");
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 || !(cols[0].starts_with("redis/") || cols[0].starts_with("sentinel/")) {
            continue;
        }
        let neutralized = cols
            .get(5)
            .map(|n| {
                n.split(" ; ")
                    .filter_map(|part| {
                        part.strip_prefix("line ")
                            .and_then(|r| r.split(':').next())
                            .and_then(|n| n.trim().parse().ok())
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(
            cols[0].to_string(),
            Label {
                verdict: cols[2].to_string(),
                class: cols[3].to_string(),
                message: cols[4].to_string(),
                neutralized,
            },
        );
    }
    out
}

/// The 1-based line a FATAL CONFIG FILE ERROR names (`… (line 14)`).
fn named_line(message: &str) -> Option<u32> {
    let i = message.rfind("(line ")?;
    message[i + 6..].split(')').next()?.trim().parse().ok()
}

/// Comment out the given 1-based lines, keeping every other byte.
fn neutralize(bytes: &[u8], lines: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + lines.len() * 2);
    for (i, l) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if lines.contains(&(i + 1)) {
            out.extend_from_slice(b"# ");
        }
        out.extend_from_slice(l);
    }
    out
}

fn describe(f: &[&Finding]) -> String {
    f.iter()
        .map(|f| format!("{}:{} {} {}", f.line, f.column, f.code, f.message))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// Compare one verdict with redlint's fatal findings; `None` when they agree.
fn compare(label: &Label, findings: &[Finding]) -> Option<String> {
    let fatal: Vec<&Finding> = findings.iter().filter(|f| f.fatal).collect();
    match label.verdict.as_str() {
        "ACCEPT" if fatal.is_empty() => None,
        "ACCEPT" => Some(format!(
            "server accepts, redlint says fatal: {}",
            describe(&fatal)
        )),
        "REJECT" if fatal.is_empty() => Some(format!(
            "server refuses ({}), redlint has no fatal finding",
            label.message
        )),
        "REJECT" => match named_line(&label.message) {
            Some(line) if !fatal.iter().any(|f| f.line == line) => Some(format!(
                "server refuses line {line} ({}), redlint's fatal findings are elsewhere: {}",
                label.message,
                describe(&fatal)
            )),
            _ => None,
        },
        other => Some(format!("unknown verdict {other}")),
    }
}

#[test]
fn fatal_findings_match_the_recorded_verdicts() {
    // `../shared` beside the checkout, or REDLINT_SHARED (e.g. from a git worktree).
    let shared = redlint_tests::shared().or_else(|| {
        std::env::var_os("REDLINT_SHARED")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
    });
    let Some(shared) = shared else {
        eprintln!("SKIPPED: ../shared (the corpus) is not present; set REDLINT_SHARED");
        return;
    };
    let base = shared.join("corpus/real-world");
    let labels = read_labels(&base.join("LABELS.tsv"));
    let deep = read_labels(&base.join("LABELS-deep.tsv"));
    assert!(
        labels.keys().filter(|f| f.starts_with("redis/")).count() >= 124,
        "too few redis labels"
    );
    let mut disagreements: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut excluded = Vec::new();
    let (mut compared, mut rejects) = (0, 0);
    for (file, label) in &labels {
        let bytes = std::fs::read(base.join(file)).expect("corpus file");
        let kind = if file.starts_with("sentinel/") {
            Kind::Sentinel
        } else {
            Kind::Redis
        };
        let findings = redlint(&bytes, kind, &UnknownFs);
        if label.class == "environment" {
            excluded.push(format!("{file}: {}", label.message));
        } else if kind == Kind::Sentinel && label.message.contains(">>> 'sentinel ") {
            // `sentinel …` statements are checked by the Sentinel rules, not these.
            excluded.push(format!("{file}: a `sentinel` statement: {}", label.message));
        } else {
            compared += 1;
            rejects += usize::from(label.verdict == "REJECT");
            if let Some(d) = compare(label, &findings) {
                disagreements
                    .entry(file.clone())
                    .or_default()
                    .push(format!("as is: {d}"));
            }
        }
        // The deep verdict: environment-only lines commented out as the labeller did.
        if let Some(dl) = deep.get(file) {
            if !dl.neutralized.is_empty() {
                let neutral = neutralize(&bytes, &dl.neutralized);
                let findings = redlint(&neutral, kind, &UnknownFs);
                if dl.class != "environment" {
                    compared += 1;
                    rejects += usize::from(dl.verdict == "REJECT");
                    if let Some(d) = compare(dl, &findings) {
                        disagreements
                            .entry(file.clone())
                            .or_default()
                            .push(format!("neutralized: {d}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{compared} verdicts compared ({rejects} rejections); {} environment rejections excluded:\n  {}",
        excluded.len(),
        excluded.join("\n  ")
    );
    let mut unexpected = Vec::new();
    for (file, ds) in &disagreements {
        match ALLOWED.iter().find(|(f, _)| f == file) {
            Some((_, why)) => eprintln!("allowed {file}: {why}\n    {}", ds.join("\n    ")),
            None => unexpected.push(format!("{file}:\n    {}", ds.join("\n    "))),
        }
    }
    let stale: Vec<&str> = ALLOWED
        .iter()
        .filter(|(f, _)| !disagreements.contains_key(*f))
        .map(|(f, _)| *f)
        .collect();
    assert!(
        stale.is_empty(),
        "allow-listed files that now agree (remove them): {stale:?}"
    );
    assert!(
        unexpected.is_empty(),
        "{} files disagree with redis-server:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
