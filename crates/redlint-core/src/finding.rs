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
    /// Byte span in `file`; renderers use it for snippets.
    #[serde(skip)]
    pub span: Span,
}

impl Finding {
    /// The stable order of the output contract: file, line, column, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (&self.file, self.line, self.column, self.code)
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
    /// Stable kebab-case kind: `host-checks-not-run`, `reference-not-checked`, ...
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
