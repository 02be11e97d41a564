//! Output formats: `full` (miette snippets), `concise` (one line each) and `json` (CLI.md);
//! the CI formats live in [`crate::ci`].

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use redlint_core::finding::{Finding, Notice, Summary};
use redlint_core::model::{File, Workspace};
use redlint_core::redact::{self, escape_controls, escape_line, Redactor};
use redlint_core::source::Span;
use redlint_core::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippet, labels and help for each finding.
    Full,
    /// One line each: `path:line:col: CODE severity message`.
    Concise,
    /// One JSON object (findings, summary, notices).
    Json,
    /// One JSON object per finding and line, with its fingerprint.
    JsonLines,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
}

impl Format {
    /// Formats a program reads as JSON: a usage error is reported in JSON on stdout too.
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::JsonLines | Format::Sarif)
    }

    /// Formats read by CI systems against the checked-out repository: their paths are
    /// relative to the current directory (see `repository_paths` in main.rs).
    pub fn is_ci(self) -> bool {
        matches!(
            self,
            Format::Sarif | Format::Github | Format::Gitlab | Format::Junit | Format::Checkstyle
        )
    }
}

/// `fingerprints`: one per finding (see `redlint_core::finding::fingerprints`), computed
/// before a baseline filtered the findings, so they do not depend on it.
/// `baselined`: findings a baseline left out, said in JSON's summary.
pub fn render(
    report: &Report,
    fingerprints: &[String],
    baselined: Option<usize>,
    format: Format,
    show_secrets: bool,
    color: bool,
) -> String {
    let findings = &report.findings;
    match format {
        Format::Concise => concise(findings),
        Format::Json => json(findings, &report.summary(), &report.notices, baselined),
        Format::Full => full(report, show_secrets, color),
        Format::JsonLines => crate::ci::json_lines(findings, fingerprints),
        Format::Sarif => crate::ci::sarif(report, fingerprints),
        Format::Github => crate::ci::github(findings),
        Format::Gitlab => crate::ci::gitlab(findings, fingerprints),
        Format::Junit => crate::ci::junit(findings, report.files),
        Format::Checkstyle => crate::ci::checkstyle(findings),
    }
}

pub fn concise(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut repeats = Repeats::default();
    for f in findings {
        if repeats.shown(f) {
            concise_line(&mut out, f);
        }
    }
    out.push_str(&repeats.more());
    out
}

fn concise_line(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "{}:{}:{}: {} {} {}",
        escape_line(&f.file),
        f.line,
        f.column,
        f.code,
        f.severity.as_str(),
        clip(&escape_line(&f.message))
    );
}

/// Findings of one rule in one file shown by the human formats; the rest are counted
/// (`--format json` keeps every finding).
const MAX_REPEATS: usize = 20;

/// Longest text of a finding (message, help) the human formats print, in characters.
const MAX_TEXT: usize = 1_000;

/// Longest window of a file a snippet shows, in bytes: a longer line is left out of the
/// snippet (its place is still given).
const MAX_WINDOW: usize = 16 * 1024;

/// `text`, cut to [`MAX_TEXT`] characters with the number left out.
fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        None => text.to_string(),
        Some((i, _)) => format!(
            "{}… ({} more characters)",
            &text[..i],
            text[i..].chars().count()
        ),
    }
}

/// Counts findings per file and rule, to show the first [`MAX_REPEATS`] and count the rest.
#[derive(Default)]
struct Repeats {
    seen: std::collections::BTreeMap<(String, &'static str), usize>,
}

impl Repeats {
    /// Whether `f` is among the first of its file and rule.
    fn shown(&mut self, f: &Finding) -> bool {
        let n = self.seen.entry((f.file.clone(), f.code)).or_default();
        *n += 1;
        *n <= MAX_REPEATS
    }

