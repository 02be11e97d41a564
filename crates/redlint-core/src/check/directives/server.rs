//! The checks that need a whole server (includes expanded, in load order) or the command
//! table: `rename-command` (RL013), module configs without a module (RL014), `replicaof` in
//! cluster mode (RL016), and the startup aborts that follow from the configuration alone
//! (RL004). The host checks (RL017, RL018, RL019, RL025) are in `preflight`.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::{display, line_context, values};
use crate::check::{Context, Diagnostic};
use crate::knowledge::directives::line::{self, LineContext};
use crate::knowledge::directives::values::{check_int, yes_no};
use crate::knowledge::directives::{self as table, closest, cstr, NameKind};
use crate::model::{FileId, Server};
use crate::rules;
use crate::source::Span;
use crate::syntax::conf::{self, LineKind, Token};

/// One directive line of a server, with its values and whether the parser accepts it.
pub(super) struct Entry<'a> {
    pub(super) file: FileId,
    pub(super) name: &'a str,
    pub(super) tokens: &'a [Token],
    pub(super) vals: Vec<&'a [u8]>,
    pub(super) ok: bool,
}

impl Entry<'_> {
    fn name_span(&self) -> Span {
        self.tokens[0].span
    }
    pub(super) fn span(&self, i: usize) -> Span {
        self.tokens
            .get(i)
            .map_or(self.tokens[self.tokens.len() - 1].span, |t| t.span)
    }
    pub(super) fn line_span(&self) -> Span {
        self.tokens[0]
            .span
            .cover(self.tokens[self.tokens.len() - 1].span)
    }
    /// The values after a MULTI_ARG re-split of a single argument.
    pub(super) fn split_values(&self) -> Vec<Vec<u8>> {
        if self.vals.len() == 2 && !self.vals[1].is_empty() {
            conf::split_value(cstr(self.vals[1])).unwrap_or_default()
        } else {
            self.vals[1..].iter().map(|v| v.to_vec()).collect()
        }
    }
}

pub(super) fn check_servers(
    ctx: &Context<'_>,
    nul_lines: &HashSet<(FileId, u32)>,
    out: &mut Vec<Diagnostic>,
) {
    let mut diags = Vec::new();
    for server in &ctx.deployment.servers {
        let cx = line_context(ctx, server.sentinel);
        let entries = entries(ctx, server, nul_lines, &cx);
        rename_commands(server, &entries, &mut diags);
        if !server.sentinel {
            module_configs(&entries, &mut diags);
        }
        replicaof_in_cluster(&entries, &mut diags);
        super::preflight::check(ctx, server, &entries, &mut diags);
        startup(server, &entries, &mut diags);
    }
    // A file loaded by several servers is reported once.
    let mut seen = HashSet::new();
    for d in diags {
        if seen.insert((d.file, d.span, d.rule.code, d.message.clone())) {
            out.push(d);
        }
    }
}

fn entries<'a>(
    ctx: &'a Context<'_>,
    server: &'a Server,
    nul_lines: &HashSet<(FileId, u32)>,
    cx: &LineContext,
) -> Vec<Entry<'a>> {
    let mut out = Vec::with_capacity(server.directives.len());
    for d in &server.directives {
        if nul_lines.contains(&(d.file, d.line)) {
            continue;
        }
        let f = ctx.ws.file(d.file);
        let Some(doc) = f.conf() else { continue };
        let l = &doc.lines[d.line as usize];
        if l.kind != LineKind::Directive {
            continue;
        }
        let tokens = doc.tokens(l);
        let vals = values(doc, &f.source.bytes, tokens);
        let ok = line::verdict(&vals, cx).is_ok();
        out.push(Entry {
            file: d.file,
            name: d.name.as_str(),
            tokens,
            vals,
            ok,
        });
    }
    out
}

/// The last accepted line of a directive.
pub(super) fn last<'e, 'a>(entries: &'e [Entry<'a>], name: &str) -> Option<&'e Entry<'a>> {
    entries.iter().rev().find(|e| e.ok && e.name == name)
}

// ---------------------------------------------------------------------------------------
// RL013 rename-command

