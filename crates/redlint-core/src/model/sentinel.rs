//! A typed view of a Sentinel's configuration: the masters it monitors, their options, and the
//! Sentinel-wide options, each with the line it came from.
//!
//! Redis 7.0.15 (`sentinel.c`) queues every `sentinel <option> …` line while reading the
//! configuration and processes the queue afterwards in three passes — the "pre-monitor"
//! options (`announce-ip`, `announce-port`, `deny-scripts-reconfig`, `sentinel-user`,
//! `sentinel-pass`, `current-epoch`, `myid`, `resolve-hostnames`, `announce-hostnames`), then
//! every `monitor`, then everything else — so the order of lines in the file does not matter,
//! and the last `resolve-hostnames` decides for every address. Numbers go through C `atoi`
//! (`abc` is 0, `2abc` is 2) and epochs through `strtoull`; arguments are C strings (a `\x00`
//! escape ends them). This view follows those rules; it judges nothing (see `check::sentinel`).

use std::collections::HashMap;
use std::net::Ipv6Addr;

use super::{FileId, Server, Workspace};
use crate::source::Span;
use crate::syntax::conf::Token;

/// Sentinel's defaults (`sentinel.c`, 7.0.15).
pub const DEFAULT_PORT: u16 = 26379;
pub const DEFAULT_DOWN_AFTER_MS: i64 = 30_000;
pub const DEFAULT_FAILOVER_TIMEOUT_MS: i64 = 180_000;
pub const DEFAULT_PARALLEL_SYNCS: i64 = 1;

/// Where a value was written: a line of a conf file and the span of the value (or of the
/// whole statement, for statements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: FileId,
    /// Index into the file's `ConfDocument::lines`.
    pub line: u32,
    pub span: Span,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub place: Place,
}

/// The pass in which Redis processes a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    PreMonitor,
    Monitor,
    PostMonitor,
}

/// What a `sentinel …` line is, judged by its option name and argument count exactly as
/// `sentinelHandleConfiguration` dispatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Option_ {
    Monitor,
    DownAfterMilliseconds,
    FailoverTimeout,
    ParallelSyncs,
    NotificationScript,
    ClientReconfigScript,
    AuthPass,
    AuthUser,
    CurrentEpoch,
    Myid,
    ConfigEpoch,
    LeaderEpoch,
    /// `known-replica`, or its old name `known-slave`.
    KnownReplica,
    /// `known-sentinel <name> <ip> <port> <runid>`.
    KnownSentinel,
    /// `known-sentinel <name> <ip> <port>`: the old form, accepted and ignored.
    KnownSentinelWithoutRunid,
    RenameCommand,
    AnnounceIp,
    AnnouncePort,
    DenyScriptsReconfig,
    SentinelUser,
    SentinelPass,
    ResolveHostnames,
    AnnounceHostnames,
    MasterRebootDownAfterPeriod,
    /// Unknown option, or a known one with the wrong number of arguments: Sentinel refuses it.
    Unrecognized,
}

/// Every option Sentinel 7.0 reads from its config: name, arguments after the name, usage.
pub const OPTIONS: &[(&str, usize, &str)] = &[
    ("monitor", 4, "<master-name> <ip> <port> <quorum>"),
    ("down-after-milliseconds", 2, "<master-name> <milliseconds>"),
    ("failover-timeout", 2, "<master-name> <milliseconds>"),
    ("parallel-syncs", 2, "<master-name> <numreplicas>"),
    ("notification-script", 2, "<master-name> <script-path>"),
    ("client-reconfig-script", 2, "<master-name> <script-path>"),
    ("auth-pass", 2, "<master-name> <password>"),
    ("auth-user", 2, "<master-name> <username>"),
    ("current-epoch", 1, "<epoch>"),
    ("myid", 1, "<40-character id>"),
    ("config-epoch", 2, "<master-name> <epoch>"),
    ("leader-epoch", 2, "<master-name> <epoch>"),
    ("known-replica", 3, "<master-name> <ip> <port>"),
    ("known-slave", 3, "<master-name> <ip> <port>"),
    ("known-sentinel", 4, "<master-name> <ip> <port> <runid>"),
    (
        "rename-command",
        3,
        "<master-name> <command> <renamed-command>",
    ),
    ("announce-ip", 1, "<ip>"),
    ("announce-port", 1, "<port>"),
    ("deny-scripts-reconfig", 1, "yes|no"),
    ("sentinel-user", 1, "<username>"),
    ("sentinel-pass", 1, "<password>"),
    ("resolve-hostnames", 1, "yes|no"),
    ("announce-hostnames", 1, "yes|no"),
    (
        "master-reboot-down-after-period",
        2,
        "<master-name> <milliseconds>",
    ),
];