    /// One line per file and rule with findings left out.
    fn more(&self) -> String {
        let mut out = String::new();
        for ((file, code), n) in &self.seen {
            if *n > MAX_REPEATS {
                let _ = writeln!(
                    out,
                    "{}: {code} and {} more (--format json lists every finding)",
                    escape_line(file),
                    n - MAX_REPEATS
                );
            }
        }
        out
    }
}

pub fn json(
    findings: &[Finding],
    summary: &Summary,
    notices: &[Notice],
    baselined: Option<usize>,
) -> String {
    #[derive(serde::Serialize)]
    struct Output<'a> {
        version: u32,
        findings: &'a [Finding],
        summary: WithBaseline<'a>,
        notices: &'a [Notice],
    }
    /// The summary, plus how many findings `--baseline` left out when one was given.
    #[derive(serde::Serialize)]
    struct WithBaseline<'a> {
        #[serde(flatten)]
        summary: &'a Summary,
        #[serde(skip_serializing_if = "Option::is_none")]
        baselined: Option<usize>,
    }
    let mut s = serde_json::to_string_pretty(&Output {
        version: 1,
        findings,
        summary: WithBaseline { summary, baselined },
        notices,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    // serde_json escapes C0 controls; DEL, C1 and bidi overrides it leaves raw.
    redact::escape_json_controls(&s).into_owned()
}

/// One human summary line.
pub fn summary_line(report: &Report) -> String {
    let (summary, findings) = (report.summary(), &report.findings);
    if findings.is_empty() {
        return format!(
            "All checks passed ({} file{}).",
            summary.files,
            plural(summary.files)
        );
    }
    let mut s = format!(
        "Found {} problem{} ({} error{}, {} warning{}, {} info) in {} file{}.",
        findings.len(),
        plural(findings.len()),
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings),
        summary.infos,
        summary.files,
        plural(summary.files)
    );
    let (server, sentinel) = fatal_by_program(report);
    let stops = [(server, "redis-server"), (sentinel, "redis-sentinel")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, program)| format!("{n} would stop {program} from starting"))
        .collect::<Vec<_>>();
    if !stops.is_empty() {
        let _ = write!(s, " {}.", stops.join("; "));
    }
    s
}

/// Fatal findings split by the program they stop: those in a Sentinel config stop
/// redis-sentinel, all others (redis.conf, its includes, its ACL file) redis-server.
fn fatal_by_program(report: &Report) -> (usize, usize) {
    let sentinel_file = |path: &str| {
        report
            .workspace
            .files
            .iter()
            .any(|f| f.source.path == path && f.kind == redlint_core::Kind::Sentinel)
    };
    report
        .findings
        .iter()
        .filter(|f| f.fatal)
        .fold((0, 0), |(server, sentinel), f| {
            if sentinel_file(&f.file) {
                (server, sentinel + 1)
            } else {
                (server + 1, sentinel)
            }
        })
}

/// The notices of a run, one per line (`note: …` and its help), for the human formats.
pub fn notices(notices: &[Notice]) -> String {
    let out = notice_lines(notices);
    escape_controls(&out).into_owned()
}

