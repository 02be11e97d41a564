//! `redlint`: lint, fix and generate Redis 7.0 deployments. A thin shell over redlint-core.

mod disk;
mod host;
mod mapping;
mod render;
mod walk;
mod write;

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
    /// Apply fixes in place (`--diff` prints them instead).
    Fix(FixArgs),
    /// Write a complete, hardened deployment sized for a host.
    Generate(GenerateArgs),
    /// Offline ACL questions about the users a file defines.
    #[command(subcommand)]
    Acl(AclCommand),
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
    #[arg(long, value_enum, default_value = "info", ignore_case = true)]
    fail_on: SeverityArg,
}

/// `--fail-on`: the lowest severity that fails the run.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SeverityArg {
    /// Only errors fail the run.
    Error,
    /// Errors and warnings.
    #[value(alias = "warn")]
    Warning,
    /// Every finding (the default).
    Info,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Error => Severity::Error,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// `--kind`: every kind of file the core reads.
#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    /// redis.conf and the files it includes.
    Redis,
    /// sentinel.conf.
    Sentinel,
    /// An ACL file (`aclfile`).
    Acl,
    /// /etc/sysctl.conf and sysctl.d files.
    Sysctl,
    /// systemd units and drop-ins (`LimitNOFILE=`, THP units).
    Systemd,
    /// /etc/security/limits.conf and limits.d files.
    Limits,
    /// Helm values for Bitnami's redis chart.
    Helm,
    /// Docker Compose files.
    Compose,
}

impl KindArg {
    fn kind(self) -> Kind {
        match self {
            KindArg::Redis => Kind::Redis,
            KindArg::Sentinel => Kind::Sentinel,
            KindArg::Acl => Kind::Acl,
            KindArg::Sysctl => Kind::Sysctl,
            KindArg::Systemd => Kind::Systemd,
            KindArg::Limits => Kind::Limits,
            KindArg::Helm => Kind::Helm,
            KindArg::Compose => Kind::Compose,
        }
    }
}