/// Command name → its subcommands (`config` → `config|get`, …): the top-level commands of
/// the real server's table (`COMMAND INFO`, `rules/redis-7.0/commands.json`), read once by
/// [`crate::knowledge::commands::redis`].
fn redis_commands() -> &'static HashMap<String, Vec<String>> {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table = crate::knowledge::commands::redis();
        table
            .commands
            .iter()
            .filter(|c| c.parent.is_none())
            .map(|c| {
                let subs = c.subcommands.iter().map(|id| table.get(*id).name.clone());
                (c.name.clone(), subs.collect())
            })
            .collect()
    })
}

/// The commands a Sentinel has (`COMMAND LIST` of redis-sentinel 7.0.15).
const SENTINEL_COMMANDS: &[(&str, &[&str])] = &[
    (
        "acl",
        &[
            "cat", "deluser", "dryrun", "genpass", "getuser", "help", "list", "load", "log",
            "save", "setuser", "users", "whoami",
        ],
    ),
    ("auth", &[]),
    (
        "client",
        &[
            "caching",
            "getname",
            "getredir",
            "help",
            "id",
            "info",
            "kill",
            "list",
            "no-evict",
            "pause",
            "reply",
            "setname",
            "tracking",
            "trackinginfo",
            "unblock",
            "unpause",
        ],
    ),
    (
        "command",
        &[
            "count",
            "docs",
            "getkeys",
            "getkeysandflags",
            "help",
            "info",
            "list",
        ],
    ),
    ("hello", &[]),
    ("info", &[]),
    ("ping", &[]),
    ("psubscribe", &[]),
    ("publish", &[]),
    ("punsubscribe", &[]),
    ("role", &[]),
    (
        "sentinel",
        &[
            "ckquorum",
            "config",
            "debug",
            "failover",
            "flushconfig",
            "get-master-addr-by-name",
            "help",
            "info-cache",
            "is-master-down-by-addr",
            "master",
            "masters",
            "monitor",
            "myid",
            "pending-scripts",
            "remove",
            "replicas",
            "reset",
            "sentinels",
            "set",
            "simulate-failure",
            "slaves",
        ],
    ),
    ("shutdown", &[]),
    ("subscribe", &[]),
    ("unsubscribe", &[]),
];

fn has_subcommand(sentinel: bool, command: &str, sub: &str) -> bool {
    if sentinel {
        SENTINEL_COMMANDS
            .iter()
            .any(|(c, subs)| *c == command && subs.contains(&sub))
    } else {
        redis_commands().get(command).is_some_and(|subs| {
            subs.iter()
                .any(|s| s.split_once('|').is_some_and(|(_, x)| x == sub))
        })
    }
}

fn lower(v: &[u8]) -> String {
    String::from_utf8_lossy(cstr(v)).to_ascii_lowercase()
}