fn notice_lines(notices: &[Notice]) -> String {
    let mut out = String::new();
    for n in notices {
        match (&n.file, n.line) {
            (Some(file), Some(line)) => {
                let _ = writeln!(out, "note: {file}:{line}: {}", n.message);
            }
            (Some(file), None) => {
                let _ = writeln!(out, "note: {file}: {}", n.message);
            }
            _ => {
                let _ = writeln!(out, "note: {}", n.message);
            }
        }
        if let Some(help) = &n.help {
            let _ = writeln!(out, "  help: {help}");
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn full(report: &Report, show_secrets: bool, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100);
    let mut out = String::new();
    let redactor = Redactor::new(&report.workspace);
    let redactor = (!show_secrets).then_some(&redactor);
    let mut repeats = Repeats::default();
    for f in &report.findings {
        if !repeats.shown(f) {
            continue;
        }
        let diag = Snippet::new(&report.workspace, f, redactor);
        if handler.render_report(&mut out, &diag).is_err() {
            concise_line(&mut out, f);
        }
        out.push('\n');
    }
    out.push_str(&repeats.more());
    out
}

/// A finding as a miette diagnostic over a small redacted window of its file.
#[derive(Debug)]
struct Snippet {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Window,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Display for Snippet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Snippet {}

impl Diagnostic for Snippet {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

impl Snippet {
    /// `redactor`: `None` when secrets are shown. Every text from a file is escaped.
    fn new(ws: &Workspace, f: &Finding, redactor: Option<&Redactor>) -> Snippet {
        let file = ws.files.iter().find(|x| x.source.path == f.file);
        let severity = match f.severity {
            redlint_core::Severity::Error => miette::Severity::Error,
            redlint_core::Severity::Warning => miette::Severity::Warning,
            redlint_core::Severity::Info => miette::Severity::Advice,
        };
        let mut help = f.help.as_deref().map(|h| clip(&escape_line(h)));
        // Related places in other files cannot share the snippet: list them under help.
        let mut elsewhere = String::new();
        for r in &f.related {
            if r.file != f.file {
                let _ = write!(
                    elsewhere,
                    "\n{}:{}:{}: {}",
                    escape_line(&r.file),
                    r.line,
                    r.column,
                    clip(&escape_line(&r.message))
                );
            }
        }
        if !elsewhere.is_empty() {
            help = Some(
                format!("{}{}", help.unwrap_or_default(), elsewhere)
                    .trim_start()
                    .to_string(),
            );
        }
        let fatal = if f.fatal {
            " (redis-server refuses to start)"
        } else {
            ""
        };
        let (source, labels) = match file {
            Some(file) if Window::too_wide(file, f.span) => {
                let note = format!("(the line is too long to show: over {MAX_WINDOW} bytes)");
                help = Some(match help {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
                (Window::empty(&f.file), Vec::new())
            }
            Some(file) => {
                let mut spans = vec![(f.span, String::new())];
                for r in f.related.iter().filter(|r| r.file == f.file) {
                    spans.push((r.span, escape_line(&r.message)));
                }
                Window::build(file, &spans, redactor)
            }
            None => (Window::empty(&f.file), Vec::new()),
        };
        Snippet {
            message: format!("{}{}", clip(&escape_line(&f.message)), fatal),
            code: format!("{} {}", f.code, f.name),
            severity,
            help,
            source,
            labels,
        }
    }
}

/// The lines around some spans, secrets replaced by `***`, remembering the first line number.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    first_line: usize,
}

impl Window {
    fn empty(name: &str) -> Window {
        Window {
            name: escape_line(name),
            text: String::new(),
            first_line: 0,
        }
    }

    /// Whether the lines of `span` (with one line of context each side) are over
    /// [`MAX_WINDOW`] bytes.
    fn too_wide(file: &File, span: Span) -> bool {
        let idx = &file.source.index;
        let lo = idx.line_of(span.start).saturating_sub(1);
        let hi = idx.line_of(span.end) + 2;
        let end = if hi < idx.line_count() {
            idx.line_start(hi) as usize
        } else {
            file.source.bytes.len()
        };
        end - idx.line_start(lo) as usize > MAX_WINDOW
    }

    fn build(
        file: &File,
        spans: &[(Span, String)],
        redactor: Option<&Redactor>,
    ) -> (Window, Vec<LabeledSpan>) {
        let idx = &file.source.index;
        let bytes = &file.source.bytes;
        let lo_line = spans
            .iter()
            .map(|(s, _)| idx.line_of(s.start))
            .min()
            .unwrap_or(0)
            .saturating_sub(1);
        let hi_line = spans
            .iter()
            .map(|(s, _)| idx.line_of(s.end))
            .max()
            .unwrap_or(0)
            + 1;
        // Related spans may be far apart: keep the window bounded.
        let hi_line = hi_line.min(lo_line + 40).min(idx.line_count() - 1);
        let start = idx.line_start(lo_line) as usize;
        let end = if hi_line + 1 < idx.line_count() {
            idx.line_start(hi_line + 1) as usize
        } else {
            bytes.len()
        };
        // Secrets masked, control characters escaped: the core's one way to show file text.
        let shown = redact::show(bytes, start, end, &file.secrets, redactor);
        let translate = |off: usize| shown.translate(off);
        let text = shown.text.clone();
        let labels = spans
            .iter()
            .filter(|(s, _)| (s.start as usize) >= start && (s.end as usize) <= end)
            .map(|(s, label)| {
                let a = translate(s.start as usize);
                let b = translate(s.end as usize).max(a);
                let text_label = if label.is_empty() {
                    None
                } else {
                    Some(label.clone())
                };
                LabeledSpan::new(text_label, a, b - a)
            })
            .collect();
        (
            Window {
                name: escape_line(&file.source.path),
                text,
                first_line: lo_line,
            },
            labels,
        )
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}
