//! The formats CI systems read: SARIF 2.1.0 (code scanning), GitHub workflow commands, GitLab
//! Code Quality, JUnit XML, Checkstyle XML and JSON Lines. Each is built from the report's
//! findings, which the core has already redacted; every text from a file is also stripped of
//! control characters here, so the output is safe to paste into a public CI log.

use std::fmt::Write as _;

use redlint_core::finding::Finding;
use redlint_core::redact::{escape_json_controls, escape_line};
use redlint_core::rules::Rule;
use redlint_core::{Report, Severity};

/// Where `helpUri` points: the rule's page in the repository (`rules/RLnnn-name.md`).
/// One place to change when the project's public address changes; documented in CLI.md.
pub const RULES_URL: &str = "https://github.com/redlint/redlint/blob/main/rules/";

/// The key of SARIF's `partialFingerprints` (versioned: a new fingerprint gets a new key).
pub const FINGERPRINT_KEY: &str = "redlint/v1";

/// A rule's page address.
pub fn help_uri(rule: &Rule) -> String {
    format!("{RULES_URL}{}-{}.md", rule.code, rule.name)
}

/// SARIF's level for a severity: info becomes `note`, which GitHub code scanning lists
/// only when its severity filter includes notes (see CLI.md).
fn sarif_level(severity: Severity) -> serde_sarif::sarif::ResultLevel {
    use serde_sarif::sarif::ResultLevel;
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// The rule page's one-line summary: the first paragraph of "What it does", else the name.
fn short_description(rule: &Rule) -> String {
    let body = rule.doc_body();
    let section = body
        .split("## What it does")
        .nth(1)
        .map(|s| s.trim_start())
        .unwrap_or("");
    let para = section.split("\n\n").next().unwrap_or("").trim();
    if para.is_empty() || para.starts_with('#') {
        return rule.name.replace('-', " ");
    }
    let text = para.split_whitespace().collect::<Vec<_>>().join(" ");
    // The first sentence is enough for a summary.
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text,
    }
}

/// A path as a URI: relative (to the current directory) when it is, `file://` when absolute;
/// unreserved characters and `/` kept, the rest percent-encoded; a leading `./` dropped.
fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::with_capacity(path.len() + 7);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The whole run as one SARIF 2.1.0 log: every rule in `tool.driver.rules`, one result per
/// finding.
pub fn sarif(report: &Report, fingerprints: &[String]) -> String {
    use serde_sarif::sarif as s;
    let rules: Vec<s::ReportingDescriptor> = redlint_core::rules::ALL
        .iter()
        .map(|r| {
            s::ReportingDescriptor::builder()
                .id(r.code)
                .name(r.name)
                .short_description(
                    s::MultiformatMessageString::builder()
                        .text(short_description(r))
                        .build(),
                )
                .full_description(
                    s::MultiformatMessageString::builder()
                        .text(short_description(r))
                        .build(),
                )
                .help(
                    s::MultiformatMessageString::builder()
                        .text(r.doc_body().to_string())
                        .markdown(r.doc_body().to_string())
                        .build(),
                )
                .help_uri(help_uri(r))
                .default_configuration(
                    s::ReportingConfiguration::builder()
                        .level(serde_json::json!(sarif_level(r.severity).to_string()))
                        .build(),
                )
                .properties(
                    s::PropertyBag::builder()
                        .tags(vec![r.category.as_str().to_string()])
                        .build(),
                )
                .build()
        })
        .collect();
    let index = |code: &str| {
        redlint_core::rules::ALL
            .iter()
            .position(|r| r.code == code)
            .map(|i| i as i64)
            .unwrap_or(-1)
    };
    let results: Vec<s::Result> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, print)| {
            let region = s::Region::builder()
                .start_line(f.line as i64)
                .start_column(f.column as i64)
                .end_line(f.end_line.max(f.line) as i64)
                .end_column(f.end_column.max(1) as i64)
                .build();
            let location = s::Location::builder()
                .physical_location(
                    s::PhysicalLocation::builder()
                        .artifact_location(s::ArtifactLocation::builder().uri(uri(&f.file)).build())
                        .region(region)
                        .build(),
                )
                .build();
            let mut prints = std::collections::BTreeMap::new();
            prints.insert(FINGERPRINT_KEY.to_string(), print.clone());
            s::Result::builder()
                .rule_id(f.code)
                .rule_index(index(f.code))
                .level(sarif_level(f.severity))
                .message(s::Message::builder().text(message(f)).build())
                .locations(vec![location])
                .partial_fingerprints(prints)
                .build()
        })
        .collect();
    let driver = s::ToolComponent::builder()
        .name("redlint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(RULES_URL.trim_end_matches("blob/main/rules/").to_string())
        .rules(rules)
        .build();
    let run = s::Run::builder()
        .tool(s::Tool::builder().driver(driver).build())
        .results(results)
        // redlint counts columns in characters, not UTF-16 code units (SARIF's default).
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let log = s::Sarif::builder()
        .schema(s::SCHEMA_URL)
        .version(serde_json::json!(s::Version::V2_1_0.to_string()))
        .runs(vec![run])
        .build();
    json_text(&log, true)
}

