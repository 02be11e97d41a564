//! Running the checks over the model, and turning their diagnostics into located findings.

pub mod acl;
mod container;
mod contradictions;
mod deprecation;
pub mod directives;
mod effective;
pub mod exposure;
mod helm;
pub mod host;
mod kernel;
mod overrides;
pub mod passwords;
pub mod privileges;
mod replication;
pub mod sentinel;
mod sentinel_group;
mod sizing;
pub mod sysctl;

use crate::finding::{Applicability, Edit, FileWrite, Finding, Fix, Related, Severity};
use crate::model::{Deployment, FileId, Workspace};
use crate::rules::Rule;
use crate::source::Span;
use crate::Options;

/// What a check reports: a rule, a span in a file, and words. Located and redacted later.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub fatal: bool,
    /// Overrides the rule's default severity for this one finding.
    pub severity: Option<Severity>,
    pub related: Vec<RelatedSpan>,
    pub fix: Option<FixSpec>,
    /// Diagnostics with the same key are one problem, folded into one finding after rule
    /// selection (see [`crate::finding::group`]).
    pub group: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RelatedSpan {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct FixSpec {
    pub applicability: Applicability,
    pub description: String,
    pub edits: Vec<(FileId, Span, String)>,
    /// Whole files written: (path as reported, host path, content).
    pub writes: Vec<(String, String, String)>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static Rule,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            file,
            span,
            message: message.into(),
            help: None,
            fatal: false,
            severity: None,
            related: Vec::new(),
            fix: None,
            group: None,
        }
    }
    /// Part of one problem with every diagnostic of the same key.
    pub fn group(mut self, key: impl Into<String>) -> Diagnostic {
        self.group = Some(key.into());
        self
    }
    /// Redis 7.0.15 refuses to start because of this.
    pub fn fatal(mut self) -> Diagnostic {
        self.fatal = true;
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = Some(severity);
        self
    }
    pub fn related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(RelatedSpan {
            file,
            span,
            message: message.into(),
        });
        self
    }
    pub fn fix(
        mut self,
        applicability: Applicability,
        description: impl Into<String>,
        edits: Vec<(FileId, Span, String)>,
    ) -> Diagnostic {
        self.fix = Some(FixSpec {
            applicability,
            description: description.into(),
            edits,
            writes: Vec::new(),
        });
        self
    }
}

/// Everything a check may look at.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub deployment: &'a Deployment,
    pub options: &'a Options,
    /// The checked tree: configuration files of the deployment (includes, ACL files, ...).
    /// Host state (directories, log files, scripts, TLS files) is looked up only through
    /// [`Context::host_fs`].
    pub fs: &'a dyn crate::fs::FileSystem,
    /// Host checks that were not run because redlint does not run on the target host.
    host_checks_not_run: std::sync::atomic::AtomicUsize,
    /// Passwords RL401 could not price: `Options::strength` had no answer yet.
    strength_pending: std::sync::atomic::AtomicUsize,
}

impl<'a> Context<'a> {
    pub fn new(
        ws: &'a Workspace,
        deployment: &'a Deployment,
        options: &'a Options,
        fs: &'a dyn crate::fs::FileSystem,
    ) -> Context<'a> {
        Context {
            ws,
            deployment,
            options,
            fs,
            host_checks_not_run: std::sync::atomic::AtomicUsize::new(0),
            strength_pending: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The target host's filesystem, for a *host check* (does `dir` exist, is a Sentinel
    /// script executable, ...): `Some` only when redlint runs on the target host
    /// (`--on-host`). Otherwise the check is counted as not run and `None` is returned;
    /// the caller then reports nothing.
    pub fn host_fs(&self) -> Option<&'a dyn crate::fs::FileSystem> {
        if self.options.on_host {
            Some(self.fs)
        } else {
            self.host_checks_not_run
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            None
        }
    }

    /// How many host checks were skipped (see [`Context::host_fs`]).
    pub fn host_checks_not_run(&self) -> usize {
        self.host_checks_not_run
            .load(std::sync::atomic::Ordering::Relaxed)
    }
    /// Price a password with `Options::strength`; a judge that cannot answer yet is counted
    /// (see [`Context::strength_pending`]) and the password is not judged.
    pub fn strength(
        &self,
        password: &[u8],
        context: &[String],
    ) -> Option<crate::security::strength::Estimate> {
        let e = self.options.strength.estimate(password, context);
        if e.is_none() {
            self.strength_pending
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        e
    }

    /// How many passwords were not priced (see [`Context::strength`]).
    pub fn strength_pending(&self) -> usize {
        self.strength_pending
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A value for a message: the text, or `***` when it is a secret and secrets are hidden.
    /// An empty value is shown as `""` (as Redis writes it), so no message quotes nothing.
    pub fn shown(&self, file: FileId, span: Span, value: &[u8]) -> String {
        if value.is_empty() {
            crate::security::EMPTY.to_string()
        } else {
            crate::redact::value(
                self.ws.file(file).is_secret(span),
                self.options.show_secrets,
                value,
            )
        }
    }
}

/// Every check, in one list; each is a function over the whole context.
type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

const CHECKS: &[Check] = &[
    sentinel::check,
    sysctl::check,
    directives::check,
    acl::check,
    overrides::check,
    contradictions::check,
    sizing::check,
    helm::check,
    container::check,
    kernel::check,
    deprecation::check,
    exposure::check,
    passwords::check,
    replication::check,
    sentinel_group::check,
    privileges::check,
];

pub fn run(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for check in CHECKS {
        check(ctx, &mut out);
    }
    out
}

/// Locate, redact and sort diagnostics into findings.
pub fn resolve(ws: &Workspace, diags: Vec<Diagnostic>, options: &Options) -> Vec<Finding> {
    let mut findings: Vec<Finding> = diags
        .into_iter()
        .map(|d| {
            let f = ws.file(d.file);
            let start = f.source.position(d.span.start);
            let end = f.source.position(d.span.end);
            let severity = d.severity.unwrap_or(if d.fatal {
                Severity::Error
            } else {
                d.rule.severity
            });
            Finding {
                code: d.rule.code,
                name: d.rule.name,
                severity,
                fatal: d.fatal,
                message: d.message,
                help: d.help,
                file: f.source.path.clone(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                related: d
                    .related
                    .into_iter()
                    .map(|r| {
                        let rf = ws.file(r.file);
                        let p = rf.source.position(r.span.start);
                        Related {
                            file: rf.source.path.clone(),
                            line: p.line,
                            column: p.column,
                            message: r.message,
                            span: r.span,
                        }
                    })
                    .collect(),
                fix: d.fix.map(|fx| Fix {
                    applicability: fx.applicability,
                    description: fx.description,
                    writes: fx
                        .writes
                        .into_iter()
                        .map(|(file, host_path, content)| FileWrite {
                            file,
                            host_path,
                            content,
                        })
                        .collect(),
                    edits: fx
                        .edits
                        .into_iter()
                        .map(|(file, span, replacement)| {
                            let ef = ws.file(file);
                            // Deleting a secret reveals nothing; writing one is masked.
                            let replacement = if options.show_secrets
                                || replacement.is_empty()
                                || !ef.is_secret(span)
                            {
                                replacement
                            } else {
                                crate::redact::MASK.to_string()
                            };
                            Edit {
                                file: ef.source.path.clone(),
                                start: span.start,
                                end: span.end,
                                replacement,
                            }
                        })
                        .collect(),
                }),
                facets: Vec::new(),
                group: d.group,
                span: d.span,
            }
        })
        .collect();
    crate::finding::sort(&mut findings);
    findings.dedup();
    findings
}
