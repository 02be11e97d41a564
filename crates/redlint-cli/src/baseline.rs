//! `--write-baseline FILE` / `--baseline FILE`: adopt redlint on a repository with existing
//! findings. The file records each finding by its fingerprint
//! (`redlint_core::finding::fingerprints`: rule, file, the flagged line's content and the
//! occurrence index, not the line number), so a finding whose line moved is still known.
//!
//! Format (JSON, versioned; CLI.md): `{"version": 1, "findings": [{"fingerprint", "code",
//! "file", "line", "message"}]}`. Only `fingerprint` is matched; the rest is for people
//! reviewing the file.

use std::collections::HashSet;
use std::path::Path;

use redlint_core::Finding;

const VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    line: u32,
    #[serde(default)]
    message: String,
}

/// Record today's findings (messages as shown: redacted unless `--show-secrets`).
pub fn write(path: &Path, findings: &[Finding], fingerprints: &[String]) -> Result<(), String> {
    let file = File {
        version: VERSION,
        findings: findings
            .iter()
            .zip(fingerprints)
            .map(|(f, print)| Entry {
                fingerprint: print.clone(),
                code: f.code.to_string(),
                file: f.file.clone(),
                line: f.line,
                message: f.message.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    let text = redlint_core::redact::escape_json_controls(&text);
    crate::output::write_file(path, text.as_bytes())
}

/// The fingerprints a baseline file records. A file of another version, or not a baseline,
/// is refused (exit 2) rather than taken as empty: that would report everything as new.
pub fn read(path: &Path) -> Result<HashSet<String>, String> {
    let bytes = crate::disk::read_bounded(path)
        .map_err(|e| format!("--baseline {}: {e}", path.display()))?;
    let file: File = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "--baseline {}: not a redlint baseline ({e}); write one with --write-baseline",
            path.display()
        )
    })?;
    if file.version != VERSION {
        return Err(format!(
            "--baseline {}: version {} is not supported (this redlint writes version {VERSION})",
            path.display(),
            file.version
        ));
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// Keep only the findings the baseline does not record (and their fingerprints, in step);
/// returns how many were left out.
pub fn filter(
    known: &HashSet<String>,
    findings: &mut Vec<Finding>,
    fingerprints: &mut Vec<String>,
) -> usize {
    let before = findings.len();
    let kept: Vec<(Finding, String)> = std::mem::take(findings)
        .into_iter()
        .zip(std::mem::take(fingerprints))
        .filter(|(_, p)| !known.contains(p))
        .collect();
    for (f, p) in kept {
        findings.push(f);
        fingerprints.push(p);
    }
    before - findings.len()
}
