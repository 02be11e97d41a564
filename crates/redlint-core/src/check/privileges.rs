//! RL5xx: ACL privileges. What each user can really do, from its effective permissions (the
//! offline `ACL DRYRUN`), set against what its rules and its name suggest:
//!
//! - RL501 a `default` user the deployment keeps broad;
//! - RL502 a monitoring / read-only / application account that can run administrative or
//!   destructive commands;
//! - RL503 a category (`+@slow`, `+@write`, …) that grants such commands;
//! - RL504 such a command granted again after `-@dangerous`;
//! - RL505 command grants that change nothing (safe fix: delete them);
//! - RL506 pub/sub commands without any channel permission.
//!
//! Users are analysed where they are declared (ACL file or `user` lines), once per
//! declaration; Sentinel users are not analysed (Sentinel has its own command table).

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{Context, Diagnostic};
use crate::acl::dryrun::{check_selector, check_user, Denial};
use crate::acl::load::{DeclRef, LoadedUser};
use crate::acl::rule::{AclRule, RuleKind, SelectorOp, SelectorRule};
use crate::acl::{self, AclUser, Env, UsersFrom};
use crate::finding::{Applicability, Severity};
use crate::knowledge::commands::{self, Category, Command, CommandId, CommandTable};
use crate::model::{FileId, Kind, Server};
use crate::rules;
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: HashSet<(FileId, u32)> = HashSet::new();
    let mut loaded = HashSet::new();
    for server in &ctx.deployment.servers {
        let state = acl::server_acl(ctx.ws, server);
        if let UsersFrom::AclFile(id) = state.from {
            loaded.insert(id);
        }
        if server.sentinel {
            // Sentinel's command table is another one; its users are not analysed.
            continue;
        }
        let env = Env {
            table: commands::redis(),
            pubsub_allchannels: state.pubsub_allchannels,
        };
        let gates = Gates::of(ctx, server);
        let bad: HashSet<(FileId, u32)> = state
            .conf_problems
            .iter()
            .chain(&state.file_problems)
            .map(|p| (p.file, p.line))
            .collect();
        for lu in state.users.iter() {
            if let Some(decl) = &lu.decl {
                if seen.insert((decl.file, decl.line)) {
                    let clean = !bad.contains(&(decl.file, decl.line));
                    analyze(ctx, &env, gates, lu, decl, clean, out);
                }
            }
        }
    }
    for id in ctx.ws.ids() {
        if ctx.ws.file(id).kind != Kind::Acl || loaded.contains(&id) {
            continue;
        }
        if let Some(load) = acl::standalone_acl_file(ctx.ws, id) {
            let env = Env::new(commands::redis());
            let bad: HashSet<(FileId, u32)> =
                load.problems.iter().map(|p| (p.file, p.line)).collect();
            for lu in load.users.iter() {
                if let Some(decl) = &lu.decl {
                    if seen.insert((decl.file, decl.line)) {
                        let clean = !bad.contains(&(decl.file, decl.line));
                        analyze(ctx, &env, Gates::default(), lu, decl, clean, out);
                    }
                }
            }
        }
    }
}

/// `enable-debug-command` / `enable-module-command` (7.0 default `no`: refused to everyone).
#[derive(Debug, Clone, Copy, Default)]
struct Gates {
    debug: bool,
    module: bool,
}

