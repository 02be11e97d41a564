//! One check of the whole deployment the editor shows: every open document, the config files
//! beside them on disk, and everything they reference (includes, `aclfile`, sysctl.d, ...)
//! read through an overlay that answers from the open buffers first, then from the disk.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use redlint_core::finding::{Applicability, Finding};
use redlint_core::fs::{self, DirEntry, FileSystem, FsError, Metadata};
use redlint_core::source::LineIndex;
use redlint_core::{Input, Options, Severity};
use redlint_disk::disk::{read_bounded, DiskFs};
use redlint_disk::mapping::PathMap;

use crate::convert::{path_to_uri, Text};

/// Where a rule's page is published; `{code}-{name}.md` is appended.
pub const RULES_URL: &str = "https://github.com/redlint/redlint/blob/main/rules/";

/// Files beside an open document larger than this are not read as part of its deployment
/// (an editor must stay responsive; the CLI checks those).
const MAX_SIBLING: u64 = 4 * 1024 * 1024;
/// At most this many files of one directory are looked at beside an open document.
const MAX_SIBLINGS: usize = 256;

/// What the client told the server at `initialize` (its `initializationOptions`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// A directory standing for the target host's `/` (the CLI's `--root`).
    pub root: Option<PathBuf>,
    /// The editor runs on the target host (the CLI's `--on-host`); off by default.
    pub on_host: bool,
    /// Workspace folders (local paths), part of the checked tree.
    #[serde(skip)]
    pub folders: Vec<String>,
}

/// One open document.
pub struct Doc {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
}

/// A quick fix offered for a finding.
pub struct QuickFix {
    /// Local path of the file whose diagnostic it fixes.
    pub path: String,
    pub diagnostic: Diagnostic,
    pub title: String,
    pub safe: bool,
    pub edit: WorkspaceEdit,
}

/// The result of one check: diagnostics per local path (files without findings are absent),
/// and the fixes of the findings.
#[derive(Default)]
pub struct Analysis {
    pub diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    pub fixes: Vec<QuickFix>,
    /// A problem with the settings (redlint.toml), said once to the user.
    pub warning: Option<String>,
}

/// The open buffers over the disk. Host paths of open documents answer from their buffer.
struct Overlay<'a> {
    open: HashMap<String, &'a [u8]>,
    disk: &'a DiskFs,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        match self.open.get(&fs::normalize(path)) {
            Some(b) => Ok(b.to_vec()),
            None => self.disk.read(path),
        }
    }
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        match self.disk.metadata(path) {
            Err(FsError::NotFound) if self.open.contains_key(&fs::normalize(path)) => {
                Ok(Metadata::file(0o644))
            }
            other => other,
        }
    }
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let dir = fs::normalize(path);
        let mut entries = self.disk.read_dir(&dir).or_else(|e| {
            let has_open = self.open.keys().any(|p| fs::parent(p) == dir);
            if has_open {
                Ok(Vec::new())
            } else {
                Err(e)
            }
        })?;
        // A new buffer not saved yet is still a file of its directory.
        for p in self.open.keys().filter(|p| fs::parent(p) == dir) {
            let name = p.rsplit('/').next().unwrap_or(p).to_string();
            if !entries.iter().any(|e| e.name == name) {
                entries.push(DirEntry {
                    name,
                    is_dir: false,
                });
            }
        }
        Ok(entries)
    }
    /// Every file is named by its local path: that is what the editor opens.
    fn display_path(&self, host_path: &str) -> String {
        self.disk
            .real(host_path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| host_path.to_string())
    }
    fn resolves(&self, host: &str) -> Option<bool> {
        self.disk.resolves(host)
    }
}

/// How local paths and host paths relate in this workspace.
struct Layout {
    root: Option<PathBuf>,
    map: PathMap,
}

impl Layout {
    /// The host path of a local file: mapped, under the root, else the path itself.
    fn host_path(&self, local: &str) -> String {
        let path = Path::new(local);
        if let Some(h) = self.map.host_path(path) {
            return h;
        }
        if let Some(rel) = self.root.as_ref().and_then(|r| path.strip_prefix(r).ok()) {
            return fs::join("/", &rel.to_string_lossy());
        }
        fs::normalize(local)
    }
}

