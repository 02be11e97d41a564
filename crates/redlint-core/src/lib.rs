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
pub mod model;
pub mod rules;
pub mod security;
pub mod sizing;
pub mod source;
pub mod syntax;

pub use finding::{Finding, Severity, Summary};
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
    pub host: HostFacts,
    pub redis_build: RedisBuild,
    /// Rule selection, severities and suppressions.
    pub config: config::Config,
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
}

impl Report {
    pub fn summary(&self) -> Summary {
        Summary::of(self.files, &self.findings)
    }
}

/// Check a deployment: the given files plus everything they reference through `fs`.
pub fn check(inputs: Vec<Input>, fs: &dyn fs::FileSystem, options: &Options) -> Report {
    let mut ws = model::Workspace::new();
    for input in inputs {
        ws.add(
            input.path,
            input.host_path,
            input.bytes,
            input.kind,
            model::Origin::Given,
        );
    }
    let (deployment, mut diags) = model::Deployment::build(&mut ws, fs, options.host);
    let ctx = check::Context {
        ws: &ws,
        deployment: &deployment,
        options,
        fs,
    };
    diags.extend(check::run(&ctx));
    let findings = check::resolve(&ws, diags, options);
    let findings = options.config.apply(&ws, findings);
    let files = ws.files.len();
    Report {
        findings,
        workspace: ws,
        files,
    }
}