/// Replays the `rename-command` lines against the live command table (`config.c`: the
/// command is looked up under its current name, removed, and re-added under the new one).
fn rename_commands(server: &Server, entries: &[Entry<'_>], out: &mut Vec<Diagnostic>) {
    let renames: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|e| e.ok && e.name == "rename-command")
        .collect();
    if renames.is_empty() {
        return;
    }
    let mut live: HashMap<String, String> = if server.sentinel {
        SENTINEL_COMMANDS
            .iter()
            .map(|(c, _)| (c.to_string(), c.to_string()))
            .collect()
    } else {
        redis_commands()
            .keys()
            .map(|c| (c.clone(), c.clone()))
            .collect()
    };
    // Original name → where it was renamed.
    let mut renamed: HashMap<String, (FileId, Span, String)> = HashMap::new();
    for e in renames {
        let old = lower(e.vals[1]);
        let new = cstr(e.vals[2]);
        let fatal = |message: String, help: String, span: Span| {
            Diagnostic::new(&rules::RENAME_COMMAND_INVALID, e.file, span, message)
                .fatal()
                .help(help)
        };
        if let Some((container, sub)) = old.split_once('|') {
            let exists = live
                .get(container)
                .is_some_and(|orig| has_subcommand(server.sentinel, orig, sub));
            let d = if exists {
                fatal(
                    format!("`{}` is a subcommand: renaming it crashes Redis at startup (an assertion fails, or a segfault in Sentinel)", display(e.vals[1])),
                    format!("only whole commands can be renamed (e.g. `rename-command {container} …`); to forbid `{old}` for users, use an ACL rule such as `-{old}`"),
                    e.span(1),
                )
            } else {
                fatal(
                    format!("no command `{}` to rename: Redis refuses to start (`No such command in rename-command`)", display(e.vals[1])),
                    "only whole commands can be renamed; subcommands cannot".to_string(),
                    e.span(1),
                )
            };
            out.push(d);
            continue;
        }
        let Some(orig) = live.remove(&old) else {
            let help = if let Some((file, span, to)) = renamed.get(&old) {
                let what = if to.is_empty() {
                    "removed (renamed to `\"\"`)".to_string()
                } else {
                    format!("renamed to `{to}`")
                };
                let d = fatal(
                    format!("`{}` was already {what} above, so the name no longer exists: Redis refuses to start (`No such command in rename-command`)", display(e.vals[1])),
                    "rename each command once; rename-command applies to the command's current name".to_string(),
                    e.span(1),
                )
                .related(*file, *span, "renamed here");
                out.push(d);
                continue;
            } else if server.sentinel && redis_commands().contains_key(&old) {
                let names: Vec<&str> = SENTINEL_COMMANDS.iter().map(|(c, _)| *c).collect();
                format!(
                    "Sentinel has only its own commands ({}); delete the line",
                    names.join(", ")
                )
            } else {
                match closest(old.as_bytes(), live.keys().map(String::as_str)) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "name a command of Redis 7.0 (module commands do not exist yet when the config is read)".to_string(),
                }
            };
            out.push(fatal(
                format!("no command `{}` to rename: Redis refuses to start (`No such command in rename-command`)", display(e.vals[1])),
                help,
                e.span(1),
            ));
            continue;
        };
        if !new.is_empty() {
            let new_l = lower(new);
            if live.contains_key(&new_l) {
                out.push(fatal(
                    format!("`{}` is the name of an existing command: Redis refuses to start (`Target command name already exists`)", display(new)),
                    "pick a name no command has (or rename that command first)".to_string(),
                    e.span(2),
                ));
                continue;
            }
            renamed.insert(orig.clone(), (e.file, e.span(1), display(new)));
            live.insert(new_l, orig);
        } else {
            renamed.insert(orig.clone(), (e.file, e.span(1), String::new()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// RL014 module configuration without loadmodule

fn module_configs(entries: &[Entry<'_>], out: &mut Vec<Diagnostic>) {
    if entries.iter().any(|e| e.ok && e.name == "loadmodule") {
        return; // whether a loaded module claims the option is known only at startup
    }
    for e in entries
        .iter()
        .filter(|e| e.ok && matches!(table::classify(e.vals[0]), NameKind::ModuleConfig))
    {
        let name = display(e.vals[0]);
        let module = name.split('.').next().unwrap_or_default().to_string();
        let typo = table::suggest(e.vals[0]).filter(|s| !s.contains('.'));
        let help = match typo {
            Some(s) => format!("if you meant the directive `{s}`, write it with `-`; otherwise load the module `{module}` with `loadmodule /path/to/module.so`"),
            None => format!("load the module that owns `{module}.*` with `loadmodule /path/to/module.so`, or delete the line"),
        };
        out.push(
            Diagnostic::new(
                &rules::MODULE_CONFIG_WITHOUT_LOADMODULE,
                e.file,
                e.name_span(),
                format!("`{name}` is a module option (its name has a `.`) but no module is loaded: Redis aborts at startup (`Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting`)"),
            )
            .fatal()
            .help(help),
        );
    }
}

// ---------------------------------------------------------------------------------------
// RL016 replicaof with cluster-enabled

fn replicaof_in_cluster(entries: &[Entry<'_>], out: &mut Vec<Diagnostic>) {
    let Some(cluster) = last(entries, "cluster-enabled") else {
        return;
    };
    if yes_no(cluster.vals[1]) != Some(true) {
        return;
    }
    let Some(rep) = last(entries, "replicaof") else {
        return;
    };
    let v = rep.split_values();
    if v.len() == 2
        && cstr(&v[0]).eq_ignore_ascii_case(b"no")
        && cstr(&v[1]).eq_ignore_ascii_case(b"one")
    {
        return;
    }
    out.push(
        Diagnostic::new(
            &rules::REPLICAOF_WITH_CLUSTER,
            rep.file,
            rep.line_span(),
            format!("`{}` with `cluster-enabled yes`: Redis refuses to start (`replicaof directive not allowed in cluster mode`)", display(rep.vals[0])),
        )
        .fatal()
        .related(cluster.file, cluster.line_span(), "cluster mode enabled here")
        .help("in a cluster, replicas are assigned with `CLUSTER REPLICATE <node-id>` (or `redis-cli --cluster`); remove the `replicaof` line"),
    );
}

// ---------------------------------------------------------------------------------------
// RL004 startup aborts that follow from the configuration alone

fn int_of(e: Option<&Entry<'_>>, default: i64) -> i64 {
    e.and_then(|e| {
        table::lookup(e.name.as_bytes()).and_then(|spec| check_int(spec, e.vals[1]).ok())
    })
    .unwrap_or(default)
}

fn flag(entries: &[Entry<'_>], name: &str) -> Option<(bool, Span, FileId)> {
    last(entries, name).map(|e| (yes_no(e.vals[1]) == Some(true), e.line_span(), e.file))
}

fn startup(server: &Server, entries: &[Entry<'_>], out: &mut Vec<Diagnostic>) {
    let port_e = last(entries, "port");
    let port = int_of(port_e, if server.sentinel { 26379 } else { 6379 });
    let tls_e = last(entries, "tls-port");
    let tls_port = int_of(tls_e, 0);
    let bind_e = last(entries, "bind");
    let bind_empty = bind_e.is_some_and(|e| {
        let v = e.split_values();
        v.is_empty() || (v.len() == 1 && v[0].is_empty())
    });
    let unixsocket = last(entries, "unixsocket").is_some_and(|e| !cstr(e.vals[1]).is_empty());
    let fatal = |file: FileId, span: Span, message: String, help: &str| {
        Diagnostic::new(&rules::INVALID_VALUE, file, span, message)
            .fatal()
            .help(help.to_string())
    };

    // Nowhere to listen.
    if !unixsocket && (bind_empty || (port == 0 && tls_port == 0)) {
        let (file, span, what) = match (bind_empty, bind_e, port_e) {
            (true, Some(b), _) => (b.file, b.line_span(), "`bind` lists no address".to_string()),
            (_, _, Some(p)) => (p.file, p.line_span(), "`port 0` disables TCP".to_string()),
            _ => (server.main, Span::default(), "no listener".to_string()),
        };
        out.push(fatal(
            file,
            span,
            format!("{what} and there is no `unixsocket` (nor TLS port): Redis aborts at startup (`Configured to not listen anywhere, exiting.`)"),
            "give Redis something to listen on: a `port` with `bind` addresses, or a `unixsocket`",
        ));
    }

    // Two listeners on the same port.
    if port != 0 && tls_port == port {
        if let Some(t) = tls_e {
            out.push(fatal(
                t.file,
                t.line_span(),
                format!("`tls-port` equals `port` ({port}): the second listen fails (`Address already in use`) and Redis aborts at startup"),
                "use different ports for plain TCP and TLS (or `port 0` for TLS only)",
            ));
        }
    }

    // TLS: `tlsConfigure` needs a certificate, a key, and CA certificates for peer checks.
    let tls_repl = flag(entries, "tls-replication");
    let tls_cluster = flag(entries, "tls-cluster");
    let enabler = if tls_port != 0 {
        tls_e.map(|e| (e.file, e.line_span(), "tls-port"))
    } else if let Some((true, span, file)) = tls_repl {
        Some((file, span, "tls-replication yes"))
    } else if let Some((true, span, file)) = tls_cluster {
        Some((file, span, "tls-cluster yes"))
    } else {
        None
    };
    if let Some((file, span, what)) = enabler {
        let set = |name: &str| last(entries, name).is_some_and(|e| !cstr(e.vals[1]).is_empty());
        let aborts =
            "Redis aborts at startup (`Failed to configure TLS. Check logs for more info.`)";
        if !set("tls-cert-file") {
            out.push(fatal(
                file,
                span,
                format!("`{what}` enables TLS but no `tls-cert-file` is set: {aborts}"),
                "set `tls-cert-file` and `tls-key-file` (the server certificate and its key)",
            ));
        }
        if !set("tls-key-file") {
            out.push(fatal(
                file,
                span,
                format!("`{what}` enables TLS but no `tls-key-file` is set: {aborts}"),
                "set `tls-key-file` (the server certificate's private key)",
            ));
        }
        let auth_clients = last(entries, "tls-auth-clients")
            .is_none_or(|e| !cstr(e.vals[1]).eq_ignore_ascii_case(b"no"));
        let peers =
            auth_clients || tls_repl.is_some_and(|t| t.0) || tls_cluster.is_some_and(|t| t.0);
        if peers && !set("tls-ca-cert-file") && !set("tls-ca-cert-dir") {
            out.push(fatal(
                file,
                span,
                format!("`{what}` enables TLS with client/peer certificate checks (`tls-auth-clients` defaults to `yes`) but neither `tls-ca-cert-file` nor `tls-ca-cert-dir` is set: {aborts}"),
                "set `tls-ca-cert-file` (or `tls-ca-cert-dir`), or `tls-auth-clients no` if clients need no certificates",
            ));
        }
        if let Some(p) = last(entries, "tls-protocols") {
            let v = cstr(p.vals[1]);
            let known = [b"tlsv1".as_slice(), b"tlsv1.1", b"tlsv1.2", b"tlsv1.3"];
            // `sdssplitlen(…, " ")`: every single space separates, so two spaces make an empty word.
            if !v.is_empty()
                && !v
                    .split(|&b| b == b' ')
                    .all(|w| known.iter().any(|k| k.eq_ignore_ascii_case(w)))
            {
                out.push(fatal(
                    p.file,
                    p.span(1),
                    format!("`tls-protocols {}` is not a list of TLS versions: {aborts}", display(p.vals[1])),
                    "write versions from `TLSv1 TLSv1.1 TLSv1.2 TLSv1.3` separated by single spaces, e.g. `tls-protocols \"TLSv1.2 TLSv1.3\"`",
                ));
            }
        }
    }

    // Cluster bus port = port + 10000 unless cluster-port is set.
    if !server.sentinel {
        if let Some((true, cspan, cfile)) = flag(entries, "cluster-enabled") {
            let cluster_port_e = last(entries, "cluster-port");
            let cluster_port = int_of(cluster_port_e, 0);
            let data_port = if tls_cluster.is_some_and(|t| t.0) {
                tls_port
            } else {
                port
            };
            if cluster_port == 0 && data_port > 55535 {
                let (file, span) = port_e.map_or((cfile, cspan), |p| (p.file, p.line_span()));
                out.push(
                    fatal(
                        file,
                        span,
                        format!("port {data_port} with `cluster-enabled yes`: the cluster bus would be on port {}, above 65535, and Redis aborts at startup (`Redis port number too high…`)", data_port + 10000),
                        "use a port of at most 55535, or set `cluster-port` explicitly",
                    )
                    .related(cfile, cspan, "cluster mode enabled here"),
                );
            }
            if cluster_port != 0 && cluster_port == port {
                if let Some(c) = cluster_port_e {
                    out.push(fatal(
                        c.file,
                        c.line_span(),
                        format!("`cluster-port` equals `port` ({port}): the cluster bus cannot listen (`Address already in use`) and Redis aborts at startup"),
                        "use a different port for the cluster bus (by default it is `port` + 10000)",
                    ));
                }
            }
        }
    }
}
