//! Findings: what a rule reports, as plain serializable data.

use serde::Serialize;

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// One byte-range replacement in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub file: String,
    pub start: u32,
    pub end: u32,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub description: String,
    pub edits: Vec<Edit>,
    /// Files the fix writes whole (created, or extended when they exist): e.g. the sidecar that
    /// keeps comments moved out of an ACL file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<FileWrite>,
}

/// A whole file a fix writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileWrite {
    /// Path as reported.
    pub file: String,
    /// Path on the target host.
    pub host_path: String,
    pub content: String,
}

/// A secondary location: the line that wins, the line first set, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Byte span, for renderers that show a snippet; not part of the JSON contract.
    #[serde(skip)]
    pub span: Span,
}

/// A finding, fully located (line/column already resolved), ready to serialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// True exactly when Redis 7.0.15 refuses to start (or aborts at startup) because of this.
    pub fatal: bool,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// The other rules that report the same problem, folded into this finding (see
    /// [`group`]): each keeps its code, severity, message and place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facets: Vec<Facet>,
    /// Findings with the same key are one problem; `None` stands alone. Not part of the
    /// JSON contract.
    #[serde(skip)]
    pub group: Option<String>,
    /// Byte span in `file`; renderers use it for snippets.
    #[serde(skip)]
    pub span: Span,
}

/// One rule's view of a problem another finding reports: `RL302` inside the exposure that
/// `RL301` reports. Selecting or ignoring a rule keeps or drops its facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facet {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub fatal: bool,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Finding {
    /// The stable order of the output contract: file, line, column, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (&self.file, self.line, self.column, self.code)
    }

    /// Every rule this finding reports: its own code, then its facets'.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.code).chain(self.facets.iter().map(|f| f.code))
    }

    /// Does this finding report `code` at `file:line` (itself or through a facet)?
    pub fn reports(&self, code: &str, file: &str, line: u32) -> bool {
        (self.code == code && self.file == file && self.line == line)
            || self
                .facets
                .iter()
                .any(|f| f.code == code && f.file == file && f.line == line)
    }
}

/// One problem, one finding: findings that share a group key (the exposure of one server,
/// one password token, one limits.d file) are folded into the most severe of them, the
/// others becoming its facets and related locations. Runs after rule selection and
/// suppressions, so a deselected rule is never chosen and never named, and an enabled one
/// always shows, as the finding or as a facet.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut members: std::collections::HashMap<String, Vec<Finding>> =
        std::collections::HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for f in findings {
        match f.group.clone() {
            Some(key) => {
                let list = members.entry(key.clone()).or_default();
                if list.is_empty() {
                    order.push(key);
                }
                list.push(f);
            }
            None => out.push(f),
        }
    }
    for key in order {
        let list = members.remove(&key).unwrap_or_default();
        out.push(fold(list));
    }
    sort(&mut out);
    out
}

/// The stable output order: file, line, column, code, then message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// The primary is the most serious member (fatal, then severity, then the lowest code and
/// the first place); every other member becomes a facet, named in the message and shown at
/// its place.
fn fold(mut list: Vec<Finding>) -> Finding {
    list.sort_by(|a, b| {
        (b.fatal, b.severity)
            .cmp(&(a.fatal, a.severity))
            .then_with(|| a.code.cmp(b.code))
            .then_with(|| (a.line, a.column).cmp(&(b.line, b.column)))
    });
    let mut rest = list.into_iter();
    let Some(mut primary) = rest.next() else {
        unreachable!("a group has at least one member")
    };
    let others: Vec<Finding> = rest.collect();
    if others.is_empty() {
        return primary;
    }
    let mut named: Vec<String> = Vec::new();
    for o in others {
        let label = if o.code == primary.code {
            format!("also {}:{}", o.file, o.line)
        } else {
            format!("{} {}", o.code, o.name)
        };
        if !named.contains(&label) {
            named.push(label);
        }
        primary.fatal |= o.fatal;
        primary.severity = primary.severity.max(o.severity);
        // A facet at the primary's own place is named in the message; elsewhere it is shown
        // at its line.
        if (o.file.as_str(), o.line, o.column)
            != (primary.file.as_str(), primary.line, primary.column)
        {
            primary.related.push(Related {
                file: o.file.clone(),
                line: o.line,
                column: o.column,
                message: format!("{}: {}", o.code, o.message),
                span: o.span,
            });
        }
        for r in o.related {
            if !primary.related.contains(&r) {
                primary.related.push(r);
            }
        }
        primary.fix = merge_fix(primary.fix.take(), o.fix);
        primary.facets.push(Facet {
            code: o.code,
            name: o.name,
            severity: o.severity,
            fatal: o.fatal,
            message: o.message,
            file: o.file,
            line: o.line,
            column: o.column,
        });
    }
    let codes: Vec<&String> = named.iter().filter(|n| !n.starts_with("also ")).collect();
    let places = named.len() - codes.len();
    let mut parts: Vec<String> = codes.into_iter().cloned().collect();
    if places > 0 {
        parts.push(format!(
            "{places} more place{}",
            if places == 1 { "" } else { "s" }
        ));
    }
    primary.message = format!(
        "{} (one problem, also: {})",
        primary.message,
        parts.join(", ")
    );
    primary
}