#[derive(Subcommand)]
enum AclCommand {
    /// Answer as Redis 7.0's `ACL DRYRUN USER COMMAND ARG...` would for the users in FILE
    /// (an ACL file, or a redis.conf: its `user` lines, or the file its `aclfile` names).
    /// Prints OK and exits 0, or prints the denial Redis gives and exits 1; an unknown user
    /// or command exits 2. Lines Redis refuses are left out and listed on stderr.
    Dryrun {
        /// An ACL file, or a redis.conf.
        file: PathBuf,
        user: String,
        command: String,
        args: Vec<String>,
        /// What FILE is (default: detected from its name and content).
        #[arg(long, value_enum)]
        kind: Option<DryrunKind>,
        /// DIR stands for the target host's `/`: an absolute `aclfile` resolves under it.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
}

#[derive(Args)]
struct FixArgs {
    /// Files and directories to fix.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    lint: LintArgs,
    /// Also apply fixes that may change behaviour (e.g. hashing plain ACL passwords).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of the fixes and write nothing (exit 1 when there is a diff).
    /// Without --show-secrets, hunks that show a secret or a control character are left out
    /// (the rest still applies with `git apply` / `patch`).
    #[arg(long)]
    diff: bool,
    /// With --diff: also write the complete diff, secrets included, to FILE (mode 0600).
    #[arg(long, value_name = "FILE", requires = "diff")]
    diff_output: Option<PathBuf>,
    /// Format of the findings left after fixing.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Args)]
struct GenerateArgs {
    /// Directory to write the deployment into, laid out as a host root.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A TOML profile with the same settings (flags override it).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Memory of the target host or container with its unit, e.g. 8GiB, 512MiB.
    #[arg(long, value_name = "SIZE", value_parser = host::parse_size)]
    host_memory: Option<u64>,
    /// CPUs of the target host or container (at least 1).
    #[arg(long, value_name = "N", value_parser = host::parse_at_least_one::<u32>)]
    host_cpus: Option<u32>,
    /// `detect`: size for this machine (cgroup limits first).
    #[arg(long, value_name = "detect", value_parser = ["detect"])]
    host: Option<String>,
    /// Open-files limit for the systemd drop-in (`LimitNOFILE`, at least 1; default 65536).
    #[arg(long, value_name = "N", value_parser = host::parse_at_least_one::<u64>)]
    nofile: Option<u64>,
    /// What the data is, which decides persistence and eviction (default: cache).
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// How many servers and who fails over (default: standalone).
    #[arg(long, value_enum)]
    topology: Option<TopologyArg>,
    /// Replicas of the master, on the next ports (replicated and sentinel topologies only;
    /// default 2).
    #[arg(long, value_name = "N")]
    replicas: Option<u32>,
    /// Sentinels watching the master (sentinel topology only; at least 3, default 3: a
    /// failover needs a majority of them, so two cannot fail over when one is down).
    #[arg(long, value_name = "N")]
    sentinels: Option<u32>,
    /// Addresses to listen on (the server's own IPs).
    #[arg(long, value_name = "ADDR", num_args = 1..)]
    bind: Vec<String>,
    /// Port of the master; replicas take the next ones (default 6379).
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// Port of the first Sentinel; the others take the next ones (default 26379).
    #[arg(long, value_name = "PORT")]
    sentinel_port: Option<u16>,
    /// Serve TLS only (certificates expected under /etc/redis/tls/).
    #[arg(long)]
    tls: bool,
    /// How the target's redis-server was built (distro packages lack active defrag).
    #[arg(long, value_enum)]
    redis_build: Option<BuildArg>,
    /// Replace files that already exist in DIR.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    /// Data can be rebuilt: evicts under memory pressure, no persistence.
    Cache,
    /// The source of truth: RDB + AOF, never evicts.
    Store,
    /// Jobs and streams: AOF every second, never evicts.
    Queue,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TopologyArg {
    /// One server.
    Standalone,
    /// A master and its replicas on this host.
    Replicated,
    /// Replicated, plus Sentinels that fail over.
    Sentinel,
}

/// `acl dryrun --kind`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DryrunKind {
    /// An ACL file.
    Acl,
    /// A redis.conf (its `user` lines, or its `aclfile`).
    Redis,
    /// A sentinel.conf (its `user` lines).
    Sentinel,
}

#[derive(Args)]
struct LintArgs {
    /// DIR stands for the target host's `/`: absolute paths inside configs resolve under it.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The host directory HOST lives in DIR of the checked tree (e.g. /etc/redis=deploy/redis;
    /// DIR relative to the current directory). Repeatable; the longest HOST prefix wins; adds
    /// to redlint.toml's `[paths]`.
    #[arg(long = "map", value_name = "HOST=DIR", value_parser = mapping::parse_flag)]
    map: Vec<(String, PathBuf)>,
    /// Force the kind of every PATH instead of detecting it from name and content.
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Memory of the target host or container with its unit, e.g. 8GiB, 512MiB.
    #[arg(long, value_name = "SIZE", value_parser = host::parse_size)]
    host_memory: Option<u64>,
    /// CPUs of the target host or container (at least 1).
    #[arg(long, value_name = "N", value_parser = host::parse_at_least_one::<u32>)]
    host_cpus: Option<u32>,
    /// Open-files limit redis-server gets on the target host (`ulimit -n`, `LimitNOFILE=`).
    #[arg(long, value_name = "N", value_parser = host::parse_at_least_one::<u64>)]
    host_nofile: Option<u64>,
    /// `detect`: read memory, CPUs (cgroup limits first) and the fd limit of this machine.
    #[arg(long, value_name = "detect", value_parser = ["detect"])]
    host: Option<String>,
    /// How the target's redis-server was built (distro packages lack active defrag).
    #[arg(long, value_enum, default_value = "distro")]
    redis_build: BuildArg,
    /// This machine is the target host: also check host state (directories, log files,
    /// sockets, TLS files, scripts, permissions). Off by default: a laptop, CI runner or
    /// browser is not where Redis runs.
    #[arg(long)]
    on_host: bool,
    /// With --on-host: the user redis-server runs as, for the permission checks (default:
    /// `User=` of the deployment's systemd unit, else `redis` when the host has that user).
    #[arg(long, value_name = "USER")]
    run_as: Option<String>,
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
    /// List each file a directory walk skipped, and why (otherwise one line says how many).
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BuildArg {
    Distro,
    Official,
}

/// What `check` and `fix` both start from.
struct Prepared {
    /// Each given file, with where it lives on this machine.
    inputs: Vec<(redlint_core::Input, PathBuf)>,
    /// What the walk skipped, said before the report's own notices.
    notices: Vec<redlint_core::Notice>,
    options: Options,
    fs: disk::DiskFs,
}

impl LintArgs {
    /// Validate `--root`, walk the PATHs (default `.`), and settle the options.
    fn prepare(&self, paths: &[PathBuf]) -> Result<Prepared, String> {
        if let Some(root) = &self.root {
            if !root.is_dir() {
                return Err(format!("--root {}: not a directory", root.display()));
            }
        }
        self.check_run_as()?;
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &default[..]
        } else {
            paths
        };
        let (config, config_path) = self.config(&paths[0])?;
        let map = self.mapping(&config, config_path.as_deref())?;
        let walker = walk::Walker {
            root: self.root.as_deref(),
            kind: self.kind.map(KindArg::kind),
            map: &map,
        };
        let walked = walker.inputs(paths).map_err(|e| e.0)?;
        if let Some(message) = walked.nothing_to_check() {
            if self.verbose {
                eprint!("{}", render::notices(&walked.notices(true)));
            }
            return Err(message);
        }
        let notices = walked.notices(self.verbose);
        let options = self.options(config);
        let fs = disk::DiskFs::new(self.root.as_deref(), map, self.on_host, checked_tree(paths));
        Ok(Prepared {
            inputs: walked.inputs,
            notices,
            options,
            fs,
        })
    }