impl Gates {
    fn of(ctx: &Context<'_>, server: &Server) -> Gates {
        let enabled = |name: &str| {
            server.last(name).is_some_and(|d| {
                let (f, doc, l) = ctx.ws.conf_line(d.file, d.line);
                doc.tokens(l).get(1).is_some_and(|t| {
                    let v = doc.value(&f.source.bytes, t);
                    v.eq_ignore_ascii_case(b"yes") || v.eq_ignore_ascii_case(b"local")
                })
            })
        };
        Gates {
            debug: enabled("enable-debug-command"),
            module: enabled("enable-module-command"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The commands watched.

/// A command worth knowing a user can run, with the `ACL DRYRUN` arguments that prove it.
#[derive(Debug)]
pub struct Probe {
    /// How messages name it.
    pub label: &'static str,
    /// `KEY` stands for a key the user may access.
    pub argv: &'static [&'static str],
    /// What it lets the user do.
    pub why: &'static str,
    gate: Gate,
    /// An application may use it for its own data (scripts and functions it loads and
    /// replaces itself, as `+@all -@dangerous`, the pattern Redis' ACL documentation gives
    /// for an application, allows): not reported by RL502 for application accounts.
    app_ok: bool,
    /// Named by this category: `+@scripting` granting `EVAL` is no surprise.
    obvious_in: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    None,
    Debug,
    Module,
}

pub const PROBES: &[Probe] = &[
    Probe {
        label: "CONFIG SET",
        argv: &["CONFIG", "SET", "maxmemory", "0"],
        why: "change any setting at runtime: `requirepass` (the `default` user's password), `protected-mode`, `maxmemory`, persistence",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "MODULE LOAD",
        argv: &["MODULE", "LOAD", "/tmp/x.so"],
        why: "load a shared library into the server: any code, run as the Redis process",
        gate: Gate::Module,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "DEBUG",
        argv: &["DEBUG", "SLEEP", "0"],
        why: "crash or freeze the server (`DEBUG SEGFAULT`, `DEBUG SLEEP`)",
        gate: Gate::Debug,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "SHUTDOWN",
        argv: &["SHUTDOWN"],
        why: "stop the server",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "FLUSHALL",
        argv: &["FLUSHALL"],
        why: "erase every key of every database (key patterns do not limit it)",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "FLUSHDB",
        argv: &["FLUSHDB"],
        why: "erase every key of the database (key patterns do not limit it)",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "MIGRATE",
        argv: &["MIGRATE", "127.0.0.1", "6379", "KEY", "0", "1000"],
        why: "move keys to any other server (they are deleted here)",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "KEYS",
        argv: &["KEYS", "*"],
        why: "list every key name, outside its key patterns too, in one call that blocks the server",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "ACL SETUSER",
        argv: &["ACL", "SETUSER", "x"],
        why: "create users and change any user's rights, its own included",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "REPLICAOF",
        argv: &["REPLICAOF", "NO", "ONE"],
        why: "make the server replicate another host, which replaces all its data",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "SLAVEOF",
        argv: &["SLAVEOF", "NO", "ONE"],
        why: "make the server replicate another host, which replaces all its data",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "CLIENT KILL",
        argv: &["CLIENT", "KILL", "127.0.0.1:1"],
        why: "disconnect any client, other users' included",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "EVAL",
        argv: &["EVAL", "return 1", "0"],
        why: "run Lua scripts (a long script blocks every client)",
        gate: Gate::None,
        app_ok: true,
        obvious_in: Some("scripting"),
    },
    Probe {
        label: "SCRIPT FLUSH",
        argv: &["SCRIPT", "FLUSH"],
        why: "empty the script cache every user shares",
        gate: Gate::None,
        app_ok: true,
        obvious_in: Some("scripting"),
    },
    Probe {
        label: "FUNCTION FLUSH",
        argv: &["FUNCTION", "FLUSH"],
        why: "delete every function library, other users' included",
        gate: Gate::None,
        app_ok: true,
        obvious_in: Some("scripting"),
    },
    Probe {
        label: "FUNCTION LOAD",
        argv: &[
            "FUNCTION",
            "LOAD",
            "#!lua name=x\nredis.register_function('f', function() return 1 end)",
        ],
        why: "install or replace the server-wide functions other users run with `FCALL`",
        gate: Gate::None,
        app_ok: true,
        obvious_in: Some("scripting"),
    },
    Probe {
        label: "MONITOR",
        argv: &["MONITOR"],
        why: "watch every command of every client, with its keys and values, as it runs",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "FAILOVER",
        argv: &["FAILOVER"],
        why: "hand the master role to a replica (and demote this server)",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
    Probe {
        label: "SWAPDB",
        argv: &["SWAPDB", "0", "1"],
        why: "swap two whole databases for every client (key patterns do not limit it)",
        gate: Gate::None,
        app_ok: false,
        obvious_in: None,
    },
];

/// Index of SLAVEOF / REPLICAOF in [`PROBES`]: one of the two is enough to report.
const REPLICAOF: usize = 9;
const SLAVEOF: usize = 10;

/// The probes' commands in the Redis table (all exist in 7.0.15).
fn probe_commands() -> &'static [Option<CommandId>] {
    static IDS: OnceLock<Vec<Option<CommandId>>> = OnceLock::new();
    IDS.get_or_init(|| {
        let t = commands::redis();
        PROBES
            .iter()
            .map(|p| {
                let argv: Vec<&[u8]> = p.argv.iter().map(|a| a.as_bytes()).collect();
                t.by_argv(&argv).map(|c| c.id)
            })
            .collect()
    })
}

/// The pub/sub commands that need a channel permission, with DRYRUN arguments.
const PUBSUB: &[&[&str]] = &[
    &["PUBLISH", "ch", "m"],
    &["SUBSCRIBE", "ch"],
    &["PSUBSCRIBE", "ch*"],
    &["SPUBLISH", "ch", "m"],
    &["SSUBSCRIBE", "ch"],
];

/// Keys to try for probes taking a key: `k` for `allkeys`, else each read-write pattern made
/// concrete (`*` → nothing, `?` → `x`; patterns with classes or escapes are skipped).
fn candidate_keys(user: &AclUser) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for sel in user.all_selectors() {
        if sel.all_keys {
            out.push(b"k".to_vec());
        }
        for p in sel.key_patterns.iter().filter(|p| p.read && p.write) {
            if p.pattern.iter().any(|&b| b == b'[' || b == b'\\') {
                continue;
            }
            out.push(
                p.pattern
                    .iter()
                    .filter(|&&b| b != b'*')
                    .map(|&b| if b == b'?' { b'x' } else { b })
                    .collect(),
            );
        }
        if out.len() >= 8 {
            break;
        }
    }
    out.truncate(8);
    out
}

/// The arguments with which `user` may run `probe`, if any (`ACL DRYRUN` answers OK).
pub fn probe_argv(user: &AclUser, index: usize) -> Option<Vec<Vec<u8>>> {
    let p = PROBES.get(index)?;
    let id = (*probe_commands().get(index)?)?;
    let cmd = commands::redis().get(id);
    // Cheap test first: no selector has the command at all.
    if !user
        .all_selectors()
        .any(|s| s.all_commands || s.allows(id) || s.first_args.contains_key(&id))
    {
        return None;
    }
    let keyed = p.argv.contains(&"KEY");
    let keys = if keyed {
        candidate_keys(user)
    } else {
        vec![Vec::new()]
    };
    for key in keys {
        let argv: Vec<Vec<u8>> = p
            .argv
            .iter()
            .map(|a| {
                if *a == "KEY" {
                    key.clone()
                } else {
                    a.as_bytes().to_vec()
                }
            })
            .collect();
        let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        if check_user(user, cmd, &refs).is_ok() {
            return Some(argv);
        }
    }
    None
}

/// The probes (indexes into [`PROBES`]) `user` may run on a server with these gates.
fn allowed_probes(user: &AclUser, gates: Gates) -> Vec<(usize, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    for (i, p) in PROBES.iter().enumerate() {
        let gated = match p.gate {
            Gate::None => true,
            Gate::Debug => gates.debug,
            Gate::Module => gates.module,
        };
        if !gated || (i == SLAVEOF && out.iter().any(|(j, _)| *j == REPLICAOF)) {
            continue;
        }
        if let Some(argv) = probe_argv(user, i) {
            out.push((i, argv));
        }
    }
    out
}

/// Public for tests: the labels of the watched commands `user` may run (gates open).
pub fn dangerous_commands(user: &AclUser) -> Vec<(&'static str, Vec<Vec<u8>>)> {
    allowed_probes(
        user,
        Gates {
            debug: true,
            module: true,
        },
    )
    .into_iter()
    .map(|(i, a)| (PROBES[i].label, a))
    .collect()
}

// ---------------------------------------------------------------------------------------
// Command bitmaps, mirroring `Selector::change` / `Selector::category`.

type Bits = Vec<u64>;

struct Masks {
    all: Bits,
    cats: Vec<Bits>,
}

fn masks() -> &'static Masks {
    static M: OnceLock<Masks> = OnceLock::new();
    M.get_or_init(|| {
        let t = commands::redis();
        let words = t.len().div_ceil(64);
        let mut all = vec![0u64; words];
        for i in 0..t.len() {
            set_bit(&mut all, i as CommandId);
        }
        let cats = (0..commands::CATEGORIES.len() as u8)
            .map(|c| {
                let mut m = vec![0u64; words];
                for cmd in &t.commands {
                    if cmd.in_category(Category(c)) {
                        set_bit(&mut m, cmd.id);
                        for s in &cmd.subcommands {
                            set_bit(&mut m, *s);
                        }
                    }
                }
                m
            })
            .collect();
        Masks { all, cats }
    })
}

fn set_bit(b: &mut Bits, id: CommandId) {
    if let Some(w) = b.get_mut(id as usize / 64) {
        *w |= 1 << (id % 64);
    }
}

fn bit(b: &Bits, id: CommandId) -> bool {
    b.get(id as usize / 64)
        .is_some_and(|w| w & (1 << (id % 64)) != 0)
}

/// What a command rule touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Cmd(CommandId),
    Cat(Category),
    All,
}