const PRE_MONITOR: &[&str] = &[
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "sentinel-user",
    "sentinel-pass",
    "current-epoch",
    "myid",
    "resolve-hostnames",
    "announce-hostnames",
];

/// One `sentinel …` line.
#[derive(Debug, Clone)]
pub struct Statement {
    pub option: Option_,
    pub file: FileId,
    /// Index into the file's `ConfDocument::lines`.
    pub line: u32,
    /// The line's content (trimmed).
    pub span: Span,
    /// Tokens after `sentinel`, the option name first (indices into the file's tokens).
    tokens: std::ops::Range<u32>,
    pub phase: Phase,
    /// Position in Redis' processing order (phase first, then load order).
    pub order: u32,
    /// For per-master options and `monitor`: the master the line names, if one is monitored.
    pub master: Option<usize>,
}

impl Statement {
    /// Number of arguments after `sentinel` (the option name included): Redis' `argc`.
    pub fn argc(&self) -> usize {
        self.tokens.len()
    }

    /// The tokens after `sentinel`.
    pub fn tokens<'a>(&self, ws: &'a Workspace) -> &'a [Token] {
        let doc = ws
            .file(self.file)
            .conf()
            .map(|d| &d.tokens[..])
            .unwrap_or(&[]);
        doc.get(self.tokens.start as usize..self.tokens.end as usize)
            .unwrap_or(&[])
    }

    /// Decoded argument `i` (0 = option name), cut at a NUL byte as C sees it.
    pub fn arg<'a>(&self, ws: &'a Workspace, i: usize) -> Option<&'a [u8]> {
        let f = ws.file(self.file);
        let doc = f.conf()?;
        let t = self.tokens(ws).get(i)?;
        Some(cstr(doc.value(&f.source.bytes, t)))
    }

    pub fn arg_str(&self, ws: &Workspace, i: usize) -> Option<String> {
        self.arg(ws, i)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// Span of argument `i` in the file (the line's span when absent).
    pub fn arg_span(&self, ws: &Workspace, i: usize) -> Span {
        self.tokens(ws).get(i).map_or(self.span, |t| t.span)
    }

    fn place(&self, ws: &Workspace, i: usize) -> Place {
        Place {
            file: self.file,
            line: self.line,
            span: self.arg_span(ws, i),
        }
    }

    /// The option name as written, lower-cased.
    pub fn name(&self, ws: &Workspace) -> String {
        self.arg_str(ws, 0).unwrap_or_default().to_ascii_lowercase()
    }

    /// True for options whose first argument names a master.
    pub fn names_master(&self) -> bool {
        !matches!(
            self.option,
            Option_::Monitor
                | Option_::CurrentEpoch
                | Option_::Myid
                | Option_::AnnounceIp
                | Option_::AnnouncePort
                | Option_::DenyScriptsReconfig
                | Option_::SentinelUser
                | Option_::SentinelPass
                | Option_::ResolveHostnames
                | Option_::AnnounceHostnames
                | Option_::KnownSentinelWithoutRunid
                | Option_::Unrecognized
        )
    }
}

/// An address given to `monitor`, `known-replica` or `known-sentinel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// As written.
    pub host: Setting<String>,
    /// `atoi` of the port argument: a non-numeric port is 0.
    pub port: Setting<i32>,
}

impl Address {
    /// The address as `getaddrinfo(AI_NUMERICHOST)` reads it, or `None` for a host name.
    pub fn numeric(&self) -> Option<String> {
        numeric_host(self.host.value.as_bytes())
    }
}

#[derive(Debug, Clone)]
pub struct KnownReplica {
    pub address: Address,
    /// Index into [`SentinelConfig::statements`].
    pub statement: usize,
    /// Written with the old name `known-slave`.
    pub legacy_name: bool,
}

#[derive(Debug, Clone)]
pub struct KnownSentinel {
    pub address: Address,
    pub runid: Setting<String>,
    pub statement: usize,
}

