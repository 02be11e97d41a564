//! `redlint`: lint, fix and generate Redis 7.0 deployments. A thin shell over redlint-core.

mod baseline;
mod ci;
mod host;
mod output;
mod render;
mod walk;
mod write;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use redlint_core::config::Config;
use redlint_core::{HostFacts, Kind, Options, RedisBuild, Severity};
use redlint_disk::{disk, find_config, mapping};

use crate::output::OutputArgs;
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
    /// Print a shell completion script (e.g. `redlint completions bash > /etc/bash_completion.d/redlint`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `redlint man > redlint.1`.
    Man,
    /// Run the language server over stdin/stdout (for editors; see docs/CLI.md).
    Server,
}

#[derive(Args)]
struct CheckArgs {
    /// Files and directories to check.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    lint: LintArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "info", ignore_case = true)]
    fail_on: SeverityArg,
    /// Exit 0 even when there are findings (errors still exit 2).
    #[arg(long)]
    exit_zero: bool,
    /// Print how many findings each rule has instead of the findings (JSON with --format json).
    #[arg(long)]
    statistics: bool,
    /// Record today's findings by fingerprint in FILE (JSON), to pass to --baseline later.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Report only findings FILE (written by --write-baseline) does not record; a finding
    /// whose line moved is still recognised.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
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
    /// How the findings left after fixing are shown.
    #[command(flatten)]
    output: OutputArgs,
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
    /// Read the file from standard input as if it were PATH (kind from its name, includes
    /// relative to it); `-` as a PATH reads standard input too.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
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
    /// The input read from standard input: its reported path and its text.
    stdin: Option<(String, Vec<u8>)>,
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
        let reads_stdin =
            self.stdin_filename.is_some() || paths.iter().any(|p| p.as_os_str() == "-");
        let files: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect();
        // Standard input stands in its file's directory: settings, includes and the checked
        // tree are found from there.
        let stdin_dir = self.stdin_filename.as_ref().map(|p| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        });
        let paths: Vec<PathBuf> = match (&stdin_dir, files.is_empty()) {
            (_, false) => files.clone(),
            (Some(dir), true) => vec![dir.clone()],
            (None, true) => vec![PathBuf::from(".")],
        };
        let paths = &paths[..];
        let (config, config_path) = self.config(&paths[0])?;
        let map = self.mapping(&config, config_path.as_deref())?;
        let walker = walk::Walker {
            root: self.root.as_deref(),
            kind: self.kind.map(KindArg::kind),
            map: &map,
        };
        let walk_paths = if files.is_empty() && reads_stdin {
            &[][..]
        } else {
            paths
        };
        let mut walked = walker.inputs(walk_paths).map_err(|e| e.0)?;
        let mut stdin = None;
        if reads_stdin {
            let bytes = disk::read_stdin()?;
            let (input, real) = walker.stdin(self.stdin_filename.as_deref(), bytes);
            stdin = Some((input.path.clone(), input.bytes.clone()));
            walked.inputs.push((input, real));
        }
        if let Some(message) = walked.nothing_to_check() {
            if self.verbose {
                eprint!("{}", render::notices(&walked.notices(true)));
            }
            return Err(message);
        }
        let notices = walked.notices(self.verbose);
        let options = self.options(config);
        let mut tree = checked_tree(walk_paths);
        tree.extend(
            stdin_dir
                .as_deref()
                .and_then(|d| checked_tree(&[d.to_path_buf()]).pop()),
        );
        let fs = disk::DiskFs::new(self.root.as_deref(), map, self.on_host, tree);
        Ok(Prepared {
            inputs: walked.inputs,
            notices,
            options,
            fs,
            stdin,
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
            ..Options::default()
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, &args),
    };
    // A program that asked for JSON gets its errors in JSON too.
    let json_errors = cli.command.format().is_some_and(Format::is_json);
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
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "redlint",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|_| ExitCode::SUCCESS)
            .map_err(|e| e.to_string()),
        Command::Server => redlint_lsp::run_stdio().map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            if json_errors {
                print!("{}", output::json_error(&message));
            }
            eprintln!("redlint: {}", redlint_core::redact::escape_line(&message));
            ExitCode::from(2)
        }
    }
}

impl Command {
    /// The output format asked for, for commands that have one.
    fn format(&self) -> Option<Format> {
        match self {
            Command::Check(a) => a.output.format,
            Command::Fix(a) => a.output.format,
            _ => None,
        }
    }
}