/// The fixes of a group's members, as one: edits of all (those that do not overlap an edit
/// already taken), the weakest applicability.
fn merge_fix(a: Option<Fix>, b: Option<Fix>) -> Option<Fix> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(mut a), Some(b)) => {
            for e in b.edits {
                let overlaps = a
                    .edits
                    .iter()
                    .any(|x| x.file == e.file && x.start < e.end && e.start < x.end);
                if !overlaps && !a.edits.contains(&e) {
                    a.edits.push(e);
                }
            }
            if b.applicability == Applicability::Unsafe {
                a.applicability = Applicability::Unsafe;
            }
            if !a.description.contains(&b.description) {
                a.description = format!("{}; {}", a.description, b.description);
            }
            for w in b.writes {
                if !a.writes.contains(&w) {
                    a.writes.push(w);
                }
            }
            Some(a)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Host checks not run because redlint does not run on the target host (`--on-host`).
    pub host_checks_not_run: usize,
}

impl Summary {
    pub fn of(files: usize, findings: &[Finding]) -> Summary {
        let mut s = Summary {
            files,
            ..Summary::default()
        };
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

/// Something the run could not do, said once (not a finding): host checks not run off-host,
/// a referenced config that is neither in the checked tree nor mapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Stable kebab-case kind: `host-checks-not-run`, `reference-not-checked`,
    /// `strength-pending`, ...
    pub kind: &'static str,
    pub message: String,
    /// Where the run was told to do it (a referencing line), when there is one place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Notice {
    pub fn host_checks_not_run(n: usize) -> Notice {
        Notice {
            kind: "host-checks-not-run",
            message: format!(
                "{n} host check{} not run: redlint does not run on the target host",
                if n == 1 { " was" } else { "s were" }
            ),
            file: None,
            line: None,
            help: Some(
                "run `redlint check --on-host` on the host where Redis runs to check directories, log files, sockets, TLS files, scripts and permissions"
                    .to_string(),
            ),
        }
    }
}

impl Notice {
    /// RL401 weak-password could not price `n` passwords: the build has no strength judge
    /// of its own and the one given cannot answer yet (the browser page before its
    /// password-strength module has loaded).
    pub fn strength_pending(n: usize) -> Notice {
        Notice {
            kind: "strength-pending",
            message: format!(
                "{n} password{} not checked for strength yet (RL401 weak-password): the password-strength estimator is not loaded",
                if n == 1 { " was" } else { "s were" }
            ),
            file: None,
            line: None,
            help: Some(
                "check again once it is loaded (the browser page does this by itself); `redlint check` always has it"
                    .to_string(),
            ),
        }
    }

    /// A cap of [`crate::limits`] was hit: part of the input was not checked.
    pub fn limit_exceeded(message: String) -> Notice {
        Notice {
            kind: crate::limits::NOTICE_KIND,
            message,
            file: None,
            line: None,
            help: Some(
                "the limits are listed in docs/CLI.md (\"Limits\"); split or trim the input"
                    .to_string(),
            ),
        }
    }