#[derive(Debug, Clone)]
pub struct RenamedCommand {
    pub command: Setting<String>,
    pub renamed: Setting<String>,
    pub statement: usize,
}

/// A monitored master and its options (the last line of each option wins, as in Redis).
#[derive(Debug, Clone)]
pub struct SentinelMaster {
    pub name: Setting<String>,
    pub address: Address,
    /// `atoi` of the quorum argument.
    pub quorum: Setting<i32>,
    /// The `monitor` statement (index into [`SentinelConfig::statements`]).
    pub statement: usize,
    pub down_after_milliseconds: Option<Setting<i32>>,
    pub failover_timeout: Option<Setting<i32>>,
    pub parallel_syncs: Option<Setting<i32>>,
    pub master_reboot_down_after_period: Option<Setting<i32>>,
    /// Secret: show it only through `Context::shown`.
    pub auth_pass: Option<Setting<String>>,
    pub auth_user: Option<Setting<String>>,
    pub notification_script: Option<Setting<String>>,
    pub client_reconfig_script: Option<Setting<String>>,
    pub config_epoch: Option<Setting<u64>>,
    pub leader_epoch: Option<Setting<u64>>,
    pub known_replicas: Vec<KnownReplica>,
    pub known_sentinels: Vec<KnownSentinel>,
    pub renamed_commands: Vec<RenamedCommand>,
}

impl SentinelMaster {
    pub fn down_after_ms(&self) -> i64 {
        self.down_after_milliseconds
            .as_ref()
            .map_or(DEFAULT_DOWN_AFTER_MS, |s| s.value.into())
    }
    pub fn failover_timeout_ms(&self) -> i64 {
        self.failover_timeout
            .as_ref()
            .map_or(DEFAULT_FAILOVER_TIMEOUT_MS, |s| s.value.into())
    }
    pub fn parallel_syncs(&self) -> i64 {
        self.parallel_syncs
            .as_ref()
            .map_or(DEFAULT_PARALLEL_SYNCS, |s| s.value.into())
    }
    pub fn master_reboot_down_after_ms(&self) -> i64 {
        self.master_reboot_down_after_period
            .as_ref()
            .map_or(0, |s| s.value.into())
    }
}

/// The configuration of one Sentinel process.
#[derive(Debug, Clone)]
pub struct SentinelConfig {
    /// The Sentinel's main config file.
    pub main: FileId,
    /// Every `sentinel …` line with arguments, in load order (includes expanded).
    pub statements: Vec<Statement>,
    /// Monitored masters, in processing order; a second `monitor` of a name is not one.
    pub masters: Vec<SentinelMaster>,
    by_name: HashMap<Vec<u8>, usize>,
    pub myid: Option<Setting<String>>,
    /// The largest `current-epoch` (Redis keeps the maximum).
    pub current_epoch: Option<Setting<u64>>,
    pub announce_ip: Option<Setting<String>>,
    pub announce_port: Option<Setting<i32>>,
    /// `None` inside a setting: the value is not yes/no (Sentinel refuses it).
    pub resolve_hostnames: Option<Setting<Option<bool>>>,
    pub announce_hostnames: Option<Setting<Option<bool>>>,
    pub deny_scripts_reconfig: Option<Setting<Option<bool>>>,
    pub sentinel_user: Option<Setting<String>>,
    /// Secret.
    pub sentinel_pass: Option<Setting<String>>,
    /// Top-level `port` (the last line), as written.
    pub port: Option<Setting<String>>,
    /// Top-level `protected-mode` (the last line), as written.
    pub protected_mode: Option<Setting<String>>,
    /// Top-level `requirepass` (the last line): also Sentinel's password towards other
    /// Sentinels when `sentinel-pass` is unset. Secret.
    pub requirepass: Option<Setting<String>>,
    /// The process' working directory after the config's `dir` lines, when the config's own
    /// location is known: relative script paths resolve against it.
    pub working_dir: Option<String>,
}

impl SentinelConfig {
    pub fn master(&self, name: &str) -> Option<&SentinelMaster> {
        self.by_name.get(name.as_bytes()).map(|i| &self.masters[*i])
    }

    /// `sentinel resolve-hostnames yes` is in effect (the last such line decides).
    pub fn resolves_hostnames(&self) -> bool {
        self.resolve_hostnames.as_ref().and_then(|s| s.value) == Some(true)
    }