/// A finding's message with its help, one line, control characters escaped.
fn message(f: &Finding) -> String {
    escape_line(&f.message)
}

/// `value` as JSON; non-ASCII controls that serde_json leaves raw are escaped too.
fn json_text<T: serde::Serialize>(value: &T, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let mut text = escape_json_controls(&text).into_owned();
    text.push('\n');
    text
}

/// GitHub Actions workflow commands: one `::error file=…,line=…::message` per finding, which
/// the runner turns into annotations on the pull request.
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            gh_property(&f.file),
            f.line,
            f.column,
            f.end_line.max(f.line),
            f.end_column,
            gh_property(&format!("{} {}", f.code, f.name)),
            gh_data(&format!("{} {}", f.code, escape_line(&f.message)))
        );
    }
    out
}

/// Escape a workflow command's message (GitHub's rules: `%`, CR, LF), control characters
/// made visible first.
fn gh_data(s: &str) -> String {
    escape_line(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value: as the message, plus `:` and `,`.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitLab Code Quality report (the `codequality` artifact): a JSON array of issues.
pub fn gitlab(findings: &[Finding], fingerprints: &[String]) -> String {
    #[derive(serde::Serialize)]
    struct Issue<'a> {
        description: String,
        check_name: &'a str,
        fingerprint: &'a str,
        severity: &'static str,
        location: Location<'a>,
    }
    #[derive(serde::Serialize)]
    struct Location<'a> {
        path: &'a str,
        lines: Lines,
    }
    #[derive(serde::Serialize)]
    struct Lines {
        begin: u32,
    }
    let issues: Vec<Issue> = findings
        .iter()
        .zip(fingerprints)
        .map(|(f, print)| Issue {
            description: format!("{} {}: {}", f.code, f.name, message(f)),
            check_name: f.code,
            fingerprint: print,
            // GitLab's vocabulary: info, minor, major, critical, blocker.
            severity: match (f.severity, f.fatal) {
                (Severity::Error, true) => "blocker",
                (Severity::Error, false) => "critical",
                (Severity::Warning, _) => "major",
                (Severity::Info, _) => "info",
            },
            location: Location {
                path: f.file.strip_prefix("./").unwrap_or(&f.file),
                lines: Lines { begin: f.line },
            },
        })
        .collect();
    json_text(&issues, true)
}

/// One JSON object per line, each a finding as in `--format json` plus its `fingerprint`.
pub fn json_lines(findings: &[Finding], fingerprints: &[String]) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        finding: &'a Finding,
        fingerprint: &'a str,
    }
    findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| {
            json_text(
                &Line {
                    finding,
                    fingerprint,
                },
                false,
            )
        })
        .collect()
}

