//! redlint's engine: parse, model, lint, fix and generate Redis 7.0 deployments.
//!
//! The core does no I/O of its own: files come in as bytes, and references between files
//! (`include`, `aclfile`, sysctl.d, scripts) are followed through the [`fs::FileSystem`]
//! trait, so the CLI, a `--root` tree and the browser build run the very same engine.

pub mod acl;
pub mod check;
pub mod config;
pub mod finding;
pub mod fix;
pub mod fs;
pub mod generate;
pub mod knowledge;
pub mod limits;
pub mod model;
pub mod redact;
pub mod rules;
pub mod security;
pub mod sizing;
pub mod source;
pub mod syntax;

pub use finding::{Finding, Notice, Severity, Summary};
pub use model::{HostFacts, Kind};

/// How the checked deployment's Redis was built; some settings depend on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedisBuild {
    /// Debian/Ubuntu packages: system jemalloc, no active defrag.
    #[default]
    Distro,
    /// Redis' own build or the official image: bundled jemalloc.
    Official,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub show_secrets: bool,
    /// redlint runs on the target host (`--on-host`): host state (directories, log files,
    /// sockets, TLS files, scripts, owners and modes, name resolution) is checked. Off by
    /// default: a laptop, a CI runner or a browser is not where Redis runs.
    pub on_host: bool,
    /// The user redis-server runs as on the target host (`--run-as`), for the permission
    /// checks; `None`: found from the deployment (systemd `User=`, else `redis` when the
    /// host's `/etc/passwd` has it). See `check::host::run_as`.
    pub run_as: Option<String>,
    pub host: HostFacts,
    pub redis_build: RedisBuild,
    /// Rule selection, severities and suppressions.
    pub config: config::Config,
    /// Every rule's finding on its own, without folding one problem's findings into one
    /// (see [`finding::group`]): for tests and tools that judge rules one by one.
    pub ungrouped: bool,
    /// Who prices passwords for RL401 weak-password: by default the built-in zxcvbn judge
    /// (feature `zxcvbn`); the browser build passes one that answers once its second module
    /// is loaded. A password it cannot price yet is counted in a `strength-pending` notice.
    pub strength: security::strength::Judge,
}

/// One file to check, as the caller found it.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path for display.
    pub path: String,
    /// Absolute path on the target host, when known (enables dedup with referenced files).
    pub host_path: Option<String>,
    pub bytes: Vec<u8>,
    pub kind: Kind,
}

/// The outcome of a check: findings in stable order, and the files they point into.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub workspace: model::Workspace,
    /// Number of files checked (given and referenced).
    pub files: usize,
    /// What the run could not do, said once each (not findings): host checks not run
    /// off-host, referenced configs that are neither in the tree nor mapped.
    pub notices: Vec<Notice>,
    /// Host checks not run because redlint does not run on the target host.
    pub host_checks_not_run: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::of(self.files, &self.findings);
        s.host_checks_not_run = self.host_checks_not_run;
        s
    }
}

/// One `reference-not-checked` notice per path, at its first referencing line (by file and
/// line, so the order does not depend on which server was loaded first).
fn reference_notices(ws: &model::Workspace, refs: &[model::NotChecked]) -> Vec<Notice> {
    let mut located: Vec<(&str, u32, &str, Option<&str>)> = refs
        .iter()
        .map(|r| {
            let source = &ws.file(r.file).source;
            let line = source.position(r.span.start).line;
            (
                source.path.as_str(),
                line,
                r.path.as_str(),
                r.container.as_deref(),
            )
        })
        .collect();
    located.sort();
    let mut seen = std::collections::HashSet::new();
    located
        .into_iter()
        .filter(|(_, _, path, service)| seen.insert((*path, *service)))
        .map(|(file, line, path, service)| {
            Notice::reference_not_checked(path, service, file.to_string(), line)
        })
        .collect()
}

/// Check a deployment: the given files plus everything they reference through `fs`.
pub fn check(inputs: Vec<Input>, fs: &dyn fs::FileSystem, options: &Options) -> Report {
    let mut ws = model::Workspace::new();
    ws.add_given(inputs);
    let (deployment, mut diags) = model::Deployment::build(&mut ws, fs, options.host);
    let ctx = check::Context::new(&ws, &deployment, options, fs);
    diags.extend(check::run(&ctx));
    let host_checks_not_run = ctx.host_checks_not_run();
    let strength_pending = ctx.strength_pending();
    let findings = check::resolve(&ws, diags, options);
    let findings = options.config.apply(&ws, findings);
    let mut findings = if options.ungrouped {
        findings
    } else {
        finding::group(findings)
    };
    let files = ws.files.len();
    let mut notices = Vec::new();
    if host_checks_not_run > 0 {
        notices.push(Notice::host_checks_not_run(host_checks_not_run));
    }
    if strength_pending > 0 {
        notices.push(Notice::strength_pending(strength_pending));
    }
    notices.extend(reference_notices(&ws, &deployment.not_checked));
    notices.extend(ws.limits.iter().map(|m| Notice::limit_exceeded(m.clone())));
    if !options.show_secrets {
        // The last word on secrets, whatever a check copied into its text.
        let redactor = redact::Redactor::new(&ws);
        findings.iter_mut().for_each(|f| redactor.finding(f));
        notices.iter_mut().for_each(|n| redactor.notice(n));
    }
    Report {
        findings,
        workspace: ws,
        files,
        notices,
        host_checks_not_run,
    }
}