/// A command line clap refused: help and version as usual; an error exits 2, and in JSON on
/// stdout as well when a JSON format was asked for, so a program reading stdout sees it.
fn usage_error(e: clap::Error, args: &[String]) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) || !output::json_asked(args)
    {
        let _ = e.print();
        return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
    }
    let text = e.render().to_string();
    // The error itself, without clap's usage lines.
    let message = text
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string();
    print!("{}", output::json_error(&message));
    let _ = e.print();
    ExitCode::from(2)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let Prepared {
        inputs,
        notices,
        options,
        fs,
        stdin: _,
    } = args.lint.prepare(&args.paths)?;
    let real_paths: std::collections::HashMap<String, PathBuf> = inputs
        .iter()
        .map(|(input, real)| (input.path.clone(), real.clone()))
        .collect();
    let inputs = inputs.into_iter().map(|(input, _)| input).collect();
    let mut report = redlint_core::check(inputs, &fs, &options);
    refuse_over_limits(&report)?;
    report.notices.splice(0..0, notices);
    // Fingerprints of the whole run, before a baseline filters it: they must not depend on it.
    let mut prints = redlint_core::finding::fingerprints(&report.findings, &report.workspace);
    if let Some(path) = &args.write_baseline {
        baseline::write(path, &report.findings, &prints)?;
    }
    let baselined = match &args.baseline {
        Some(path) => Some(baseline::filter(
            &baseline::read(path)?,
            &mut report.findings,
            &mut prints,
        )),
        None => None,
    };
    let (format, color) = args.output.resolve();
    if format.is_ci() {
        repository_paths(&mut report, &real_paths, &fs);
    }
    let text = match (args.statistics, format) {
        (true, Format::Json) => ci::statistics_json(&report.findings),
        (true, Format::Full | Format::Concise) => ci::statistics_text(&report.findings),
        (true, other) => {
            return Err(format!(
                "--statistics prints a table (full, concise) or JSON (json), not {}",
                clap::ValueEnum::to_possible_value(&other)
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            ))
        }
        (false, _) => render::render(
            &report,
            &prints,
            baselined,
            format,
            options.show_secrets,
            color,
        ),
    };
    if !args.output.emit(&text)? {
        return Ok(ExitCode::from(2));
    }
    if format != Format::Json && !args.output.quiet {
        let mut summary = render::summary_line(&report);
        if let Some(n) = baselined {
            summary.push_str(&format!(
                " {n} baselined finding{} not shown.",
                if n == 1 { "" } else { "s" }
            ));
        }
        eprintln!("{summary}");
        eprint!("{}", render::notices(&report.notices));
    }
    if let Some(path) = &args.write_baseline {
        if !args.output.quiet {
            eprintln!(
                "Wrote {} finding{} to the baseline {}.",
                prints.len() + baselined.unwrap_or(0),
                if prints.len() + baselined.unwrap_or(0) == 1 {
                    ""
                } else {
                    "s"
                },
                redlint_core::redact::escape_line(&path.display().to_string())
            );
        }
    }
    let fail_on = args.fail_on.severity();
    let failing = report.findings.iter().any(|f| f.severity >= fail_on);
    Ok(if failing && !args.exit_zero {
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

fn fix(args: FixArgs) -> Result<ExitCode, String> {
    let Prepared {
        inputs,
        notices,
        options,
        fs,
        stdin,
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
    if let Some((name, original)) = &stdin {
        return fix_stdin(&outcome, name, original, &args.output);
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
            original: if w.created {
                write::Original::Absent
            } else {
                write::Original::Held(w.original)
            },
        });
    }
    write::write_all_atomically(&writes)?;
    let (format, color) = args.output.resolve();
    let prints =
        redlint_core::finding::fingerprints(&outcome.report.findings, &outcome.report.workspace);
    let text = render::render(
        &outcome.report,
        &prints,
        None,
        format,
        options.show_secrets,
        color,
    );
    if !args.output.emit(&text)? {
        return Ok(ExitCode::from(2));
    }
    if args.output.quiet {
        return Ok(if outcome.report.findings.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
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

/// The CI formats point into the repository CI checked out: each finding's file (and related
/// place) as its path on this machine relative to the current directory, instead of relative
/// to `--root` (`etc/redis/redis.conf` becomes `deploy/etc/redis/redis.conf`). Fingerprints
/// are computed before, from the reported paths, so they do not depend on the format.
fn repository_paths(
    report: &mut redlint_core::Report,
    given: &std::collections::HashMap<String, PathBuf>,
    fs: &disk::DiskFs,
) {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    let mut paths = std::collections::HashMap::new();
    for f in &report.workspace.files {
        let real = given
            .get(&f.source.path)
            .cloned()
            .or_else(|| f.host_path.as_deref().and_then(|h| fs.real(h).ok()));
        let Some(real) = real else { continue };
        let shown = match (&cwd, real.is_absolute()) {
            (Some(cwd), true) => real.strip_prefix(cwd).unwrap_or(&real).to_path_buf(),
            _ => real,
        };
        let shown = shown.to_string_lossy();
        paths.insert(
            f.source.path.clone(),
            shown.strip_prefix("./").unwrap_or(&shown).to_string(),
        );
    }
    let fix = |file: &mut String| {
        if let Some(p) = paths.get(file.as_str()) {
            file.clone_from(p);
        }
    };
    for finding in &mut report.findings {
        fix(&mut finding.file);
        finding.related.iter_mut().for_each(|r| fix(&mut r.file));
        finding.facets.iter_mut().for_each(|x| fix(&mut x.file));
    }
}

/// `fix -` / `fix --stdin-filename PATH`: the fixed text on stdout (the input unchanged when
/// nothing applies, as editors and formatters expect), the findings left on stderr. Fixes to
/// other files (an included file, a created sidecar) are not written: only standard input is
/// being fixed, and stderr says so.
fn fix_stdin(
    outcome: &redlint_core::fix::FixOutcome,
    name: &str,
    original: &[u8],
    output: &OutputArgs,
) -> Result<ExitCode, String> {
    let fixed = outcome
        .files
        .iter()
        .find(|f| f.path == name)
        .map_or(original, |f| &f.fixed[..]);
    match &output.output_file {
        Some(path) => output::write_file(path, fixed)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(fixed)
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return Ok(ExitCode::from(2));
            }
        }
    }
    let others = outcome.files.iter().filter(|f| f.path != name).count();
    let left = &outcome.report.findings;
    if !output.quiet {
        eprint!("{}", render::concise(left));
        if others > 0 {
            eprintln!(
                "note: fixes to {others} other file{} not written: only standard input is fixed",
                if others == 1 { " were" } else { "s were" }
            );
        }
        eprintln!(
            "Fixed {} problem{}; {} remaining.",
            outcome.applied,
            if outcome.applied == 1 { "" } else { "s" },
            left.len()
        );
    }
    Ok(if left.is_empty() {
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