    pub fn announces_hostnames(&self) -> bool {
        self.announce_hostnames.as_ref().and_then(|s| s.value) == Some(true)
    }

    pub fn denies_scripts_reconfig(&self) -> bool {
        self.deny_scripts_reconfig.as_ref().and_then(|s| s.value) != Some(false)
    }

    /// The TCP port this Sentinel listens on: the last `port` line, else Sentinel's 26379.
    /// `None` when the `port` line is not a valid port (Redis refuses it).
    pub fn listening_port(&self) -> Option<u16> {
        match &self.port {
            None => Some(DEFAULT_PORT),
            Some(s) => parse_strict_u16(&s.value),
        }
    }

    /// Protected mode: Sentinel turns it off unless the config turns it on.
    pub fn protected_mode(&self) -> bool {
        self.protected_mode
            .as_ref()
            .is_some_and(|s| s.value.eq_ignore_ascii_case("yes"))
    }

    /// Statements in Redis' processing order.
    pub fn in_processing_order(&self) -> Vec<&Statement> {
        let mut v: Vec<&Statement> = self.statements.iter().collect();
        v.sort_by_key(|s| s.order);
        v
    }
}

/// The Sentinel view of a server (meaningful for `server.sentinel`; for a plain redis-server
/// it still lists the `sentinel` lines, which that server refuses).
pub fn sentinel_view(ws: &Workspace, server: &Server) -> SentinelConfig {
    let mut cfg = SentinelConfig {
        main: server.main,
        statements: Vec::new(),
        masters: Vec::new(),
        by_name: HashMap::new(),
        myid: None,
        current_epoch: None,
        announce_ip: None,
        announce_port: None,
        resolve_hostnames: None,
        announce_hostnames: None,
        deny_scripts_reconfig: None,
        sentinel_user: None,
        sentinel_pass: None,
        port: None,
        protected_mode: None,
        requirepass: None,
        working_dir: ws
            .file(server.main)
            .host_path
            .as_deref()
            .map(|p| crate::fs::parent(p).to_string()),
    };
    for d in &server.directives {
        let (f, doc, line) = ws.conf_line(d.file, d.line);
        let tokens = doc.tokens(line);
        let value = |i: usize| tokens.get(i).map(|t| doc.value(&f.source.bytes, t));
        let setting = |i: usize| {
            tokens.get(i).map(|t| Setting {
                value: String::from_utf8_lossy(doc.value(&f.source.bytes, t)).into_owned(),
                place: Place {
                    file: d.file,
                    line: d.line,
                    span: t.span,
                },
            })
        };
        match d.name.as_str() {
            "sentinel" if tokens.len() > 1 => {
                let argc = tokens.len() - 1;
                let name = String::from_utf8_lossy(cstr(value(1).unwrap_or_default()))
                    .to_ascii_lowercase();
                let phase = if name == "monitor" {
                    Phase::Monitor
                } else if PRE_MONITOR.contains(&name.as_str()) {
                    Phase::PreMonitor
                } else {
                    Phase::PostMonitor
                };
                cfg.statements.push(Statement {
                    option: classify(&name, argc),
                    file: d.file,
                    line: d.line,
                    span: line.content,
                    tokens: line.tokens_start + 1..line.tokens_end,
                    phase,
                    order: 0,
                    master: None,
                });
            }
            "port" if tokens.len() == 2 => cfg.port = setting(1),
            "protected-mode" if tokens.len() == 2 => cfg.protected_mode = setting(1),
            "requirepass" if tokens.len() == 2 => cfg.requirepass = setting(1),
            "dir" if tokens.len() == 2 => {
                if let (Some(base), Some(v)) = (cfg.working_dir.as_deref(), value(1)) {
                    cfg.working_dir = Some(crate::fs::join(base, &String::from_utf8_lossy(v)));
                }
            }
            _ => {}
        }
    }
    // Processing order: phase, then load order.
    let mut order: Vec<usize> = (0..cfg.statements.len()).collect();
    order.sort_by_key(|i| (cfg.statements[*i].phase, *i));
    for (n, i) in order.iter().enumerate() {
        cfg.statements[*i].order = n as u32;
    }
    for i in order {
        apply(ws, &mut cfg, i);
    }
    cfg
}