    /// A referenced config (`include`, `aclfile`) that was not read: it is neither in the
    /// checked tree, nor under `--root`, nor mapped, and this machine is not the target host;
    /// or, for a config in a container (`service`), no bind mount of the service provides it.
    pub fn reference_not_checked(
        path: &str,
        service: Option<&str>,
        file: String,
        line: u32,
    ) -> Notice {
        if let Some(service) = service {
            return Notice {
                kind: "reference-not-checked",
                message: format!(
                    "`{path}` in the `{service}` container was not checked: no bind mount of the Compose service provides it, so it is the image's own file or missing"
                ),
                file: Some(file),
                line: Some(line),
                help: Some(format!(
                    "mount it from this repository (`volumes:` `./<file>:{path}`) to have it checked"
                )),
            };
        }
        let dir = crate::fs::parent(path);
        Notice {
            kind: "reference-not-checked",
            message: format!(
                "`{path}` was not checked: it is neither in the checked tree nor mapped, and this machine's file is not the target host's"
            ),
            file: Some(file),
            line: Some(line),
            help: Some(format!(
                "if this repository holds `{dir}`, map it in redlint.toml (`[paths]` `\"{dir}\" = \"<dir in this repo>\"`) or with `--map {dir}=<dir>`; or give `--root DIR` when DIR is laid out as the host's /"
            )),
        }
    }
}

/// A finding's identity that survives runs and line shifts, for SARIF's `partialFingerprints`
/// and the baseline (`--write-baseline` / `--baseline`): the SHA-256 (hex) of the rule code,
/// the reported file, the flagged line's content (secrets masked, whitespace collapsed) and
/// the occurrence index among findings with the same three. The line *number* is left out on
/// purpose, so inserting lines above a finding keeps its fingerprint; editing the flagged line
/// makes it a new finding. Secrets are masked before hashing so the fingerprint of a
/// `requirepass` line cannot be used to guess the password.
///
/// One fingerprint per finding, in the order given (the output order: see [`sort`]).
pub fn fingerprints(findings: &[Finding], ws: &crate::model::Workspace) -> Vec<String> {
    let redactor = crate::redact::Redactor::new(ws);
    let mut seen: std::collections::HashMap<(&str, &str, String), u32> =
        std::collections::HashMap::new();
    findings
        .iter()
        .map(|f| {
            let content = line_content(ws, &redactor, &f.file, f.line);
            let index = seen
                .entry((f.code, f.file.as_str(), content.clone()))
                .or_insert(0);
            let input = format!(
                "redlint-fingerprint-v1\0{}\0{}\0{content}\0{index}",
                f.code, f.file
            );
            *index += 1;
            crate::acl::sha256::hex_digest(input.as_bytes())
        })
        .collect()
}

/// Line `line` (1-based) of `file` as it may be shown, secrets masked, with runs of
/// whitespace collapsed to one space; empty when the file or line is not in the workspace.
fn line_content(
    ws: &crate::model::Workspace,
    redactor: &crate::redact::Redactor,
    file: &str,
    line: u32,
) -> String {
    let Some(f) = ws.files.iter().find(|x| x.source.path == file) else {
        return String::new();
    };
    let idx = &f.source.index;
    let Some(l) = (line as usize)
        .checked_sub(1)
        .filter(|l| *l < idx.line_count())
    else {
        return String::new();
    };
    let start = idx.line_start(l) as usize;
    let end = if l + 1 < idx.line_count() {
        idx.line_start(l + 1) as usize
    } else {
        f.source.bytes.len()
    };
    let shown = crate::redact::show(&f.source.bytes, start, end, &f.secrets, Some(redactor));
    shown.text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod fingerprint_tests {
    use crate::fs::MemoryFs;
    use crate::{Input, Kind, Options};

    fn run(text: &str) -> Vec<(String, u32, String)> {
        let input = Input {
            path: "redis.conf".into(),
            host_path: None,
            bytes: text.as_bytes().to_vec(),
            kind: Kind::Redis,
        };
        let report = crate::check(vec![input], &MemoryFs::default(), &Options::default());
        let prints = super::fingerprints(&report.findings, &report.workspace);
        report
            .findings
            .iter()
            .zip(prints)
            .map(|(f, p)| (f.code.to_string(), f.line, p))
            .collect()
    }

    #[test]
    fn lines_inserted_above_keep_the_fingerprint() {
        let before = run("maxmemory-policy allkeys-lru\nbind 10.0.0.0/8\n");
        let after = run("# a comment\n\nmaxmemory-policy allkeys-lru\nbind   10.0.0.0/8\n");
        let codes = |v: &[(String, u32, String)]| {
            v.iter()
                .map(|(c, _, p)| (c.clone(), p.clone()))
                .collect::<Vec<_>>()
        };
        assert!(!before.is_empty());
        assert_eq!(codes(&before), codes(&after));
        assert_ne!(before[0].1, after[0].1, "the line moved");
    }

    #[test]
    fn editing_the_flagged_line_changes_it_and_repeats_are_told_apart() {
        let one = run("bind 10.0.0.0/8\n");
        let other = run("bind 10.0.0.0/16\n");
        assert_ne!(one[0].2, other[0].2);
        let twice = run("frobnicate 1\nfrobnicate 1\n");
        let rl001: Vec<_> = twice.iter().filter(|(c, _, _)| c == "RL001").collect();
        assert_eq!(rl001.len(), 2);
        assert_ne!(rl001[0].2, rl001[1].2);
    }

    #[test]
    fn the_secret_does_not_enter_the_fingerprint() {
        let a = run("requirepass short\n");
        let b = run("requirepass other\n");
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }
}