    /// `--run-as` names a user of the target host (its `/etc/passwd`, under `--root`), and
    /// only means something on the target host: a typo must not silently turn the permission
    /// checks off.
    fn check_run_as(&self) -> Result<(), String> {
        let Some(name) = &self.run_as else {
            return Ok(());
        };
        if !self.on_host {
            return Err(format!(
                "--run-as {name}: permissions are judged only on the target host; add --on-host"
            ));
        }
        let fs = disk::DiskFs::new(
            self.root.as_deref(),
            mapping::PathMap::default(),
            true,
            Vec::new(),
        );
        let passwd = redlint_core::fs::FileSystem::read(&fs, "/etc/passwd").ok();
        let text = passwd.as_deref().map(String::from_utf8_lossy);
        if redlint_core::check::host::user(name, text.as_deref(), None).is_none() {
            return Err(format!(
                "--run-as {name}: no such user in the target host's /etc/passwd"
            ));
        }
        Ok(())
    }

    /// The path mapping: redlint.toml's `[paths]` (relative to the file), then `--map`
    /// (relative to the current directory). Any bad entry stops the run.
    fn mapping(
        &self,
        config: &Config,
        config_path: Option<&Path>,
    ) -> Result<mapping::PathMap, String> {
        let mut map = mapping::PathMap::default();
        if let Some(file) = config_path {
            let base = file.parent().unwrap_or(Path::new("."));
            let origin = format!("{}: [paths]", file.display());
            for (host, dir) in &config.paths {
                map.add(host, &base.join(dir), &origin)?;
            }
        }
        for (host, dir) in &self.map {
            map.add(host, dir, &format!("--map {host}={}", dir.display()))?;
        }
        Ok(map)
    }

