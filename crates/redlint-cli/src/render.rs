//! Output formats: `full` (miette snippets), `concise` (one line each) and `json` (CLI.md).

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use redlint_core::finding::{Finding, Notice, Summary};
use redlint_core::model::{File, Workspace};
use redlint_core::source::Span;
use redlint_core::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Full,
    Concise,
    Json,
}

pub fn render(report: &Report, format: Format, show_secrets: bool, color: bool) -> String {
    match format {
        Format::Concise => concise(&report.findings),
        Format::Json => json(&report.findings, &report.summary(), &report.notices),
        Format::Full => full(report, show_secrets, color),
    }
}

pub fn concise(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {} {}",
            f.file,
            f.line,
            f.column,
            f.code,
            f.severity.as_str(),
            f.message
        );
    }
    out
}

pub fn json(findings: &[Finding], summary: &Summary, notices: &[Notice]) -> String {
    #[derive(serde::Serialize)]
    struct Output<'a> {
        version: u32,
        findings: &'a [Finding],
        summary: &'a Summary,
        notices: &'a [Notice],
    }
    let mut s = serde_json::to_string_pretty(&Output {
        version: 1,
        findings,
        summary,
        notices,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
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
    for f in &report.findings {
        let diag = Snippet::new(&report.workspace, f, show_secrets);
        if handler.render_report(&mut out, &diag).is_err() {
            out.push_str(&concise(std::slice::from_ref(f)));
        }
        out.push('\n');
    }
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
    fn new(ws: &Workspace, f: &Finding, show_secrets: bool) -> Snippet {
        let file = ws.files.iter().find(|x| x.source.path == f.file);
        let severity = match f.severity {
            redlint_core::Severity::Error => miette::Severity::Error,
            redlint_core::Severity::Warning => miette::Severity::Warning,
            redlint_core::Severity::Info => miette::Severity::Advice,
        };
        let mut help = f.help.clone();
        // Related places in other files cannot share the snippet: list them under help.
        let mut elsewhere = String::new();
        for r in &f.related {
            if r.file != f.file {
                let _ = write!(
                    elsewhere,
                    "\n{}:{}:{}: {}",
                    r.file, r.line, r.column, r.message
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
            Some(file) => {
                let mut spans = vec![(f.span, String::new())];
                for r in f.related.iter().filter(|r| r.file == f.file) {
                    spans.push((r.span, r.message.clone()));
                }
                Window::build(file, &spans, show_secrets)
            }
            None => (Window::empty(&f.file), Vec::new()),
        };
        Snippet {
            message: format!("{}{}", f.message, fatal),
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
            name: name.to_string(),
            text: String::new(),
            first_line: 0,
        }
    }

    fn build(
        file: &File,
        spans: &[(Span, String)],
        show_secrets: bool,
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
        // Redact and rebuild the text, mapping original offsets to offsets in the window text.
        let mut text = String::new();
        let mut map: Vec<(usize, usize)> = Vec::new(); // (original offset, window offset) at each cut
        let mut pos = start;
        let secrets: Vec<Span> = if show_secrets {
            Vec::new()
        } else {
            file.secrets
                .iter()
                .copied()
                .filter(|s| (s.end as usize) > start && (s.start as usize) < end)
                .collect()
        };
        for s in &secrets {
            let (ss, se) = ((s.start as usize).max(start), (s.end as usize).min(end));
            if ss < pos {
                continue;
            }
            map.push((pos, text.len()));
            text.push_str(&String::from_utf8_lossy(&bytes[pos..ss]));
            map.push((ss, text.len()));
            text.push_str("***");
            pos = se;
        }
        map.push((pos, text.len()));
        text.push_str(&String::from_utf8_lossy(&bytes[pos..end]));
        map.push((end, text.len()));
        let translate = |off: usize| -> usize {
            let off = off.clamp(start, end);
            // The last cut at or before `off`; inside a redacted run, snap to its start.
            let i = map.partition_point(|(o, _)| *o <= off).saturating_sub(1);
            let (o, w) = map[i];
            let seg_end_orig = map.get(i + 1).map_or(end, |m| m.0);
            let seg_end_win = map.get(i + 1).map_or(text.len(), |m| m.1);
            if seg_end_win - w == seg_end_orig - o {
                w + (off - o)
            } else {
                w
            }
        };
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
                name: file.source.path.clone(),
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