/// Check everything open (and what lies beside and behind it).
pub fn analyze(docs: &BTreeMap<String, Doc>, settings: &Settings) -> Analysis {
    let mut analysis = Analysis::default();
    let (config, map) = match settings_files(docs, settings) {
        Ok(found) => found,
        Err(e) => {
            analysis.warning = Some(e);
            Default::default()
        }
    };
    let root = settings.root.as_ref().and_then(|r| r.canonicalize().ok());
    let layout = Layout { root, map };
    let inputs = collect_inputs(docs, &layout);
    if inputs.is_empty() {
        return analysis;
    }
    // Open buffers by host path: they win over the disk.
    let open = docs
        .iter()
        .map(|(local, d)| (layout.host_path(local), d.text.as_bytes()))
        .collect();
    let mut tree: Vec<String> = settings.folders.clone();
    tree.extend(docs.keys().map(|p| fs::parent(p).to_string()));
    let disk = DiskFs::new(layout.root.as_deref(), layout.map, settings.on_host, tree);
    let overlay = Overlay { open, disk: &disk };
    let options = Options {
        // Fixes need the real text (hashing a password); every message is redacted below.
        show_secrets: true,
        on_host: settings.on_host,
        config,
        ..Options::default()
    };
    let report = redlint_core::check(inputs, &overlay, &options);
    let redactor = redlint_core::redact::Redactor::new(&report.workspace);
    let texts: HashMap<&str, (&[u8], &LineIndex)> = report
        .workspace
        .files
        .iter()
        .map(|f| {
            (
                f.source.path.as_str(),
                (f.source.bytes.as_slice(), &f.source.index),
            )
        })
        .collect();
    for raw in &report.findings {
        let mut shown = raw.clone();
        redactor.finding(&mut shown);
        let Some(diagnostic) = diagnostic(&shown, &texts) else {
            continue;
        };
        if let Some(fix) = quick_fix(raw, &shown, &diagnostic, &texts) {
            analysis.fixes.push(fix);
        }
        analysis
            .diagnostics
            .entry(shown.file.clone())
            .or_default()
            .push(diagnostic);
    }
    analysis
}

/// redlint.toml (nearest upward from the first open document) and its `[paths]` mapping.
fn settings_files(
    docs: &BTreeMap<String, Doc>,
    settings: &Settings,
) -> Result<(redlint_core::config::Config, PathMap), String> {
    let start = docs
        .keys()
        .next()
        .map(PathBuf::from)
        .or_else(|| settings.folders.first().map(PathBuf::from));
    let Some(file) = start.as_deref().and_then(redlint_disk::find_config) else {
        return Ok(Default::default());
    };
    let shown = file.display();
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{shown}: {e}"))?;
    let config =
        redlint_core::config::Config::from_toml(&text).map_err(|e| format!("{shown}: {e}"))?;
    let mut map = PathMap::default();
    let base = file.parent().unwrap_or(Path::new("/"));
    let origin = format!("{shown}: [paths]");
    for (host, dir) in &config.paths {
        map.add(host, &base.join(dir), &origin)?;
    }
    Ok((config, map))
}

/// The open documents and the config files beside them, each with its kind; files of no
/// kind redlint reads are left out.
fn collect_inputs(docs: &BTreeMap<String, Doc>, layout: &Layout) -> Vec<Input> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for dir in docs.keys().map(|p| fs::parent(p)) {
        for local in siblings(dir) {
            if docs.contains_key(&local) || files.contains_key(&local) {
                continue;
            }
            if let Ok(bytes) = read_bounded(Path::new(&local)) {
                files.insert(local, bytes);
            }
        }
    }
    for (local, doc) in docs {
        files.insert(local.clone(), doc.text.clone().into_bytes());
    }
    files
        .into_iter()
        .filter_map(|(local, bytes)| {
            let host_path = layout.host_path(&local);
            let kind = redlint_core::model::kind::detect(&host_path, &bytes)?;
            Some(Input {
                path: local,
                host_path: Some(host_path),
                bytes,
                kind,
            })
        })
        .collect()
}

/// Regular files of a directory that may be configs (small enough), by local path.
fn siblings(dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::metadata(e.path()).is_ok_and(|m| m.is_file() && m.len() <= MAX_SIBLING)
        })
        .take(MAX_SIBLINGS)
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect()
}