    /// The settings file (given, or found upward from `start`) with the flags layered on top,
    /// and where it was found.
    fn config(&self, start: &Path) -> Result<(Config, Option<PathBuf>), String> {
        let path = match &self.config {
            Some(p) => Some(p.clone()),
            None => find_config(start),
        };
        let mut config = match &path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Config::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        config.select_over(self.select.clone(), self.ignore.clone())?;
        Ok((config, path))
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
        if let Some(n) = self.host_nofile {
            host.nofile = Some(n);
        }
        Options {
            show_secrets: self.show_secrets,
            on_host: self.on_host,
            run_as: self.run_as.clone(),
            host,
            redis_build: match self.redis_build {
                BuildArg::Distro => RedisBuild::Distro,
                BuildArg::Official => RedisBuild::Official,
            },
            config,
            ungrouped: false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Fix(args) => fix(args),
        Command::Generate(args) => generate(args),
        Command::Acl(AclCommand::Dryrun {
            file,
            user,
            command,
            args,
            kind,
            root,
        }) => acl_dryrun(&file, &user, &command, &args, kind, root.as_deref()),
        Command::Rule { code } => rule(code.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("redlint: {}", redlint_core::redact::escape_line(&message));
            ExitCode::from(2)
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let Prepared {
        inputs,
        notices,
        options,
        fs,
    } = args.lint.prepare(&args.paths)?;
    let inputs = inputs.into_iter().map(|(input, _)| input).collect();
    let mut report = redlint_core::check(inputs, &fs, &options);
    refuse_over_limits(&report)?;
    report.notices.splice(0..0, notices);
    let (format, color) = output_format(args.format);
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
        eprintln!("{}", render::summary_line(&report));
        eprint!("{}", render::notices(&report.notices));
    }
    let fail_on = args.fail_on.severity();
    let failing = report.findings.iter().any(|f| f.severity >= fail_on);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A run that hit one of the core's caps (`limits`) did not check everything: say which
/// caps, and stop with exit 2 rather than report (or fix) a part as if it were the whole.
fn refuse_over_limits(report: &redlint_core::Report) -> Result<(), String> {
    let over: Vec<&redlint_core::Notice> = report
        .notices
        .iter()
        .filter(|n| n.kind == redlint_core::limits::NOTICE_KIND)
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    for n in &over {
        eprintln!(
            "redlint: limit exceeded: {}",
            redlint_core::redact::escape_line(&n.message)
        );
    }
    Err(format!(
        "{} limit{} exceeded, the input was not fully checked (the limits are listed in docs/CLI.md, \"Limits\")",
        over.len(),
        if over.len() == 1 { "" } else { "s" }
    ))
}

/// The format asked for, else full on a terminal and concise otherwise; colour only on a
/// terminal without `NO_COLOR`.
fn output_format(asked: Option<Format>) -> (Format, bool) {
    let terminal = std::io::stdout().is_terminal();
    let format = asked.unwrap_or(if terminal {
        Format::Full
    } else {
        Format::Concise
    });
    (format, terminal && std::env::var_os("NO_COLOR").is_none())
}

fn fix(args: FixArgs) -> Result<ExitCode, String> {
    let Prepared {
        inputs,
        notices,
        options,
        fs,
    } = args.lint.prepare(&args.paths)?;
    // Where each given file lives on this machine, by reported path.
    let real_paths: std::collections::HashMap<String, PathBuf> = inputs
        .iter()
        .map(|(input, real)| (input.path.clone(), real.clone()))
        .collect();
    let inputs = inputs.into_iter().map(|(input, _)| input).collect();
    let mut outcome = redlint_core::fix::fix(inputs, &fs, &options, args.unsafe_fixes);
    refuse_over_limits(&outcome.report)?;
    outcome.report.notices.splice(0..0, notices);
    if args.diff {
        let redactor = redlint_core::redact::Redactor::new(&outcome.report.workspace);
        let diff =
            redlint_core::redact::diff::unified(&outcome.files, &redactor, options.show_secrets);
        if let Some(path) = &args.diff_output {
            write_private(path, diff.full.as_bytes())?;
            eprintln!(
                "The complete diff, secrets included, is in {} (mode 0600).",
                redlint_core::redact::escape_line(&path.display().to_string())
            );
        }
        print!("{}", diff.shown);
        // The diff first, then what it leaves out, even when both go to one terminal.
        let _ = std::io::stdout().flush();
        if diff.withheld_hunks > 0 {
            eprintln!(
                "{} hunk{} in {} file{} not shown: {} a secret or a control character. {}",
                diff.withheld_hunks,
                if diff.withheld_hunks == 1 { "" } else { "s" },
                diff.withheld_files,
                if diff.withheld_files == 1 { "" } else { "s" },
                if diff.withheld_hunks == 1 {
                    "it shows"
                } else {
                    "they show"
                },
                if args.diff_output.is_some() {
                    "They are in the complete diff."
                } else {
                    "Add --show-secrets to print them, or --diff-output FILE to write the complete diff to a file only you can read."
                }
            );
        }
        eprintln!(
            "{} fix{} would change {} file{}.",
            outcome.applied,
            if outcome.applied == 1 { "" } else { "es" },
            outcome.files.len(),
            if outcome.files.len() == 1 { "" } else { "s" }
        );
        eprint!("{}", render::notices(&outcome.report.notices));
        return Ok(if outcome.files.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    // The core plans the writes; the CLI only finds each file on this machine.
    let mut writes = Vec::new();
    for w in outcome.write_plan() {
        let real = real_paths
            .get(&w.path)
            .cloned()
            .or_else(|| w.host_path.as_ref().and_then(|h| fs.real(h).ok()))
            .ok_or_else(|| format!("{}: cannot tell where this file lives", w.path))?;
        writes.push(write::Write {
            target: real,
            bytes: w.bytes,
            new_file_mode: w.new_file_mode,
            original: (!w.created).then_some(w.original),
        });
    }
    write::write_all_atomically(&writes)?;
    let (format, color) = output_format(args.format);
    print!(
        "{}",
        render::render(&outcome.report, format, options.show_secrets, color)
    );
    eprintln!(
        "Fixed {} problem{} in {} file{}; {} remaining.",
        outcome.applied,
        if outcome.applied == 1 { "" } else { "s" },
        outcome.files.len(),
        if outcome.files.len() == 1 { "" } else { "s" },
        outcome.report.findings.len()
    );
    if format != Format::Json {
        eprint!("{}", render::notices(&outcome.report.notices));
    }
    Ok(if outcome.report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Write `bytes` to `path` readable by its owner only (0600), even if the file existed.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    // An existing file keeps its mode on open: narrow it before writing the secrets.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(err)?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(err)
}

fn generate(args: GenerateArgs) -> Result<ExitCode, String> {
    use redlint_core::generate::{self, MissingHostFact, Overrides, Role, Spec, Topology};
    let detected = args.host.as_ref().map(|_| host::detect());
    let overrides = Overrides {
        host_memory: args.host_memory.or(detected.and_then(|d| d.memory)),
        host_cpus: args.host_cpus.or(detected.and_then(|d| d.cpus)),
        // A profile's `nofile` is kept unless the flag says otherwise: this machine's limit
        // is only a default.
        nofile: args.nofile.or(detected
            .and_then(|d| d.nofile)
            .filter(|_| args.profile.is_none())),
        role: args.role.map(|r| match r {
            RoleArg::Cache => Role::Cache,
            RoleArg::Store => Role::Store,
            RoleArg::Queue => Role::Queue,
        }),
        topology: args.topology.map(|t| match t {
            TopologyArg::Standalone => Topology::Standalone,
            TopologyArg::Replicated => Topology::Replicated,
            TopologyArg::Sentinel => Topology::Sentinel,
        }),
        replicas: args.replicas,
        sentinels: args.sentinels,
        bind: args.bind.clone(),
        port: args.port,
        sentinel_port: args.sentinel_port,
        tls: args.tls,
        redis_build: args.redis_build.map(|b| match b {
            BuildArg::Distro => RedisBuild::Distro,
            BuildArg::Official => RedisBuild::Official,
        }),
    };
    let spec = match &args.profile {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Spec::from_profile(&text, &overrides).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Spec::from_overrides(&overrides).map_err(|missing| match missing {
            MissingHostFact::Memory => "give --host-memory SIZE (or --host detect, or a --profile)",
            MissingHostFact::Cpus => "give --host-cpus N (or --host detect, or a --profile)",
        })?,
    };
    let mut failure = None;
    let mut random = |buf: &mut [u8]| {
        if let Err(e) = getrandom::fill(buf) {
            failure = Some(e.to_string());
        }
    };
    let files = generate::generate(&spec, &mut random)?;
    if let Some(e) = failure {
        return Err(format!(
            "the operating system's random number generator failed: {e}"
        ));
    }
    write_tree(&args.out, &files, args.force)?;
    for f in &files {
        println!("{}", args.out.join(&f.path).display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Write generated files under `out` with their modes; existing files only with `force`.
fn write_tree(
    out: &Path,
    files: &[redlint_core::generate::GeneratedFile],
    force: bool,
) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if !force {
        if let Some(f) = files.iter().find(|f| out.join(&f.path).exists()) {
            return Err(format!(
                "{} exists; use --force to replace the generated files",
                out.join(&f.path).display()
            ));
        }
    }
    for f in files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        // Created with its final mode, so a secret is never readable by others, not even briefly.
        let tmp = path.with_extension("redlint-tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(f.mode)
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        file.write_all(f.contents.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(f.mode))
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn acl_dryrun(
    file: &Path,
    user: &str,
    command: &str,
    args: &[String],
    kind: Option<DryrunKind>,
    root: Option<&Path>,
) -> Result<ExitCode, String> {
    use redlint_core::acl::{self, DryRun};
    if let Some(r) = root.filter(|r| !r.is_dir()) {
        return Err(format!("--root {}: not a directory", r.display()));
    }
    let bytes = disk::read_bounded(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let kind = match kind {
        Some(DryrunKind::Acl) => acl::Kind::Acl,
        Some(DryrunKind::Redis | DryrunKind::Sentinel) => acl::Kind::Redis,
        None => match redlint_core::model::kind::detect(&file.to_string_lossy(), &bytes) {
            Some(Kind::Redis | Kind::Sentinel) => acl::Kind::Redis,
            _ => acl::Kind::Acl,
        },
    };
    // A redis.conf with `aclfile`: its users are in that file.
    let (file, bytes, kind) = match (kind, acl::conf_aclfile(&bytes)) {
        (acl::Kind::Redis, Some((line, aclfile))) => {
            let path = aclfile_on_disk(file, &aclfile, root);
            eprintln!(
                "note: {}:{line}: users come from `aclfile {aclfile}`: reading {}",
                file.display(),
                path.display()
            );
            let bytes = disk::read_bounded(&path).map_err(|e| {
                format!(
                    "{} (the aclfile of {}): {e}",
                    path.display(),
                    file.display()
                )
            })?;
            (path, bytes, acl::Kind::Acl)
        }
        (kind, _) => (file.to_path_buf(), bytes, kind),
    };
    if kind == acl::Kind::Acl {
        if let Some(why) = redlint_core::limits::acl_refusal(&bytes) {
            return Err(format!("limit exceeded: {} {why}", file.display()));
        }
    }
    let mut argv: Vec<&[u8]> = vec![command.as_bytes()];
    argv.extend(args.iter().map(|a| a.as_bytes()));
    // Answers quote the file's words: masked and escaped like every other output.
    let redactor = redlint_core::redact::Redactor::for_bytes(
        if kind == redlint_core::acl::Kind::Acl {
            Kind::Acl
        } else {
            Kind::Redis
        },
        &bytes,
    );
    let safe = |text: &str| redlint_core::redact::escape_line(&redactor.scrub(text));
    let result = acl::dryrun_file(&bytes, kind, user, &argv)
        .map_err(|e| format!("{}: {}", safe(&file.display().to_string()), safe(&e)))?;
    if !result.refused.is_empty() {
        for (line, why) in &result.refused {
            eprintln!(
                "note: {}:{line}: left out: {}",
                safe(&file.display().to_string()),
                safe(why)
            );
        }
        eprintln!(
            "note: redis-server refuses this file as it is ({} line{} above); the answer is for the users of the other lines",
            result.refused.len(),
            if result.refused.len() == 1 { "" } else { "s" }
        );
    }
    match result.answer {
        DryRun::Ok => {
            println!("OK");
            Ok(ExitCode::SUCCESS)
        }
        DryRun::Denied(text) => {
            println!("{}", safe(&text));
            Ok(ExitCode::from(1))
        }
        DryRun::Error(text) => Err(safe(&text)),
    }
}

/// Where an `aclfile` lives on this machine: an absolute path under `--root` (or as is), a
/// relative one next to the redis.conf naming it (redis-server itself resolves it from its
/// working directory, which a checked-out tree does not have).
fn aclfile_on_disk(conf: &Path, aclfile: &str, root: Option<&Path>) -> PathBuf {
    if aclfile.starts_with('/') {
        return match root {
            Some(r) => r.join(aclfile.trim_start_matches('/')),
            None => PathBuf::from(aclfile),
        };
    }
    conf.parent().unwrap_or(Path::new(".")).join(aclfile)
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
                // Host checks are marked: they run only with `--on-host`.
                let line = format!(
                    "{}  {:<36} {:<13} {:<7}{}",
                    r.code,
                    r.name,
                    r.category.as_str(),
                    r.severity.as_str(),
                    if r.host_check { "  host check" } else { "" }
                );
                println!("{}", line.trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// This machine's directories the user named: each PATH that is a directory, and the directory
/// of each PATH that is a file (its relative includes and siblings). Off-host without `--root`,
/// only these (and mapped directories) are read; canonical, as host paths are.
fn checked_tree(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter_map(|p| {
            let abs = p.canonicalize().ok()?;
            let dir = if abs.is_dir() {
                abs
            } else {
                abs.parent()?.to_path_buf()
            };
            Some(dir.to_string_lossy().into_owned())
        })
        .collect()
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