impl Target {
    fn contains(self, table: &CommandTable, id: CommandId) -> bool {
        match self {
            Target::Cmd(c) => c == id || table.get(c).subcommands.contains(&id),
            Target::Cat(c) => masks().cats.get(c.0 as usize).is_some_and(|m| bit(m, id)),
            Target::All => true,
        }
    }
    /// OR this target's bits into `acc`.
    fn or_into(self, table: &CommandTable, acc: &mut Bits) {
        match self {
            Target::Cmd(c) => {
                set_bit(acc, c);
                for s in &table.get(c).subcommands {
                    set_bit(acc, *s);
                }
            }
            Target::Cat(c) => {
                if let Some(m) = masks().cats.get(c.0 as usize) {
                    acc.iter_mut().zip(m).for_each(|(a, b)| *a |= b);
                }
            }
            Target::All => acc.iter_mut().zip(&masks().all).for_each(|(a, b)| *a |= b),
        }
    }
    /// Bits of this target not in `covered`.
    fn uncovered(self, table: &CommandTable, covered: &Bits) -> bool {
        match self {
            Target::Cmd(c) => {
                !bit(covered, c) || table.get(c).subcommands.iter().any(|s| !bit(covered, *s))
            }
            Target::Cat(c) => masks()
                .cats
                .get(c.0 as usize)
                .is_some_and(|m| m.iter().zip(covered).any(|(m, c)| m & !c != 0)),
            Target::All => masks().all.iter().zip(covered).any(|(m, c)| m & !c != 0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Grant(Target),
    Deny(Target),
    /// `+cmd|firstarg`
    FirstArg(CommandId),
}

/// A command rule that applied, with where it is written.
#[derive(Debug, Clone)]
struct Op<'a> {
    effect: Effect,
    span: Span,
    text: &'a [u8],
    /// Index of the user rule it belongs to.
    rule: usize,
}

fn effect(r: &SelectorRule) -> Option<Effect> {
    Some(match r {
        SelectorRule::AllCommands => Effect::Grant(Target::All),
        SelectorRule::NoCommands => Effect::Deny(Target::All),
        SelectorRule::Allow(id) => Effect::Grant(Target::Cmd(*id)),
        SelectorRule::Deny(id) => Effect::Deny(Target::Cmd(*id)),
        SelectorRule::AllowCategory(c) => Effect::Grant(Target::Cat(*c)),
        SelectorRule::DenyCategory(c) => Effect::Deny(Target::Cat(*c)),
        SelectorRule::AllowFirstArg(id, _) => Effect::FirstArg(*id),
        _ => return None,
    })
}

/// The user's rules applied again, keeping the command rules of the root and of each
/// selector that survives.
struct Replay<'a> {
    /// The user as built again (`None` when the rules were not applied: a user whose line
    /// has no problem, so every rule applies).
    user: Option<AclUser>,
    /// Rules Redis refuses (they change nothing).
    failed: Vec<bool>,
    root: Vec<Op<'a>>,
    selectors: Vec<Vec<Op<'a>>>,
}

/// The user a declaration starts from: a new user, or (redis.conf) `default` reset.
fn initial_user(ctx: &Context<'_>, env: &Env<'_>, decl: &DeclRef) -> AclUser {
    let conf = ctx.ws.file(decl.file).kind != Kind::Acl;
    if conf && decl.decl.name == b"default" {
        let mut u = AclUser::builtin_default(env);
        let _ = u.apply_kind(env, &RuleKind::Reset);
        u
    } else {
        AclUser::new(&decl.decl.name, env)
    }
}

fn replay<'a>(
    env: &Env<'_>,
    start: Option<AclUser>,
    rules: &'a [AclRule],
    skip: &[bool],
) -> Replay<'a> {
    let mut r = Replay {
        user: start,
        failed: vec![false; rules.len()],
        root: Vec::new(),
        selectors: Vec::new(),
    };
    for (i, rule) in rules.iter().enumerate() {
        if skip.get(i).copied().unwrap_or(false) {
            continue;
        }
        if let Some(user) = &mut r.user {
            if user.apply(env, rule).is_err() {
                r.failed[i] = true;
                continue;
            }
        }
        match &rule.kind {
            RuleKind::Root(sr) => {
                if let Some(effect) = effect(sr) {
                    r.root.push(Op {
                        effect,
                        span: rule.span,
                        text: &rule.text,
                        rule: i,
                    });
                }
            }
            RuleKind::Reset => {
                r.root.push(Op {
                    effect: Effect::Deny(Target::All),
                    span: rule.span,
                    text: &rule.text,
                    rule: i,
                });
                r.selectors.clear();
            }
            RuleKind::ClearSelectors => r.selectors.clear(),
            RuleKind::Selector(ops) => r.selectors.push(selector_ops(ops, i)),
            _ => {}
        }
    }
    r
}

fn selector_ops(ops: &[SelectorOp], rule: usize) -> Vec<Op<'_>> {
    ops.iter()
        .filter_map(|o| {
            Some(Op {
                effect: effect(&o.rule)?,
                span: o.span,
                text: &o.text,
                rule,
            })
        })
        .collect()
}

/// The rule that leaves `id` allowed at the end of `ops`, if a grant does.
fn granter<'o, 'a>(table: &CommandTable, ops: &'o [Op<'a>], id: CommandId) -> Option<&'o Op<'a>> {
    for op in ops.iter().rev() {
        match op.effect {
            Effect::FirstArg(c) if c == id => return Some(op),
            Effect::FirstArg(_) => {}
            Effect::Grant(t) if t.contains(table, id) => return Some(op),
            Effect::Deny(t) if t.contains(table, id) => return None,
            _ => {}
        }
    }
    None
}

/// Which selector (0 = root, k = k-th `(...)`) lets the user run this command line.
fn allowing_selector(user: &AclUser, cmd: &Command, argv: &[Vec<u8>]) -> Option<usize> {
    let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
    user.all_selectors()
        .position(|s| check_selector(s, cmd, &refs, &mut None).is_ok())
}

// ---------------------------------------------------------------------------------------
// Account names.

/// What a user's name (or its key patterns) says it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Monitoring,
    ReadOnly,
    Application,
    /// Its keys are limited to some patterns: an application's account whatever its name.
    KeyScoped,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::Monitoring => "a monitoring account",
            Role::ReadOnly => "a read-only account",
            Role::Application => "an application account",
            Role::KeyScoped => "an application account (its keys are limited to some patterns)",
        }
    }
}

/// Names of accounts meant to administer, replicate or fail over: never reported by RL502.
const ADMIN_WORDS: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "superuser",
    "super",
    "su",
    "sudo",
    "ops",
    "devops",
    "sre",
    "dba",
    "operator",
    "owner",
    "sentinel",
    "replica",
    "replicas",
    "replication",
    "replicator",
    "repl",
    "slave",
    "master",
    "masteruser",
    "sync",
    "failover",
    "backup",
    "cluster",
    "manager",
    "maintenance",
    "maint",
    "deploy",
    "migration",
    "migrator",
    "default",
];
const MONITOR_WORDS: &[&str] = &[
    "monitor",
    "monitoring",
    "mon",
    "metrics",
    "metric",
    "exporter",
    "prometheus",
    "prom",
    "grafana",
    "telegraf",
    "datadog",
    "zabbix",
    "nagios",
    "icinga",
    "newrelic",
    "health",
    "healthcheck",
    "probe",
    "stats",
    "statsd",
    "collectd",
    "observer",
    "observability",
];
const READONLY_WORDS: &[&str] = &[
    "readonly",
    "ro",
    "read",
    "reader",
    "readers",
    "viewer",
    "view",
    "report",
    "reporting",
    "reports",
    "analytics",
    "analyst",
    "audit",
    "auditor",
    "query",
];
const APP_WORDS: &[&str] = &[
    "app",
    "apps",
    "application",
    "api",
    "web",
    "webapp",
    "frontend",
    "backend",
    "service",
    "svc",
    "worker",
    "workers",
    "consumer",
    "producer",
    "job",
    "jobs",
    "queue",
    "celery",
    "sidekiq",
    "cache",
    "session",
    "sessions",
    "platform",
    "bot",
    "microservice",
    "client",
];