/// Text for XML content and attribute values: the five special characters escaped, control
/// characters made visible (XML 1.0 cannot hold most of them at all).
fn xml(s: &str) -> String {
    escape_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Findings by file, in output order (the findings are sorted by file already).
fn by_file(findings: &[Finding]) -> Vec<(&str, Vec<&Finding>)> {
    let mut out: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match out.last_mut() {
            Some((file, list)) if *file == f.file => list.push(f),
            _ => out.push((&f.file, vec![f])),
        }
    }
    out
}

/// Checkstyle XML, read by Jenkins' warnings plugin, reviewdog and many others.
pub fn checkstyle(findings: &[Finding]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (file, list) in by_file(findings) {
        let _ = writeln!(out, "  <file name=\"{}\">", xml(file));
        for f in list {
            let _ = writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"redlint.{}\"/>",
                f.line,
                f.column,
                match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                },
                xml(&f.message),
                xml(&format!("{}.{}", f.code, f.name))
            );
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

/// JUnit XML: one test suite per file, one failed test case per finding; a run without
/// findings is one passing case, so CI test reports show that redlint ran.
pub fn junit(findings: &[Finding], files: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = findings.len().max(1);
    let _ = writeln!(
        out,
        "<testsuites name=\"redlint\" tests=\"{total}\" failures=\"{}\">",
        findings.len()
    );
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"redlint\" tests=\"1\" failures=\"0\">\n    <testcase name=\"{files} file{} checked\" classname=\"redlint\"/>\n  </testsuite>",
            if files == 1 { "" } else { "s" }
        );
    }
    for (file, list) in by_file(findings) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            xml(file),
            list.len(),
            list.len()
        );
        for f in list {
            let _ = writeln!(
                out,
                "    <testcase name=\"{} {}\" classname=\"{}\" file=\"{}\" line=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}:{}:{}: {} {} {}</failure>\n    </testcase>",
                f.code,
                xml(f.name),
                xml(file),
                xml(file),
                f.line,
                xml(&f.message),
                f.severity.as_str(),
                xml(file),
                f.line,
                f.column,
                f.code,
                f.severity.as_str(),
                xml(&f.message)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `--statistics`: how many findings each rule has, most first, as text.
pub fn statistics_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for (code, name, n) in statistics(findings) {
        let _ = writeln!(out, "{n:>5}  {code}  {name}");
    }
    out
}

/// `--statistics` as JSON: `[{"code", "name", "count"}]`.
pub fn statistics_json(findings: &[Finding]) -> String {
    let rows: Vec<serde_json::Value> = statistics(findings)
        .into_iter()
        .map(|(code, name, count)| serde_json::json!({"code": code, "name": name, "count": count}))
        .collect();
    json_text(&rows, true)
}

/// (code, name, count) per rule, most findings first, then by code. Facets count for their
/// own rule too: `--ignore` decisions are made per rule.
fn statistics(findings: &[Finding]) -> Vec<(&'static str, &'static str, usize)> {
    let mut counts: std::collections::BTreeMap<(&'static str, &'static str), usize> =
        std::collections::BTreeMap::new();
    for f in findings {
        *counts.entry((f.code, f.name)).or_default() += 1;
        for facet in &f.facets {
            *counts.entry((facet.code, facet.name)).or_default() += 1;
        }
    }
    let mut rows: Vec<_> = counts.into_iter().map(|((c, n), k)| (c, n, k)).collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_per_its_rules() {
        assert_eq!(gh_data("50% a\nb\rc"), "50%25 a\\nb\\x0dc");
        assert_eq!(gh_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(gh_data("\u{1b}[31m"), "\\x1b[31m");
    }

    #[test]
    fn uri_is_relative_and_encoded() {
        assert_eq!(uri("./etc/redis/redis.conf"), "etc/redis/redis.conf");
        assert_eq!(uri("a b/ü.conf"), "a%20b/%C3%BC.conf");
        assert_eq!(uri("/etc/redis.conf"), "file:///etc/redis.conf");
    }

    #[test]
    fn every_rule_has_a_summary() {
        for r in redlint_core::rules::ALL {
            let s = short_description(r);
            assert!(!s.is_empty() && !s.contains('\n'), "{}: {s:?}", r.code);
        }
    }
}