fn classify(name: &str, argc: usize) -> Option_ {
    use Option_::*;
    match (name, argc) {
        ("monitor", 5) => Monitor,
        ("down-after-milliseconds", 3) => DownAfterMilliseconds,
        ("failover-timeout", 3) => FailoverTimeout,
        ("parallel-syncs", 3) => ParallelSyncs,
        ("notification-script", 3) => NotificationScript,
        ("client-reconfig-script", 3) => ClientReconfigScript,
        ("auth-pass", 3) => AuthPass,
        ("auth-user", 3) => AuthUser,
        ("current-epoch", 2) => CurrentEpoch,
        ("myid", 2) => Myid,
        ("config-epoch", 3) => ConfigEpoch,
        ("leader-epoch", 3) => LeaderEpoch,
        ("known-slave" | "known-replica", 4) => KnownReplica,
        ("known-sentinel", 5) => KnownSentinel,
        ("known-sentinel", 4) => KnownSentinelWithoutRunid,
        ("rename-command", 4) => RenameCommand,
        ("announce-ip", 2) => AnnounceIp,
        ("announce-port", 2) => AnnouncePort,
        ("deny-scripts-reconfig", 2) => DenyScriptsReconfig,
        ("sentinel-user", 2) => SentinelUser,
        ("sentinel-pass", 2) => SentinelPass,
        ("resolve-hostnames", 2) => ResolveHostnames,
        ("announce-hostnames", 2) => AnnounceHostnames,
        ("master-reboot-down-after-period", 3) => MasterRebootDownAfterPeriod,
        _ => Unrecognized,
    }
}

fn apply(ws: &Workspace, cfg: &mut SentinelConfig, i: usize) {
    let st = cfg.statements[i].clone();
    let text = |n: usize| st.arg_str(ws, n).unwrap_or_default();
    let string = |n: usize| Setting {
        value: text(n),
        place: st.place(ws, n),
    };
    let int = |n: usize| Setting {
        value: c_atoi(st.arg(ws, n).unwrap_or_default()),
        place: st.place(ws, n),
    };
    let epoch = |n: usize| Setting {
        value: c_strtoull(st.arg(ws, n).unwrap_or_default()),
        place: st.place(ws, n),
    };
    let yes_no = |n: usize| Setting {
        value: yes_no(st.arg(ws, n).unwrap_or_default()),
        place: st.place(ws, n),
    };
    let address = |h: usize, p: usize| Address {
        host: string(h),
        port: int(p),
    };
    use Option_::*;
    match st.option {
        Monitor => {
            let name = st.arg(ws, 1).unwrap_or_default().to_vec();
            if let Some(m) = cfg.by_name.get(&name) {
                cfg.statements[i].master = Some(*m);
                return;
            }
            let idx = cfg.masters.len();
            cfg.by_name.insert(name, idx);
            cfg.statements[i].master = Some(idx);
            cfg.masters.push(SentinelMaster {
                name: string(1),
                address: address(2, 3),
                quorum: int(4),
                statement: i,
                down_after_milliseconds: None,
                failover_timeout: None,
                parallel_syncs: None,
                master_reboot_down_after_period: None,
                auth_pass: None,
                auth_user: None,
                notification_script: None,
                client_reconfig_script: None,
                config_epoch: None,
                leader_epoch: None,
                known_replicas: Vec::new(),
                known_sentinels: Vec::new(),
                renamed_commands: Vec::new(),
            });
        }
        CurrentEpoch => {
            let e = epoch(1);
            if cfg.current_epoch.as_ref().is_none_or(|c| e.value > c.value) {
                cfg.current_epoch = Some(e);
            }
        }
        Myid => cfg.myid = Some(string(1)),
        AnnounceIp => cfg.announce_ip = Some(string(1)),
        AnnouncePort => cfg.announce_port = Some(int(1)),
        DenyScriptsReconfig => cfg.deny_scripts_reconfig = Some(yes_no(1)),
        SentinelUser => cfg.sentinel_user = Some(string(1)),
        SentinelPass => cfg.sentinel_pass = Some(string(1)),
        ResolveHostnames => cfg.resolve_hostnames = Some(yes_no(1)),
        AnnounceHostnames => cfg.announce_hostnames = Some(yes_no(1)),
        KnownSentinelWithoutRunid | Unrecognized => {}
        _ => {
            let Some(&m) = st.arg(ws, 1).and_then(|n| cfg.by_name.get(n)) else {
                return;
            };
            cfg.statements[i].master = Some(m);
            let master = &mut cfg.masters[m];
            match st.option {
                DownAfterMilliseconds => master.down_after_milliseconds = Some(int(2)),
                FailoverTimeout => master.failover_timeout = Some(int(2)),
                ParallelSyncs => master.parallel_syncs = Some(int(2)),
                MasterRebootDownAfterPeriod => {
                    master.master_reboot_down_after_period = Some(int(2))
                }
                NotificationScript => master.notification_script = Some(string(2)),
                ClientReconfigScript => master.client_reconfig_script = Some(string(2)),
                AuthPass => master.auth_pass = Some(string(2)),
                AuthUser => master.auth_user = Some(string(2)),
                ConfigEpoch => master.config_epoch = Some(epoch(2)),
                LeaderEpoch => master.leader_epoch = Some(epoch(2)),
                KnownReplica => master.known_replicas.push(self::KnownReplica {
                    address: address(2, 3),
                    statement: i,
                    legacy_name: st.name(ws) == "known-slave",
                }),
                KnownSentinel => master.known_sentinels.push(self::KnownSentinel {
                    address: address(2, 3),
                    runid: string(4),
                    statement: i,
                }),
                RenameCommand => master.renamed_commands.push(RenamedCommand {
                    command: string(2),
                    renamed: string(3),
                    statement: i,
                }),
                _ => {}
            }
        }
    }
}