/// The URL of a rule's page.
pub fn rule_url(code: &str) -> Option<Uri> {
    let rule = redlint_core::rules::find(code)?;
    format!("{RULES_URL}{}-{}.md", rule.code, rule.name)
        .parse()
        .ok()
}

type Texts<'a> = HashMap<&'a str, (&'a [u8], &'a LineIndex)>;

fn text<'a>(texts: &Texts<'a>, file: &str) -> Option<Text<'a>> {
    texts.get(file).map(|(bytes, index)| Text { bytes, index })
}

/// A 1-based line and character column (as facets carry them) as an LSP position.
fn line_column(t: &Text, line: u32, column: u32) -> Position {
    let line = line.saturating_sub(1) as usize;
    if line >= t.index.line_count() {
        return t.position(t.bytes.len() as u32);
    }
    let start = t.index.line_start(line) as usize;
    let (_, bytes) = t.line_at(start);
    let skip: usize = String::from_utf8_lossy(bytes)
        .chars()
        .take(column.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    t.position((start + skip.min(bytes.len())) as u32)
}

fn severity(f: &Finding) -> DiagnosticSeverity {
    match f.severity {
        _ if f.fatal => DiagnosticSeverity::ERROR,
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A (redacted) finding as an LSP diagnostic on its file.
fn diagnostic(f: &Finding, texts: &Texts) -> Option<Diagnostic> {
    let t = text(texts, &f.file)?;
    let mut message = f.message.clone();
    if f.fatal {
        message.push_str(" (redis-server refuses to start)");
    }
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
    for r in &f.related {
        let (Some(rt), Some(uri)) = (text(texts, &r.file), path_to_uri(&r.file)) else {
            continue;
        };
        related.push(DiagnosticRelatedInformation {
            location: Location::new(uri, rt.range(r.span.start, r.span.end)),
            message: escape(&r.message),
        });
    }
    for facet in &f.facets {
        let (Some(ft), Some(uri)) = (text(texts, &facet.file), path_to_uri(&facet.file)) else {
            continue;
        };
        let at = line_column(&ft, facet.line, facet.column);
        related.push(DiagnosticRelatedInformation {
            location: Location::new(uri, Range::new(at, at)),
            message: escape(&format!(
                "{} {} ({}): {}",
                facet.code,
                facet.name,
                facet.severity.as_str(),
                facet.message
            )),
        });
    }
    Some(Diagnostic {
        range: t.range(f.span.start, f.span.end),
        severity: Some(severity(f)),
        code: Some(NumberOrString::String(f.code.to_string())),
        code_description: rule_url(f.code).map(|href| CodeDescription { href }),
        source: Some("redlint".to_string()),
        message: escape(&message),
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    })
}

/// No terminal control sequence reaches the editor's UI.
fn escape(s: &str) -> String {
    redlint_core::redact::escape_controls(s).into_owned()
}

/// The finding's fix as a code action: edits from the raw finding (they are the file's own
/// new text), title from the redacted one.
fn quick_fix(raw: &Finding, shown: &Finding, d: &Diagnostic, texts: &Texts) -> Option<QuickFix> {
    let fix = raw.fix.as_ref()?;
    // Fixes that write whole files (a sidecar for an ACL file's comments) are left to
    // `redlint fix`: a text edit cannot create a file the editor has not opened.
    if !fix.writes.is_empty() || fix.edits.is_empty() {
        return None;
    }
    // The protocol's WorkspaceEdit is keyed by Uri; clippy cannot see that its hash and
    // equality depend on the URI text only.
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for e in &fix.edits {
        let t = text(texts, &e.file)?;
        changes
            .entry(path_to_uri(&e.file)?)
            .or_default()
            .push(TextEdit::new(
                t.range(e.start, e.end),
                e.replacement.clone(),
            ));
    }
    let safe = fix.applicability == Applicability::Safe;
    let description = shown
        .fix
        .as_ref()
        .map_or(String::new(), |f| f.description.clone());
    let title = if safe {
        format!("{} ({})", description, raw.code)
    } else {
        format!(
            "{} ({}, unsafe: may change behaviour)",
            description, raw.code
        )
    };
    Some(QuickFix {
        path: shown.file.clone(),
        diagnostic: d.clone(),
        title: escape(&title),
        safe,
        edit: WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        },
    })
}