/// The words of a name: split at non-alphanumerics, letter/digit and lower/upper changes,
/// lower-cased.
fn words(name: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<u8> = None;
    for &b in name {
        let boundary = match prev {
            _ if !b.is_ascii_alphanumeric() => true,
            Some(p) => {
                (p.is_ascii_digit() != b.is_ascii_digit())
                    || (p.is_ascii_lowercase() && b.is_ascii_uppercase())
            }
            None => false,
        };
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if b.is_ascii_alphanumeric() {
            cur.push(b.to_ascii_lowercase() as char);
        }
        prev = Some(b);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn matches_any(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| {
        list.iter()
            .any(|l| w == l || (l.len() >= 6 && w.len() > l.len() && w.contains(l)))
    })
}

/// The role a user's name suggests (`None`: an administrator, or nothing to go by).
pub fn role(name: &[u8], user: &AclUser) -> Option<Role> {
    let w = words(name);
    if matches_any(&w, ADMIN_WORDS) || w.iter().any(|x| x.contains("admin")) {
        return None;
    }
    if matches_any(&w, MONITOR_WORDS) {
        return Some(Role::Monitoring);
    }
    if matches_any(&w, READONLY_WORDS) {
        return Some(Role::ReadOnly);
    }
    if matches_any(&w, APP_WORDS) {
        return Some(Role::Application);
    }
    let scoped = user.all_selectors().all(|s| {
        !s.all_keys && !s.key_patterns.is_empty() && !s.has_unrestricted_keys(false, false)
    });
    scoped.then_some(Role::KeyScoped)
}

// ---------------------------------------------------------------------------------------
// The analysis of one user.

/// A rule or name for a message; an empty one (two spaces in a line) is shown as `""`.
fn text(b: &[u8]) -> String {
    crate::security::show_full(b)
}

fn list(labels: &[&str]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The watched commands a user may run, each with the rule that grants it.
struct Granted<'r> {
    probe: usize,
    /// Selector: 0 root, k ≥ 1 the k-th `(...)`.
    selector: usize,
    op: Option<Op<'r>>,
}

/// Analyse one declared user. `clean`: Redis reported no problem on its line, so every rule
/// applied and the rules need not be applied again.
fn analyze(
    ctx: &Context<'_>,
    env: &Env<'_>,
    gates: Gates,
    lu: &LoadedUser,
    decl: &DeclRef,
    clean: bool,
    out: &mut Vec<Diagnostic>,
) {
    let table = env.table;
    let rules = &decl.decl.rules;
    let start = (!clean).then(|| initial_user(ctx, env, decl));
    let r = replay(env, start, rules, &[]);
    if r.user.as_ref().is_some_and(|u| *u != lu.user) {
        // Not the user Redis builds (should not happen): say nothing rather than guess.
        return;
    }
    redundant(ctx, env, lu, decl, &r, out);
    let user = &lu.user;
    if !user.enabled {
        return;
    }
    let file = decl.file;
    let granted: Vec<Granted<'_>> = allowed_probes(user, gates)
        .into_iter()
        .filter_map(|(probe, argv)| {
            let id = probe_commands()[probe]?;
            let selector = allowing_selector(user, table.get(id), &argv)?;
            let ops = if selector == 0 {
                &r.root
            } else {
                r.selectors.get(selector - 1)?
            };
            Some(Granted {
                probe,
                selector,
                op: granter(table, ops, id).cloned(),
            })
        })
        .collect();
    if granted.is_empty() {
        pubsub_without_channels(ctx, lu, decl, &r, out);
        return;
    }
    let name = shown_name(ctx, decl, user);
    let mut claimed = vec![false; PROBES.len()];

    // RL504: granted again after `-@dangerous`.
    let dangerous = commands::category(b"dangerous");
    for_each_token(&granted, |op, selector, group| {
        let Some(dcat) = dangerous else { return };
        let ops = if selector == 0 {
            &r.root
        } else {
            match r.selectors.get(selector - 1) {
                Some(o) => o,
                None => return,
            }
        };
        let Some(deny) = ops
            .iter()
            .take_while(|o| o.span != op.span)
            .filter(|o| o.effect == Effect::Deny(Target::Cat(dcat)))
            .last()
        else {
            return;
        };
        let broad = |p: usize| match op.effect {
            Effect::Grant(Target::Cat(_)) | Effect::Grant(Target::All) => true,
            Effect::Grant(Target::Cmd(c)) => probe_commands()[p] != Some(c),
            _ => false,
        };
        let hits: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&p| {
                broad(p)
                    && probe_commands()[p].is_some_and(|id| Target::Cat(dcat).contains(table, id))
            })
            .collect();
        if hits.is_empty() {
            return;
        }
        for &p in &hits {
            claimed[p] = true;
        }
        let labels: Vec<&str> = hits.iter().map(|&p| PROBES[p].label).collect();
        out.push(
            Diagnostic::new(
                &rules::DANGEROUS_COMMAND_REGRANTED,
                file,
                op.span,
                format!(
                    "`{}` grants again what `-@dangerous` took away from `{name}`: {} ({})",
                    text(op.text),
                    list(&labels),
                    PROBES[hits[0]].why
                ),
            )
            .related(file, deny.span, "`-@dangerous` is here")
            .help(format!(
                "grant only the commands it needs after `-@dangerous` (e.g. `+config|get` rather than `+config`), or add `-{}` after `{}`",
                labels[0].to_ascii_lowercase().replace(' ', "|"),
                text(op.text)
            )),
        );
    });

    // RL503: a category that grants more than its name says.
    for_each_token(&granted, |op, _, group| {
        let Effect::Grant(Target::Cat(c)) = op.effect else {
            return;
        };
        if matches!(c.name(), "admin" | "dangerous") {
            return;
        }
        let hits: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&p| !claimed[p] && PROBES[p].obvious_in != Some(c.name()))
            .collect();
        if hits.is_empty() {
            return;
        }
        for &p in &hits {
            claimed[p] = true;
        }
        let labels: Vec<&str> = hits.iter().map(|&p| PROBES[p].label).collect();
        let whys: Vec<String> = hits
            .iter()
            .take(3)
            .map(|&p| format!("`{}` can {}", PROBES[p].label, PROBES[p].why))
            .collect();
        out.push(
            Diagnostic::new(
                &rules::CATEGORY_GRANTS_DANGEROUS_COMMAND,
                file,
                op.span,
                format!(
                    "`{}` also gives `{name}` {}, still allowed after all its rules: {}",
                    text(op.text),
                    list(&labels),
                    whys.join("; ")
                ),
            )
            .help(format!(
                "deny what it should not run after `{}` (e.g. {}), or grant the commands it needs one by one",
                text(op.text),
                deny_example(&hits)
            )),
        );
    });

    // RL502: an account named for a narrow job that can run these commands.
    let is_default = decl.decl.name == b"default";
    if let Some(role) = (!is_default).then(|| role(&decl.decl.name, user)).flatten() {
        let app = matches!(role, Role::Application | Role::KeyScoped);
        for_each_token(&granted, |op, _, group| {
            let hits: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&p| !(claimed[p] || (app && PROBES[p].app_ok)))
                .collect();
            if hits.is_empty() {
                return;
            }
            let labels: Vec<&str> = hits.iter().map(|&p| PROBES[p].label).collect();
            let whys: Vec<String> = hits
                .iter()
                .take(3)
                .map(|&p| format!("`{}` can {}", PROBES[p].label, PROBES[p].why))
                .collect();
            out.push(
                Diagnostic::new(
                    &rules::SCOPED_USER_DANGEROUS_COMMAND,
                    file,
                    op.span,
                    format!(
                        "`{name}` looks like {}, but `{}` lets it run {}: {}",
                        role.describe(),
                        text(op.text),
                        list(&labels),
                        whys.join("; ")
                    ),
                )
                .help(token_help(table, op)),
            );
        });
    }

    // RL501: the `default` user kept broad.
    // Without a password (and without `nopass`) nobody can authenticate as `default`.
    if is_default && !user.nopass && !user.passwords.is_empty() {
        let all = user.root.all_commands;
        if all || !granted.is_empty() {
            let at = r
                .root
                .iter()
                .rev()
                .find(|o| o.effect == Effect::Grant(Target::All))
                .filter(|_| all)
                .map_or(decl.decl.name_span, |o| o.span);
            let labels: Vec<&str> = granted.iter().map(|g| PROBES[g.probe].label).collect();
            let what = if all {
                "every command".to_string()
            } else {
                list(&labels)
            };
            let keys = if user.all_selectors().any(|s| s.all_keys) {
                " on every key"
            } else {
                ""
            };
            let mut d = Diagnostic::new(
                &rules::DEFAULT_USER_BROAD_RIGHTS,
                file,
                at,
                format!(
                    "the `default` user is enabled and can run {what}{keys}: every client that authenticates with a password only (`AUTH <password>`, the `requirepass` way) gets these rights"
                ),
            )
            .help("turn it off (`user default off`) and give each client a named user, or leave `default` only what the old clients need (e.g. `~cache:* -@all +get +set`)");
            let mut spans = HashSet::new();
            for g in &granted {
                if let Some(op) = &g.op {
                    if op.span != at && spans.insert(op.span) && spans.len() <= 4 {
                        d = d.related(
                            file,
                            op.span,
                            format!("`{}` grants `{}`", text(op.text), PROBES[g.probe].label),
                        );
                    }
                }
            }
            out.push(d);
        }
    }

    // RL506: pub/sub commands, no channel at all.
    pubsub_without_channels(ctx, lu, decl, &r, out);
}

