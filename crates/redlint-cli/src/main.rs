//! `redlint`: lint, fix and generate Redis 7.0 deployments. A thin shell over redlint-core.

mod disk;
mod host;
mod render;
mod walk;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use redlint_core::config::Config;
use redlint_core::{HostFacts, Kind, Options, RedisBuild, Severity};

use crate::render::Format;

#[derive(Parser)]
#[command(
    name = "redlint",
    version,
    about = "Find what is wrong in a Redis 7.0 deployment's configuration"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and directories (default `.`).
    Check(CheckArgs),
    /// Print one rule's documentation, or list every rule.
    Rule {
        /// A rule code (RL001) or name (unknown-directive).
        code: Option<String>,
    },
}

#[derive(Args)]
struct CheckArgs {
    /// Files and directories to check.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    lint: LintArgs,
    /// Output format (default: full on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, default_value = "info", value_parser = parse_severity)]
    fail_on: Severity,
}

#[derive(Args)]
struct LintArgs {
    /// DIR stands for the target host's `/`: absolute paths inside configs resolve under it.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Force the kind of every PATH instead of detecting it.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<Kind>,
    /// Memory of the target host or container, e.g. 8GiB, 512MiB.
    #[arg(long, value_name = "SIZE", value_parser = host::parse_size)]
    host_memory: Option<u64>,
    /// CPUs of the target host or container.
    #[arg(long, value_name = "N")]
    host_cpus: Option<u32>,
    /// `detect`: read memory, CPUs (cgroup limits first) and the fd limit of this machine.
    #[arg(long, value_name = "detect", value_parser = ["detect"])]
    host: Option<String>,
    /// How the target's redis-server was built (distro packages lack active defrag).
    #[arg(long, value_enum, default_value = "distro")]
    redis_build: BuildArg,
    /// Show passwords, hashes and other secrets instead of `***`.
    #[arg(long)]
    show_secrets: bool,
    /// Settings file (default: the nearest `redlint.toml` upward from the first PATH).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Only these rules: codes, prefixes (RL3), names, categories or ALL (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (same forms as --select).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BuildArg {
    Distro,
    Official,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    match Kind::parse(s) {
        Some(k @ (Kind::Redis | Kind::Sentinel | Kind::Acl | Kind::Sysctl)) => Ok(k),
        _ => Err(format!(
            "`{s}` is not a kind: use redis, sentinel, acl or sysctl"
        )),
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("`{s}` is not a severity: use error, warning or info"))
}

impl LintArgs {
    /// The settings file (given, or found upward from `start`) with the flags layered on top.
    fn config(&self, start: &Path) -> Result<Config, String> {
        let path = match &self.config {
            Some(p) => Some(p.clone()),
            None => find_config(start),
        };
        let mut config = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                Config::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        let flags = Config {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            ..Config::default()
        };
        flags.validate()?;
        config.merge(flags);
        Ok(config)
    }

    fn options(&self, config: Config) -> Options {
        let mut host = if self.host.is_some() {
            host::detect()
        } else {
            HostFacts::default()
        };
        if let Some(m) = self.host_memory {
            host.memory = Some(m);
        }
        if let Some(c) = self.host_cpus {
            host.cpus = Some(c);
        }
        Options {
            show_secrets: self.show_secrets,
            host,
            redis_build: match self.redis_build {
                BuildArg::Distro => RedisBuild::Distro,
                BuildArg::Official => RedisBuild::Official,
            },
            config,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rule { code } => rule(code.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("redlint: {message}");
            ExitCode::from(2)
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    if let Some(root) = &args.lint.root {
        if !root.is_dir() {
            return Err(format!("--root {}: not a directory", root.display()));
        }
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let walker = walk::Walker {
        root: args.lint.root.as_deref(),
        kind: args.lint.kind,
    };
    let inputs = walker.inputs(&paths).map_err(|e| e.0)?;
    let config = args.lint.config(&paths[0])?;
    let options = args.lint.options(config);
    let fs = disk::DiskFs::new(args.lint.root.as_deref());
    let report = redlint_core::check(inputs, &fs, &options);
    let terminal = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if terminal {
        Format::Full
    } else {
        Format::Concise
    });
    let color = terminal && std::env::var_os("NO_COLOR").is_none();
    let text = render::render(&report, format, options.show_secrets, color);
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        // A closed pipe (`| head`) is not an error worth a trace.
        return Ok(ExitCode::from(2));
    }
    if format != Format::Json {
        eprintln!(
            "{}",
            render::summary_line(&report.summary(), &report.findings)
        );
    }
    let failing = report.findings.iter().any(|f| f.severity >= args.fail_on);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn rule(code: Option<&str>) -> Result<ExitCode, String> {
    match code {
        Some(code) => {
            let rule = redlint_core::rules::find(code)
                .ok_or_else(|| format!("no rule `{code}`; `redlint rule` lists them"))?;
            println!("{}", rule.doc_body().trim_end());
        }
        None => {
            for r in redlint_core::rules::ALL {
                println!(
                    "{}  {:<36} {:<13} {}",
                    r.code,
                    r.name,
                    r.category.as_str(),
                    r.severity.as_str()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The nearest `redlint.toml` in `start` (or its directory) and its ancestors.
fn find_config(start: &Path) -> Option<PathBuf> {
    let abs = start.canonicalize().ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join("redlint.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}