/// A C string's bytes: everything before the first NUL.
pub fn cstr(bytes: &[u8]) -> &[u8] {
    bytes
        .iter()
        .position(|b| *b == 0)
        .map_or(bytes, |i| &bytes[..i])
}

fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// glibc `atoi`: `(int) strtol(s, NULL, 10)` — leading white space, an optional sign, digits
/// up to the first non-digit; overflow saturates the `long`, which the cast then truncates.
pub fn c_atoi(s: &[u8]) -> i32 {
    let s = cstr(s);
    let mut i = s.iter().take_while(|b| c_isspace(**b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for b in s[i.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
    {
        match magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(b - b'0')))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    let long: i64 = if negative {
        if overflow || magnitude > i64::MAX as u64 + 1 {
            i64::MIN
        } else {
            (magnitude as i64).wrapping_neg()
        }
    } else if overflow || magnitude > i64::MAX as u64 {
        i64::MAX
    } else {
        magnitude as i64
    };
    long as i32
}

/// glibc `strtoull(s, NULL, 10)`, saturating (a leading `-` negates modulo 2^64, as C does).
pub fn c_strtoull(s: &[u8]) -> u64 {
    let s = cstr(s);
    let mut i = s.iter().take_while(|b| c_isspace(**b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: u64 = 0;
    for b in s[i.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
    {
        match v
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(b - b'0')))
        {
            Some(m) => v = m,
            None => return u64::MAX,
        }
    }
    if negative {
        v.wrapping_neg()
    } else {
        v
    }
}

/// Redis' `yesnotoi`: `yes`/`no` in any case, else `None`.
pub fn yes_no(s: &[u8]) -> Option<bool> {
    let s = cstr(s);
    if s.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// A redis.conf integer port (`string2ll`: no sign, no leading zeros, no spaces).
fn parse_strict_u16(s: &str) -> Option<u16> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// The address `getaddrinfo(host, AI_NUMERICHOST)` makes of a host, as `inet_ntop` prints it,
/// or `None` when it is not numeric (a host name, which Sentinel only takes with
/// `resolve-hostnames yes`). IPv4 follows glibc's `inet_aton` in its exact form (`127.1`,
/// `0x7f.0.0.1`, `2130706433` are numeric; trailing characters are not); IPv6 may carry a
/// `%scope`, which counts as numeric here although a named scope needs that interface.
pub fn numeric_host(host: &[u8]) -> Option<String> {
    let host = cstr(host);
    if let Some(v4) = inet_aton_exact(host) {
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    let text = std::str::from_utf8(host).ok()?;
    let (addr, scope) = match text.split_once('%') {
        Some((a, s)) => (a, Some(s)),
        None => (text, None),
    };
    if scope.is_some_and(str::is_empty) {
        return None;
    }
    addr.parse::<Ipv6Addr>().ok().map(|a| a.to_string())
}

fn inet_aton_exact(s: &[u8]) -> Option<u32> {
    let mut parts: Vec<u64> = Vec::with_capacity(4);
    let mut i = 0;
    loop {
        if !s.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut base = 10;
        let mut digit = false;
        if s[i] == b'0' {
            i += 1;
            if matches!(s.get(i), Some(b'x' | b'X')) {
                base = 16;
                i += 1;
            } else {
                base = 8;
                digit = true;
            }
        }
        let mut val: u64 = 0;
        while let Some(&c) = s.get(i) {
            let d = match c {
                b'0'..=b'9' if base == 8 && c >= b'8' => return None,
                b'0'..=b'9' => u64::from(c - b'0'),
                b'a'..=b'f' if base == 16 => u64::from(c - b'a' + 10),
                b'A'..=b'F' if base == 16 => u64::from(c - b'A' + 10),
                _ => break,
            };
            val = val * base + d;
            if val > 0xffff_ffff {
                return None;
            }
            digit = true;
            i += 1;
        }
        if !digit {
            return None;
        }
        if s.get(i) == Some(&b'.') {
            if parts.len() >= 3 || val > 0xff {
                return None;
            }
            parts.push(val);
            i += 1;
            continue;
        }
        if i != s.len() {
            return None;
        }
        let max = match parts.len() {
            0 => 0xffff_ffff,
            1 => 0xff_ffff,
            2 => 0xffff,
            _ => 0xff,
        };
        if val > max {
            return None;
        }
        let mut addr = val as u32;
        for (k, p) in parts.iter().enumerate() {
            addr |= (*p as u32) << (24 - 8 * k);
        }
        return Some(addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_is_glibc_atoi() {
        assert_eq!(c_atoi(b"2"), 2);
        assert_eq!(c_atoi(b"2abc"), 2);
        assert_eq!(c_atoi(b"abc"), 0);
        assert_eq!(c_atoi(b"$SENTINEL_QUORUM"), 0);
        assert_eq!(c_atoi(b" \t+7"), 7);
        assert_eq!(c_atoi(b"-1"), -1);
        assert_eq!(c_atoi(b"99999999999"), 1215752191);
        assert_eq!(c_atoi(b"99999999999999999999"), -1);
        assert_eq!(c_atoi(b"-99999999999999999999"), 0);
        assert_eq!(c_atoi(b"6\x0079"), 6);
        assert_eq!(c_atoi(b""), 0);
    }

    #[test]
    fn strtoull_and_yes_no() {
        assert_eq!(c_strtoull(b"346"), 346);
        assert_eq!(c_strtoull(b"x"), 0);
        assert_eq!(c_strtoull(b"99999999999999999999999"), u64::MAX);
        assert_eq!(yes_no(b"YES"), Some(true));
        assert_eq!(yes_no(b"No"), Some(false));
        assert_eq!(yes_no(b"maybe"), None);
    }

    #[test]
    fn numeric_hosts_like_getaddrinfo() {
        // Matches glibc 2.36 getaddrinfo(AI_NUMERICHOST) on this machine.
        for (host, want) in [
            ("127.0.0.1", Some("127.0.0.1")),
            ("127.1", Some("127.0.0.1")),
            ("0x7f.0.0.1", Some("127.0.0.1")),
            ("017700000001", Some("127.0.0.1")),
            ("2130706433", Some("127.0.0.1")),
            ("1.2.3", Some("1.2.0.3")),
            ("0", Some("0.0.0.0")),
            ("4294967295", Some("255.255.255.255")),
            ("127.0.0.01", Some("127.0.0.1")),
            ("::1", Some("::1")),
            ("fe80::1%1", Some("fe80::1")),
            ("::ffff:1.2.3.4", Some("::ffff:1.2.3.4")),
            ("127.0.0.1 ", None),
            (" 127.0.0.1", None),
            ("127.0.0.256", None),
            ("1.2.3.4.5", None),
            ("[::1]", None),
            ("", None),
            ("localhost", None),
            ("redis-master", None),
            ("4294967296", None),
            ("08.0.0.1", None),
            ("1e1", None),
            ("0x", None),
        ] {
            assert_eq!(numeric_host(host.as_bytes()).as_deref(), want, "{host:?}");
        }
    }
}