/// The user's name for messages: `***` when it is one of its own passwords (`user app on
/// >app`), which RL403 reports, or a secret span.
fn shown_name(ctx: &Context<'_>, decl: &DeclRef, user: &AclUser) -> String {
    let name = &decl.decl.name;
    if !ctx.options.show_secrets && !user.passwords.is_empty() {
        let telling = [
            name.clone(),
            name.to_ascii_lowercase(),
            name.to_ascii_uppercase(),
        ]
        .iter()
        .any(|n| user.passwords.contains(&crate::acl::sha256::hex_digest(n)));
        if telling {
            return "***".to_string();
        }
    }
    ctx.shown(decl.file, decl.decl.name_span, name)
}

/// Call `f` once per granting rule with the probes it grants (in probe order).
fn for_each_token<'r>(granted: &[Granted<'r>], mut f: impl FnMut(&Op<'r>, usize, &[usize])) {
    let mut done: Vec<Span> = Vec::new();
    for g in granted {
        let Some(op) = &g.op else { continue };
        if done.contains(&op.span) {
            continue;
        }
        done.push(op.span);
        let group: Vec<usize> = granted
            .iter()
            .filter(|h| h.op.as_ref().is_some_and(|o| o.span == op.span))
            .map(|h| h.probe)
            .collect();
        f(op, g.selector, &group);
    }
}

/// Rules that would deny these probes: `-@dangerous` for dangerous ones, `-@scripting` for
/// scripting ones, and the first one by name.
fn deny_example(hits: &[usize]) -> String {
    let table = commands::redis();
    let mut out: Vec<String> = Vec::new();
    for (cat, rule) in [
        ("dangerous", "`-@dangerous`"),
        ("scripting", "`-@scripting`"),
    ] {
        let Some(c) = commands::category(cat.as_bytes()) else {
            continue;
        };
        if hits
            .iter()
            .any(|&p| probe_commands()[p].is_some_and(|id| Target::Cat(c).contains(table, id)))
        {
            out.push(rule.to_string());
        }
    }
    if let Some(&p) = hits.first() {
        out.push(format!(
            "`-{}`",
            PROBES[p].label.to_ascii_lowercase().replace(' ', "|")
        ));
    }
    out.join(", ")
}

fn token_help(table: &CommandTable, op: &Op<'_>) -> String {
    match op.effect {
        Effect::Grant(Target::Cmd(c)) if !table.get(c).subcommands.is_empty() => {
            let name = &table.get(c).name;
            let examples = match name.as_str() {
                "config" => "`+config|get`",
                "client" => "`+client|list +client|info +client|setname`",
                "acl" => "`+acl|whoami`",
                "script" => "`+script|exists`",
                "function" => "`+function|list`",
                _ => "`+<command>|<subcommand>`",
            };
            format!("grant only the subcommands it needs (e.g. {examples}) instead of `{}`", text(op.text))
        }
        Effect::Grant(_) => format!(
            "grant only the commands it needs, or deny these after `{}` (e.g. `-@dangerous -@scripting`)",
            text(op.text)
        ),
        _ => "remove this rule: the account does not need it".to_string(),
    }
}

fn pubsub_without_channels(
    ctx: &Context<'_>,
    lu: &LoadedUser,
    decl: &DeclRef,
    r: &Replay<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let user = &lu.user;
    let table = commands::redis();
    if user
        .all_selectors()
        .any(|s| s.all_channels || !s.channels.is_empty())
    {
        return;
    }
    let mut names: Vec<&str> = Vec::new();
    let mut grant: Option<&Op<'_>> = None;
    for argv in PUBSUB {
        let bytes: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        let Some(cmd) = table.by_argv(&bytes) else {
            continue;
        };
        if matches!(check_user(user, cmd, &bytes), Err(Denial::Channel(_))) {
            names.push(argv[0]);
            if grant.is_none() {
                let sel = user.all_selectors().position(|s| {
                    matches!(
                        check_selector(s, cmd, &bytes, &mut None),
                        Err(Denial::Channel(_))
                    )
                });
                let ops = match sel {
                    Some(0) => Some(&r.root),
                    Some(k) => r.selectors.get(k - 1),
                    None => None,
                };
                grant = ops.and_then(|o| granter(table, o, cmd.id));
            }
        }
    }
    if names.is_empty() {
        return;
    }
    let name = shown_name(ctx, decl, user);
    let mut d = Diagnostic::new(
        &rules::PUBSUB_WITHOUT_CHANNELS,
        decl.file,
        decl.decl.name_span,
        format!(
            "`{name}` may run {} but has no channel permission (no `&pattern`, no `allchannels`): Redis 7.0 gives new users no channel (`acl-pubsub-default resetchannels`), so every channel is refused with `NOPERM`",
            list(&names)
        ),
    )
    .help("add the channels it uses (e.g. `&notifications:*`), or deny pub/sub with `-@pubsub` if it does not use it");
    if let Some(op) = grant {
        d = d.related(
            decl.file,
            op.span,
            format!("`{}` grants the pub/sub commands", text(op.text)),
        );
    }
    // Granted on purpose (`+@pubsub`, `+publish`): it will be used. Granted along with
    // everything else (`+@all`, `+@slow`): maybe never used.
    let deliberate = grant.is_some_and(|op| match op.effect {
        Effect::Grant(Target::Cmd(_)) | Effect::FirstArg(_) => true,
        Effect::Grant(Target::Cat(c)) => c.name() == "pubsub",
        _ => false,
    });
    if !deliberate {
        d = d.severity(Severity::Info);
    }
    out.push(d);
}

// ---------------------------------------------------------------------------------------
// RL505: redundant grants.

fn redundant(
    ctx: &Context<'_>,
    env: &Env<'_>,
    lu: &LoadedUser,
    decl: &DeclRef,
    r: &Replay<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let table = env.table;
    let rules = &decl.decl.rules;
    // A refused `-` rule may be meant to deny something: what is redundant then is unclear.
    if rules
        .iter()
        .zip(&r.failed)
        .any(|(rule, failed)| *failed && rule.text.first() != Some(&b'+'))
    {
        return;
    }
    // The user's own rules, then each `(...)` selector that survives (each starts empty).
    let groups: Vec<&[Op<'_>]> = std::iter::once(r.root.as_slice())
        .chain(r.selectors.iter().map(Vec::as_slice))
        .filter(|ops| {
            ops.len() >= 2 && !ops.iter().any(|o| matches!(o.effect, Effect::FirstArg(_)))
        })
        .collect();
    let marks: Vec<Vec<Option<Why>>> = groups
        .iter()
        .map(|ops| mark_redundant(table, ops))
        .collect();
    if !marks.iter().flatten().any(Option::is_some) {
        return;
    }
    // Verify: the user without every marked rule is the same user.
    let mut skip = vec![false; rules.len()];
    let mut dropped: HashSet<Span> = HashSet::new();
    for (ops, m) in groups.iter().zip(&marks) {
        for (op, m) in ops.iter().zip(m) {
            if m.is_none() {
                continue;
            }
            match rules.get(op.rule).map(|r| &r.kind) {
                Some(RuleKind::Selector(_)) => {
                    dropped.insert(op.span);
                }
                Some(_) => skip[op.rule] = true,
                None => return,
            }
        }
    }
    let modified: Vec<AclRule> = rules
        .iter()
        .map(|rule| match &rule.kind {
            RuleKind::Selector(ops) if ops.iter().any(|o| dropped.contains(&o.span)) => AclRule {
                span: rule.span,
                text: rule.text.clone(),
                kind: RuleKind::Selector(
                    ops.iter()
                        .filter(|o| !dropped.contains(&o.span))
                        .cloned()
                        .collect(),
                ),
            },
            _ => rule.clone(),
        })
        .collect();
    if replay(env, Some(initial_user(ctx, env, decl)), &modified, &skip)
        .user
        .as_ref()
        != Some(&lu.user)
    {
        return;
    }
    for (g, (ops, m)) in groups.iter().zip(&marks).enumerate() {
        report_redundant(ctx, lu, decl, ops, m, g > 0, out);
    }
}

/// RL505 findings for the marked grants of one group of rules.
fn report_redundant(
    ctx: &Context<'_>,
    lu: &LoadedUser,
    decl: &DeclRef,
    ops: &[Op<'_>],
    marks: &[Option<Why>],
    in_selector: bool,
    out: &mut Vec<Diagnostic>,
) {
    let table = commands::redis();
    let marked: Vec<bool> = marks.iter().map(Option::is_some).collect();
    let src = &ctx.ws.file(decl.file).source.bytes;
    for (i, op) in ops.iter().enumerate() {
        if !marked[i] {
            continue;
        }
        let t = match op.effect {
            Effect::Grant(t) => t,
            _ => continue,
        };
        // Who makes it redundant: earlier grants overlapping it, or the next rule that sets
        // its commands again.
        let mut names: Vec<String> = Vec::new();
        if marks[i] == Some(Why::Before) {
            for j in (i.saturating_sub(64)..i).rev() {
                if names.len() == 3 {
                    break;
                }
                if let Effect::Grant(pt) = ops[j].effect {
                    if !marked[j] && overlaps(table, pt, t) {
                        names.push(format!("`{}`", text(ops[j].text)));
                    }
                }
            }
            names.reverse();
        }
        let why = if names.is_empty() {
            let next = ops
                .iter()
                .enumerate()
                .skip(i + 1)
                .take(64)
                .find(|(j, o)| {
                    !marked[*j]
                        && match o.effect {
                            Effect::Grant(pt) | Effect::Deny(pt) => overlaps(table, pt, t),
                            Effect::FirstArg(_) => false,
                        }
                })
                .map(|(_, o)| format!(" (first by `{}`)", text(o.text)))
                .unwrap_or_default();
            format!(
                "every command it grants is either allowed before it or set again after it{next}"
            )
        } else {
            format!(
                "every command it grants is already allowed by {}",
                names.join(", ")
            )
        };
        let mut d = Diagnostic::new(
            &rules::REDUNDANT_ACL_RULE,
            decl.file,
            op.span,
            format!(
                "`{}` changes nothing for `{}`: {why}",
                text(op.text),
                shown_name(ctx, decl, &lu.user)
            ),
        )
        .help(format!("delete `{}`", text(op.text)));
        // Inside a selector the word must be written as is (not inside a quoted argument).
        let exact = !in_selector || src.get(op.span.range()) == Some(op.text);
        if let Some(edit) = deletion(src, op.span).filter(|_| exact) {
            d = d.fix(
                Applicability::Safe,
                format!("delete the redundant `{}`", text(op.text)),
                vec![(decl.file, edit, String::new())],
            );
        }
        out.push(d);
    }
}

/// Why a grant is redundant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// Everything it grants is already allowed when it applies.
    Before,
    /// What it grants is allowed before it or set again after it.
    Later,
}

/// Mark redundant grants so that all marked ones can be removed together: first the grants
/// that add nothing to what is allowed before them (so the later of two duplicates is the
/// one marked), then, among the others, those whose every command is allowed before them or
/// set again by a later (unmarked) rule.
fn mark_redundant(table: &CommandTable, ops: &[Op<'_>]) -> Vec<Option<Why>> {
    let n = ops.len();
    let words = masks().all.len();
    let mut marks: Vec<Option<Why>> = vec![None; n];
    let deny = |before: &mut Bits, t: Target| {
        let mut m = vec![0u64; words];
        t.or_into(table, &mut m);
        before.iter_mut().zip(&m).for_each(|(a, b)| *a &= !b);
    };
    // Pass 1: nothing new.
    let mut before: Bits = vec![0u64; words];
    let mut all_flag = false;
    for (i, op) in ops.iter().enumerate() {
        match op.effect {
            Effect::Grant(t) => {
                let covered = if t == Target::All {
                    all_flag
                } else {
                    !t.uncovered(table, &before)
                };
                if covered {
                    marks[i] = Some(Why::Before);
                    continue;
                }
                t.or_into(table, &mut before);
                all_flag |= t == Target::All;
            }
            Effect::Deny(t) => {
                deny(&mut before, t);
                all_flag = false;
            }
            Effect::FirstArg(_) => {}
        }
    }
    // Pass 2: overridden later. later[i]: bits touched by unmarked ops after i.
    let mut later: Vec<Bits> = vec![vec![0u64; words]; n + 1];
    let mut full_later = vec![false; n + 1];
    for i in (0..n).rev() {
        later[i] = later[i + 1].clone();
        full_later[i] = full_later[i + 1];
        if marks[i].is_some() {
            continue;
        }
        if let Effect::Grant(t) | Effect::Deny(t) = ops[i].effect {
            t.or_into(table, &mut later[i]);
            full_later[i] |= t == Target::All;
        }
    }
    let mut before: Bits = vec![0u64; words];
    let mut all_flag = false;
    for (i, op) in ops.iter().enumerate() {
        if marks[i].is_some() {
            continue;
        }
        match op.effect {
            Effect::Grant(t) => {
                let redundant = if t == Target::All {
                    full_later[i + 1] || all_flag
                } else {
                    let mut covered = before.clone();
                    covered
                        .iter_mut()
                        .zip(&later[i + 1])
                        .for_each(|(a, b)| *a |= b);
                    !t.uncovered(table, &covered)
                };
                if redundant {
                    marks[i] = Some(Why::Later);
                    continue;
                }
                t.or_into(table, &mut before);
                all_flag |= t == Target::All;
            }
            Effect::Deny(t) => {
                deny(&mut before, t);
                all_flag = false;
            }
            Effect::FirstArg(_) => {}
        }
    }
    marks
}

fn overlaps(table: &CommandTable, a: Target, b: Target) -> bool {
    let words = masks().all.len();
    let (mut x, mut y) = (vec![0u64; words], vec![0u64; words]);
    a.or_into(table, &mut x);
    b.or_into(table, &mut y);
    x.iter().zip(&y).any(|(p, q)| p & q != 0)
}

/// The bytes to delete for a rule token: the token and the space before it (or, first in a
/// selector, the space after it).
fn deletion(src: &[u8], span: Span) -> Option<Span> {
    let (start, mut end) = (span.start as usize, span.end as usize);
    while end > start && matches!(src.get(end - 1), Some(b'\r' | b'\t' | b'\n')) {
        end -= 1;
    }
    if end <= start {
        return None;
    }
    if start > 0 && matches!(src.get(start - 1), Some(b' ' | b'\t')) {
        Some(Span::new(start - 1, end))
    } else if start > 0 && src.get(start - 1) == Some(&b'(') && src.get(end) == Some(&b' ') {
        Some(Span::new(start, end + 1))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemoryFs;
    use crate::{check as run_check, Finding, Input, Options};

    fn run(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(*path, *text);
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path.to_string()),
                bytes: text.as_bytes().to_vec(),
                kind: *kind,
            });
        }
        run_check(inputs, &fs, &Options::default())
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL5"))
            .collect()
    }

    fn acl(text: &str) -> Vec<Finding> {
        run(&[("/etc/redis/users.acl", Kind::Acl, text)])
    }

    fn show(f: &[Finding]) -> String {
        f.iter()
            .map(|f| {
                format!(
                    "{}:{}:{} {} {}\n",
                    f.file, f.line, f.column, f.code, f.message
                )
            })
            .collect()
    }

    fn codes(f: &[Finding]) -> Vec<(&str, u32, u32)> {
        f.iter().map(|f| (f.code, f.line, f.column)).collect()
    }

    #[test]
    fn name_words() {
        assert_eq!(words(b"ai_platform"), ["ai", "platform"]);
        assert_eq!(words(b"redisExporter2"), ["redis", "exporter", "2"]);
        assert_eq!(words(b"ro-user"), ["ro", "user"]);
    }

    #[test]
    fn roles() {
        let env = Env::new(commands::redis());
        let u = AclUser::new(b"x", &env);
        let role = |n: &str| role(n.as_bytes(), &u);
        assert_eq!(role("monitor"), Some(Role::Monitoring));
        assert_eq!(role("redis_exporter"), Some(Role::Monitoring));
        assert_eq!(role("prometheusexporter"), Some(Role::Monitoring));
        assert_eq!(role("readonly"), Some(Role::ReadOnly));
        assert_eq!(role("ro"), Some(Role::ReadOnly));
        assert_eq!(role("ai_platform"), Some(Role::Application));
        assert_eq!(role("app1"), Some(Role::Application));
        assert_eq!(role("admin"), None);
        assert_eq!(role("redisadmin"), None);
        assert_eq!(role("sentinel"), None);
        assert_eq!(role("replica-monitor"), None, "admin words win");
        assert_eq!(role("alice"), None);
        assert_eq!(role("romeo"), None, "`ro` is a whole word only");
    }

    const SEED: &str = "# c\nuser default on >AI_Platform_Redis_2024_Secure ~* &* -@all +@read +@write +@list +@hash +@set +@sorted_set +@string +@bitmap +@hyperloglog +@geo +@stream +@pubsub +@transaction +info +ping +auth\n\nuser ai_platform on >AI_Platform_App_Redis_2024 ~ai:* ~session:* ~cache:* +@all -@dangerous\n\nuser monitor on >Monitor_Redis_2024 ~* +@read +info +ping +client +config +latency +memory +slowlog\n\nuser admin on >Admin_Redis_2024 ~* +@all\n";

    #[test]
    fn seed_users() {
        let f = acl(SEED);
        let all = show(&f);
        assert!(
            !all.contains("Redis_2024"),
            "no password in messages\n{all}"
        );
        let c = codes(&f);
        // monitor: +config (CONFIG SET) and +client (CLIENT KILL), on the tokens.
        let line = SEED.lines().nth(5).unwrap();
        let col = |tok: &str| line.find(tok).unwrap() as u32 + 1;
        assert!(c.contains(&("RL502", 6, col("+config"))), "{all}");
        assert!(c.contains(&("RL502", 6, col("+client"))), "{all}");
        assert!(
            c.contains(&("RL503", 6, col("+@read"))),
            "KEYS via @read\n{all}"
        );
        // ai_platform: `+@all -@dangerous`, the application pattern of Redis' ACL docs, is
        // not a warning (its scripts and functions are its own); it has no channel.
        assert!(!c.iter().any(|x| x.0 == "RL502" && x.1 == 4), "{all}");
        assert!(c.iter().any(|x| x.0 == "RL506" && x.1 == 4), "{all}");
        // default: broad, and +@list etc. redundant after +@read +@write.
        assert!(c.iter().any(|x| x.0 == "RL501" && x.1 == 2), "{all}");
        let line2 = SEED.lines().nth(1).unwrap();
        for tok in ["+@list ", "+@hash ", "+@set ", "+@string ", "+@geo "] {
            let col = line2.find(tok).unwrap() as u32 + 1;
            assert!(c.contains(&("RL505", 2, col)), "{tok}\n{all}");
        }
        for tok in [
            "+@pubsub ",
            "+@transaction ",
            "+info ",
            "+@read ",
            "+@write ",
        ] {
            let col = line2.find(tok).unwrap() as u32 + 1;
            assert!(!c.contains(&("RL505", 2, col)), "{tok}\n{all}");
        }
        // admin is not reported by RL502.
        assert!(!c.iter().any(|x| x.1 == 8 && x.0 == "RL502"), "{all}");
        eprintln!("{all}");
    }

    #[test]
    fn regrant_after_dangerous() {
        let f =
            acl("user app on >x ~app:* &app:* -@all +@read -@dangerous +config +flushdb +@admin\n");
        let all = show(&f);
        let c = codes(&f);
        let line = "user app on >x ~app:* &app:* -@all +@read -@dangerous +config +flushdb +@admin";
        let col = |tok: &str| line.find(tok).unwrap() as u32 + 1;
        assert!(c.contains(&("RL504", 1, col("+@admin"))), "{all}");
        assert!(
            !c.contains(&("RL504", 1, col("+flushdb"))),
            "explicit: deliberate\n{all}"
        );
        // CONFIG SET: +@admin grants it last (the `config` container bit stays +config's).
        assert!(!c.contains(&("RL502", 1, col("+config"))), "{all}");
    }

    #[test]
    fn category_surprises() {
        let f = acl("user worker on >x ~w:* &w:* -@all +@slow\n");
        let all = show(&f);
        assert!(
            all.contains("RL503") && all.contains("CONFIG SET") && all.contains("SHUTDOWN"),
            "{all}"
        );
        assert!(!all.contains("RL502"), "claimed by RL503\n{all}");
        let f = acl("user app on >x ~a:* &a:* -@all +@read +@write -@dangerous\n");
        let all = show(&f);
        assert!(
            all.contains("`+@write` also gives") && all.contains("FUNCTION FLUSH"),
            "{all}"
        );
        assert!(!all.contains("FLUSHALL"), "{all}");
        let f = acl("user app on >x ~a:* &a:* -@all +@read +@write -@dangerous -@scripting\n");
        assert!(f.is_empty(), "{}", show(&f));
    }

    #[test]
    fn default_user() {
        let f = acl("user default on >x ~* &* +@all\n");
        assert_eq!(codes(&f), [("RL501", 1, 26)], "{}", show(&f));
        // nopass: RL303's business; off: nothing.
        assert!(acl("user default on nopass ~* &* +@all\n").is_empty());
        assert!(acl("user default off >x ~* &* +@all\n").is_empty());
        assert!(acl("user default on >x ~* -@all +get\n").is_empty());
        assert!(
            acl("user default on ~* &* +@all\n").is_empty(),
            "no password: nobody logs in as default"
        );
        // A name that is its own password is not printed.
        let f = acl("user app on >app ~* -@all +@read +@write +@list\n");
        assert!(
            !f.is_empty() && f.iter().all(|f| !f.message.contains("app")),
            "{}",
            show(&f)
        );
        // redis.conf user line.
        let f = run(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "port 6379\nuser default on >x ~* &* +@all\n",
        )]);
        assert_eq!(codes(&f), [("RL501", 2, 26)], "{}", show(&f));
        // Built-in default (requirepass only): not declared, not reported.
        let f = run(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "port 6379\nrequirepass Xq93kd8s7Dk2mZ\n",
        )]);
        assert!(f.is_empty(), "{}", show(&f));
    }

    #[test]
    fn pubsub() {
        let f = acl("user app on >x ~a:* -@all +get +publish\n");
        assert!(codes(&f).contains(&("RL506", 1, 6)), "{}", show(&f));
        assert!(acl("user app on >x ~a:* &a:* -@all +get +publish\n").is_empty());
        assert!(acl("user app on >x ~a:* -@all +get\n").is_empty());
        // Granted along with everything: info; on purpose: warning.
        let f = acl("user app on >x ~a:* +@all\nuser b on >x ~a:* -@all +@pubsub\n");
        let sev: Vec<_> = f
            .iter()
            .filter(|f| f.code == "RL506")
            .map(|f| (f.line, f.severity))
            .collect();
        assert_eq!(
            sev,
            [(1, Severity::Info), (2, Severity::Warning)],
            "{}",
            show(&f)
        );
        // acl-pubsub-default allchannels: users start with &*.
        let f = run(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "acl-pubsub-default allchannels\nuser app on >x ~a:* -@all +get +publish\n",
        )]);
        assert!(f.is_empty(), "{}", show(&f));
    }

    #[test]
    fn redundancy_is_joint_and_fix_keeps_user() {
        let f = acl("user u on >x ~* &* -@all +get +get +@string +get\n");
        let c = codes(&f);
        // Two of the +get and maybe @string overlap: whatever is reported is jointly removable.
        assert!(!c.is_empty());
        let f = acl("user u on >x ~* &* +@all +@all -debug\n");
        assert_eq!(
            codes(&f).iter().filter(|x| x.0 == "RL505").count(),
            1,
            "{}",
            show(&f)
        );
        // Denials are never reported; nor is a lone grant.
        assert!(acl("user u on >x ~* &* -@all -@all +get\n")
            .iter()
            .all(|f| f.code != "RL505"));
    }

    #[test]
    fn redundant_fix_in_redis_conf_keeps_the_user() {
        let conf = "port 6379\nuser app on >x \"~a:*\" &a:* -@all +@read\t\"+@write\" +@list \"+@hash\"\r\n";
        let f = run(&[("/etc/redis/redis.conf", Kind::Redis, conf)]);
        let fixes: Vec<crate::finding::Edit> = f
            .iter()
            .filter(|f| f.code == "RL505")
            .flat_map(|f| f.fix.clone().map(|x| x.edits).unwrap_or_default())
            .collect();
        assert_eq!(fixes.len(), 2, "{}", show(&f));
        let fixed = crate::fix::apply_edits(conf.as_bytes(), &fixes);
        assert_eq!(
            String::from_utf8_lossy(&fixed),
            "port 6379\nuser app on >x \"~a:*\" &a:* -@all +@read\t\"+@write\"\r\n"
        );
        let user = |b: &[u8]| {
            let mut ws = crate::model::Workspace::new();
            ws.add_given(vec![Input {
                path: "etc/redis/redis.conf".to_string(),
                host_path: Some("/etc/redis/redis.conf".to_string()),
                bytes: b.to_vec(),
                kind: Kind::Redis,
            }]);
            let fs = MemoryFs::new();
            let (d, _) = crate::model::Deployment::build(&mut ws, &fs, Options::default().host);
            let state = acl::server_acl(&ws, &d.servers[0]);
            state.users.get(b"app").map(|u| u.user.clone())
        };
        assert!(user(conf.as_bytes()).is_some());
        assert_eq!(user(conf.as_bytes()), user(&fixed));
        let again = run(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            &String::from_utf8_lossy(&fixed),
        )]);
        assert!(again.iter().all(|f| f.code != "RL505"), "{}", show(&again));
    }

    #[test]
    fn aclfile_of_a_server_and_debug_gate() {
        let users = "user metrics on >x ~* -@all +info +debug +module\n";
        let conf = |extra: &str| format!("port 6379\naclfile /etc/redis/users.acl\n{extra}");
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, &conf("")),
            ("/etc/redis/users.acl", Kind::Acl, users),
        ]);
        assert!(
            f.is_empty(),
            "DEBUG/MODULE refused by default\n{}",
            show(&f)
        );
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                &conf("enable-debug-command local\nenable-module-command yes\n"),
            ),
            ("/etc/redis/users.acl", Kind::Acl, users),
        ]);
        let c = codes(&f);
        assert_eq!(c, [("RL502", 1, 35), ("RL502", 1, 42)], "{}", show(&f));
        assert!(f[0].message.contains("`DEBUG`") && f[1].message.contains("`MODULE LOAD`"));
    }

    #[test]
    fn huge_user_stays_linear() {
        let mut line = String::from("user big on >x ~* &* -@all");
        for i in 0..20000 {
            line.push_str(if i % 2 == 0 { " +get" } else { " +@string" });
        }
        line.push('\n');
        let t = std::time::Instant::now();
        let f = acl(&line);
        assert_eq!(f.iter().filter(|f| f.code == "RL505").count(), 19999);
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    /// Timing on the benchmark's user lines: `cargo test -p redlint-core --lib bench_users -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_users() {
        let mut conf = String::from("port 6379\n");
        for i in 0..20000u64 {
            conf.push_str(&format!(
                "user app{i} on #{:064x} ~app{i}:* &chan{i} -@all +@read +@write -keys\n",
                i * 7919
            ));
        }
        let t = std::time::Instant::now();
        let f = run(&[("/etc/redis/redis.conf", Kind::Redis, &conf)]);
        eprintln!("whole check: {:?}, {} RL5 findings", t.elapsed(), f.len());
        let mut fs = MemoryFs::new();
        fs.insert("/etc/redis/redis.conf", conf.as_str());
        let mut ws = crate::model::Workspace::new();
        ws.add_given(vec![Input {
            path: "etc/redis/redis.conf".to_string(),
            host_path: Some("/etc/redis/redis.conf".to_string()),
            bytes: conf.as_bytes().to_vec(),
            kind: Kind::Redis,
        }]);
        let options = Options::default();
        let (deployment, _) = crate::model::Deployment::build(&mut ws, &fs, options.host);
        let ctx = Context::new(&ws, &deployment, &options, &fs);
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        check(&ctx, &mut out);
        eprintln!(
            "privileges::check alone: {:?}, {} diagnostics",
            t.elapsed(),
            out.len()
        );
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        crate::check::acl::check(&ctx, &mut out);
        eprintln!("acl::check alone (for scale): {:?}", t.elapsed());
    }
}
