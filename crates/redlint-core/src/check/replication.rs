//! RL601–RL603: the credentials Sentinels and replicas use on the servers they connect to.
//!
//! A Sentinel's master is found in the same workspace (one host) as the redis-server
//! listening on the `sentinel monitor` port; when several do, the one whose `bind` names the
//! monitored address. What Sentinel and a replica need was observed on redis-server and
//! redis-sentinel 7.0.15 (see `tests/tests/sentinel_auth_differential.rs` and the rule pages).

use std::collections::HashMap;

use super::effective::{self, args, content_span, replicaof, token_span};
use super::{Context, Diagnostic};
use crate::acl::dryrun::{channel_allowed, check_user, Denial};
use crate::acl::load::LoadedUser;
use crate::acl::{self, sha256, AclUser, UserSet, UsersFrom};
use crate::finding::Applicability;
use crate::knowledge::commands;
use crate::model::sentinel::{sentinel_view, SentinelConfig, SentinelMaster};
use crate::model::{FileId, Server, Workspace};
use crate::rules;
use crate::security::listen::Listeners;
use crate::source::Span;

/// Sentinel's hello channel: Sentinels subscribe to it and publish on it, on masters and
/// replicas, to find each other and the replicas.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

/// A permission Sentinel needs on masters and replicas: the ACL rule that grants it, a
/// command it sends, and what breaks without it (verified on 7.0.15).
pub struct Need {
    pub rule: &'static str,
    pub argv: &'static [&'static str],
    pub breaks: &'static str,
}

/// What Sentinel 7.0.15 needs. Not needed (verified): `ROLE` (never sent), `CLIENT SETNAME`
/// (sent on connect, a refusal is ignored), `MULTI` (without it the reconfiguration commands
/// still run, one by one). `EXEC` is needed when `MULTI` is allowed ([`EXEC_NEED`]).
pub const SENTINEL_NEEDS: &[Need] = &[
    Need {
        rule: "+ping",
        argv: &["PING"],
        breaks: "monitoring (the master looks down)",
    },
    Need {
        rule: "+info",
        argv: &["INFO"],
        breaks: "replica discovery",
    },
    Need {
        rule: "+subscribe",
        argv: &["SUBSCRIBE", HELLO_CHANNEL],
        breaks: "Sentinel discovery",
    },
    Need {
        rule: "+publish",
        argv: &["PUBLISH", HELLO_CHANNEL, "x"],
        breaks: "Sentinel discovery",
    },
    Need {
        rule: "+slaveof",
        argv: &["SLAVEOF", "NO", "ONE"],
        breaks: "failover",
    },
    Need {
        rule: "+config|rewrite",
        argv: &["CONFIG", "REWRITE"],
        breaks: "failover",
    },
    Need {
        rule: "+client|kill",
        argv: &["CLIENT", "KILL", "TYPE", "normal"],
        breaks: "failover",
    },
    Need {
        rule: "+script|kill",
        argv: &["SCRIPT", "KILL"],
        breaks: "unblocking a master busy with a script",
    },
];

/// Sentinel wraps its reconfiguration (`SLAVEOF`, `CONFIG REWRITE`, `CLIENT KILL`) in
/// `MULTI … EXEC`: a user that may run MULTI but not EXEC never gets them executed. A user
/// that may not run MULTI runs them one by one (verified), so EXEC is not needed then.
pub const EXEC_NEED: Need = Need {
    rule: "+exec",
    argv: &["EXEC"],
    breaks: "failover",
};

/// What a replica needs on its master (verified on 7.0.15): PSYNC (with only SYNC every
/// reconnect is a full resynchronisation; with neither, no replication) and REPLCONF (without
/// it the master never learns the replica's port, so Sentinel cannot reach the replica).
/// PING is not needed: the replica sends it before AUTH.
pub const REPLICA_NEEDS: &[Need] = &[
    Need {
        rule: "+psync",
        argv: &["PSYNC", "?", "-1"],
        breaks: "replication",
    },
    Need {
        rule: "+replconf",
        argv: &["REPLCONF", "listening-port", "6379"],
        breaks: "the master learning the replica's port (Sentinel then cannot reach the replica)",
    },
];

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let servers: Vec<&Server> = effective::redis_servers(ctx).collect();
    if servers.is_empty() {
        return;
    }
    let listeners: Vec<Listeners> = servers.iter().map(|s| Listeners::of(ctx.ws, s)).collect();
    let mut by_port: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, l) in listeners.iter().enumerate() {
        for p in [l.port.value, l.tls_port.value] {
            if p != 0 && by_port.get(&p).is_none_or(|v| v.last() != Some(&i)) {
                by_port.entry(p).or_default().push(i);
            }
        }
    }
    let locate = Locator {
        listeners: &listeners,
        by_port,
    };
    // Each server's users, loaded once and only when needed.
    let mut acls: Vec<Option<acl::ServerAcl>> = vec![None; servers.len()];
    // Each replica's master on this host, and the `replicaof` line.
    let masters: Vec<Option<(usize, (FileId, Span))>> = servers
        .iter()
        .enumerate()
        .map(|(i, server)| {
            let d = replicaof(ctx.ws, server)?;
            let a = args(ctx.ws, d);
            let port = a
                .get(1)
                .and_then(|p| std::str::from_utf8(p).ok())
                .and_then(|p| p.parse::<i32>().ok())?;
            let host = String::from_utf8_lossy(a.first()?).into_owned();
            let m = locate.find(&host, port).filter(|m| *m != i)?;
            Some((m, (d.file, content_span(ctx.ws, d))))
        })
        .collect();
    // Masters monitored by a Sentinel of this host: index → (Sentinel file, monitor line span).
    let mut monitored: Vec<Option<(FileId, Span, String)>> = vec![None; servers.len()];
    for sentinel in ctx.deployment.servers.iter().filter(|s| s.sentinel) {
        let cfg = sentinel_view(ctx.ws, sentinel);
        for m in &cfg.masters {
            let Some(i) = locate.find(&m.address.host.value, m.address.port.value) else {
                continue;
            };
            let st = &cfg.statements[m.statement];
            if monitored[i].is_none() {
                monitored[i] = Some((st.file, st.span, m.name.value.clone()));
            }
            let master_from = {
                let acl = acls[i].get_or_insert_with(|| acl::server_acl(ctx.ws, servers[i]));
                if acl.from != UsersFrom::Unknown {
                    let target = format!(
                        "master `{}` ({})",
                        m.name.value,
                        master_label(ctx.ws, servers[i])
                    );
                    sentinel_credentials(ctx, &cfg, m, &target, acl, out);
                }
                acl.from
            };
            // Sentinel logs in to the replicas the same way: check those with users of their
            // own (not the master's ACL file).
            for (j, up) in masters.iter().enumerate() {
                if up.is_none_or(|(mi, _)| mi != i) {
                    continue;
                }
                let acl = acls[j].get_or_insert_with(|| acl::server_acl(ctx.ws, servers[j]));
                let shared = matches!((acl.from, master_from), (UsersFrom::AclFile(a), UsersFrom::AclFile(b)) if a == b);
                if shared || acl.from == UsersFrom::Unknown {
                    continue;
                }
                let target = format!(
                    "replica ({}) of master `{}`",
                    master_label(ctx.ws, servers[j]),
                    m.name.value
                );
                sentinel_credentials(ctx, &cfg, m, &target, acl, out);
            }
        }
    }
    for (i, server) in servers.iter().enumerate() {
        let upstream = match masters[i] {
            Some((master, line)) => Upstream::Replica { master, line },
            None => match &monitored[i] {
                Some((file, span, name)) => Upstream::Monitored {
                    sentinel_line: (*file, *span),
                    name: name.clone(),
                },
                None => continue,
            },
        };
        let reference = match &upstream {
            Upstream::Replica { master, .. } => *master,
            Upstream::Monitored { .. } => i,
        };
        let acl =
            acls[reference].get_or_insert_with(|| acl::server_acl(ctx.ws, servers[reference]));
        if acl.from == UsersFrom::Unknown {
            continue;
        }
        replication_credentials(ctx, server, &upstream, servers[reference], &acl.users, out);
    }
}

/// Finds the redis-server of this host that a `host port` address names.
struct Locator<'a> {
    listeners: &'a [Listeners],
    /// Servers by the ports they listen on (plain and TLS).
    by_port: HashMap<u16, Vec<usize>>,
}

impl Locator<'_> {
    fn find(&self, host: &str, port: i32) -> Option<usize> {
        let Ok(port) = u16::try_from(port) else {
            return None;
        };
        if port == 0 {
            return None;
        }
        let on_port = self.by_port.get(&port).map_or(&[][..], |v| &v[..]);
        match on_port {
            [one] => Some(*one),
            [] => None,
            many => {
                let named: Vec<usize> = many
                    .iter()
                    .copied()
                    .filter(|i| {
                        self.listeners[*i]
                            .addrs
                            .iter()
                            .any(|a| a.text.trim_start_matches('-') == host)
                    })
                    .collect();
                match named.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
        }
    }
}

enum Upstream {
    /// `replicaof` names a server of this host.
    Replica {
        master: usize,
        /// The `replicaof` line.
        line: (FileId, Span),
    },
    /// A master a Sentinel of this host monitors: after a failover it replicates from one of
    /// its replicas, which share its users.
    Monitored {
        sentinel_line: (FileId, Span),
        name: String,
    },
}

/// How an `AUTH user password` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    Ok,
    NoSuchUser,
    Disabled,
    WrongPassword,
}

fn authenticate(users: &UserSet, user: &[u8], password: &[u8]) -> Auth {
    let Some(u) = users.get(user) else {
        return Auth::NoSuchUser;
    };
    if !u.user.enabled {
        return Auth::Disabled;
    }
    if u.user.nopass || u.user.passwords.contains(&sha256::hex_digest(password)) {
        Auth::Ok
    } else {
        Auth::WrongPassword
    }
}

/// True when a client must authenticate: the default user is off or has a password.
fn requires_auth(users: &UserSet) -> bool {
    users
        .get(b"default")
        .is_none_or(|d| !(d.user.enabled && d.user.nopass))
}

/// Another enabled user whose password this is (for the message; no secret is shown).
fn owner_of(users: &UserSet, not: &[u8], password: &[u8]) -> Option<String> {
    let h = sha256::hex_digest(password);
    users
        .iter()
        .find(|u| {
            u.user.name != not && u.user.enabled && !u.user.nopass && u.user.passwords.contains(&h)
        })
        .map(|u| String::from_utf8_lossy(&u.user.name).into_owned())
}

/// Where a user is declared, for `related` and fixes.
fn decl_place(user: &LoadedUser) -> Option<(FileId, Span)> {
    user.decl.as_ref().map(|d| (d.file, d.decl.line))
}

/// RL601 and RL602 for one monitored master.
fn sentinel_credentials(
    ctx: &Context<'_>,
    cfg: &SentinelConfig,
    m: &SentinelMaster,
    target: &str,
    acl: &acl::ServerAcl,
    out: &mut Vec<Diagnostic>,
) {
    let ws = ctx.ws;
    let users = &acl.users;
    let monitor = &cfg.statements[m.statement];
    // Sentinel sends `AUTH` only with an `auth-pass`; without one it works as `default`
    // whatever `auth-user` says.
    let user_name = match (&m.auth_user, &m.auth_pass) {
        (Some(u), Some(_)) => u.value.clone(),
        _ => "default".to_string(),
    };
    // RL602: can Sentinel authenticate at all?
    match &m.auth_pass {
        None if requires_auth(users) => {
            let (file, span) = m
                .auth_user
                .as_ref()
                .map_or((monitor.file, monitor.span), |u| {
                    (u.place.file, u.place.span)
                });
            out.push(
                Diagnostic::new(
                    &rules::SENTINEL_AUTH_MISMATCH,
                    file,
                    span,
                    format!(
                        "{target} requires a password and this Sentinel gives none: every command is refused (`NOAUTH`), so Sentinel sees it as down"
                    ),
                )
                .help(format!(
                    "add `sentinel auth-pass {} <password>` with the password of the user Sentinel logs in as",
                    m.name.value
                )),
            );
        }
        None => {}
        Some(pass) => {
            let verdict = authenticate(users, user_name.as_bytes(), pass.value.as_bytes());
            if verdict != Auth::Ok {
                let why = match verdict {
                    Auth::NoSuchUser => format!("it has no user `{user_name}`"),
                    Auth::Disabled => format!("user `{user_name}` is off there"),
                    _ => match owner_of(users, user_name.as_bytes(), pass.value.as_bytes()) {
                        Some(other) => format!("the password is `{other}`'s, not `{user_name}`'s"),
                        None => format!("the password is not `{user_name}`'s"),
                    },
                };
                let mut d = Diagnostic::new(
                    &rules::SENTINEL_AUTH_MISMATCH,
                    pass.place.file,
                    pass.place.span,
                    format!(
                        "Sentinel cannot log in to {target} as `{user_name}`: {why}; AUTH fails and Sentinel sees it as down"
                    ),
                )
                .help(match verdict {
                    Auth::NoSuchUser => format!("create user `{user_name}` on the master and its replicas, or name an existing one in `sentinel auth-user`"),
                    Auth::Disabled => format!("turn `{user_name}` on (`on`), or use another user"),
                    _ => format!("give `sentinel auth-pass` the password of `{user_name}`"),
                });
                if let Some(u) = &m.auth_user {
                    d = d.related(u.place.file, u.place.span, "Sentinel logs in as this user");
                }
                if let Some((f, s)) = users.get(user_name.as_bytes()).and_then(decl_place) {
                    d = d.related(f, s, "the user there");
                }
                out.push(d);
            }
        }
    }
    // RL601: does the user have what Sentinel needs?
    let Some(user) = users.get(user_name.as_bytes()) else {
        return;
    };
    let missing = missing_rules(&user.user, SENTINEL_NEEDS, true);
    if missing.is_empty() {
        return;
    }
    let (file, span) = match (&m.auth_user, &m.auth_pass) {
        (Some(u), Some(_)) => (u.place.file, u.place.span),
        (_, Some(p)) => (p.place.file, p.place.span),
        _ => (monitor.file, monitor.span),
    };
    let breaks: Vec<&str> = {
        let mut b: Vec<&str> = Vec::new();
        for need in SENTINEL_NEEDS.iter().chain([&EXEC_NEED]) {
            let lacking = missing.iter().any(|r| *r == need.rule)
                || (need.argv.contains(&HELLO_CHANNEL)
                    && missing.iter().any(|r| r.starts_with('&')));
            if lacking && !b.contains(&need.breaks) {
                b.push(need.breaks);
            }
        }
        b
    };
    let shown: Vec<String> = missing.iter().map(|r| format!("`{r}`")).collect();
    let mut d = Diagnostic::new(
        &rules::SENTINEL_USER_LACKS_PERMISSIONS,
        file,
        span,
        format!(
            "Sentinel logs in to {target} as `{user_name}`, which lacks {}: this breaks {}",
            shown.join(" "),
            breaks.join("; ")
        ),
    )
    .help(format!(
        "give Sentinel a user of its own, e.g. `user sentinel on >… resetkeys resetchannels &{HELLO_CHANNEL} -@all +ping +info +subscribe +publish +multi +exec +slaveof +config|rewrite +client|setname +client|kill +script|kill`, on the master and every replica"
    ));
    if let Some((f, s)) = decl_place(user) {
        d = d.related(f, s, "the user there");
    }
    if let Some(fix) = append_fix(ws, user, &missing) {
        d = d.fix(
            Applicability::Unsafe,
            "add the commands and channel a Sentinel user lacks",
            vec![fix],
        );
    }
    out.push(d);
}

/// The rules to append so that `user` may send every command of `needs`; `&channel` when
/// the hello channel is refused.
fn missing_rules(user: &AclUser, needs: &[Need], hello: bool) -> Vec<String> {
    let table = commands::redis();
    let mut missing: Vec<String> = Vec::new();
    let mut channel = false;
    let multi = table
        .by_argv(&[b"MULTI"])
        .is_some_and(|cmd| check_user(user, cmd, &[b"MULTI"]).is_ok());
    let exec = (hello && multi).then_some(&EXEC_NEED);
    for need in needs.iter().chain(exec) {
        let argv: Vec<&[u8]> = need.argv.iter().map(|a| a.as_bytes()).collect();
        let Some(cmd) = table.by_argv(&argv) else {
            continue;
        };
        match check_user(user, cmd, &argv) {
            Ok(()) => {}
            Err(Denial::Channel(_)) => channel = true,
            Err(_) => {
                missing.push(need.rule.to_string());
                if hello
                    && need.argv.contains(&HELLO_CHANNEL)
                    && !channel_allowed(&user.root, HELLO_CHANNEL.as_bytes(), false)
                {
                    channel = true;
                }
            }
        }
    }
    if channel {
        missing.push(format!("&{HELLO_CHANNEL}"));
    }
    missing
}

/// Append rules at the end of the user's declaration (after its last word). `None` when the
/// user is Redis' built-in default or its line does not load.
fn append_fix(
    ws: &Workspace,
    user: &LoadedUser,
    rules: &[String],
) -> Option<(FileId, Span, String)> {
    let decl = user.decl.as_ref()?;
    if decl.decl.unmatched.is_some() || decl.decl.rules.iter().any(|r| r.parse_error().is_some()) {
        return None;
    }
    let end = decl
        .decl
        .rules
        .iter()
        .map(|r| r.span.end)
        .max()
        .unwrap_or(decl.decl.name_span.end)
        .max(decl.decl.name_span.end);
    let _ = ws;
    Some((
        decl.file,
        Span { start: end, end },
        rules.iter().map(|r| format!(" {r}")).collect(),
    ))
}

/// `etc/redis/redis.conf, port 6379`, for messages.
fn master_label(ws: &Workspace, server: &Server) -> String {
    let l = Listeners::of(ws, server);
    format!("{}, {}", ws.file(server.main).source.path, l.ports_text())
}

/// RL603 for one server that replicates (or will, after a failover).
fn replication_credentials(
    ctx: &Context<'_>,
    server: &Server,
    upstream: &Upstream,
    master: &Server,
    users: &UserSet,
    out: &mut Vec<Diagnostic>,
) {
    let ws = ctx.ws;
    if !requires_auth(users) {
        return;
    }
    let masterauth = server.last("masterauth");
    let masteruser = server.last("masteruser");
    let value = |d: Option<&crate::model::Directive>| {
        d.and_then(|d| effective::single(ws, d))
            .filter(|v| !v.is_empty())
            .map(|v| v.to_vec())
    };
    let (pass, user) = (value(masterauth), value(masteruser));
    let user_name = user.clone().unwrap_or_else(|| b"default".to_vec());
    let user_text = String::from_utf8_lossy(&user_name).into_owned();
    let context = match upstream {
        Upstream::Replica { .. } => format!(
            "this replica's master ({}) requires a password",
            master_label(ws, master)
        ),
        Upstream::Monitored { name, .. } => format!(
            "Sentinel monitors this server as master `{name}`: after a failover it becomes a replica and must log in to the new master, which has the same users and requires a password"
        ),
    };
    let related = |d: Diagnostic| match upstream {
        Upstream::Replica { line, .. } => d.related(line.0, line.1, "replicates from here"),
        Upstream::Monitored { sentinel_line, .. } => {
            d.related(sentinel_line.0, sentinel_line.1, "monitored here")
        }
    };
    let Some(pass) = pass else {
        let (file, span) = match upstream {
            Upstream::Replica { line, .. } => *line,
            Upstream::Monitored { .. } => anchor(ws, server),
        };
        out.push(related(
            Diagnostic::new(
                &rules::REPLICATION_LINK_REFUSED,
                file,
                span,
                format!("{context}, but this server has no `masterauth`: its replication link is refused (`NOAUTH`)"),
            )
            .help("add `masteruser <user>` and `masterauth <password>` for a user with `+psync +replconf` on the master"),
        ));
        return;
    };
    let verdict = authenticate(users, &user_name, &pass);
    let (file, span) = match (masteruser, masterauth) {
        (Some(d), _) if verdict == Auth::NoSuchUser || verdict == Auth::Disabled => (
            d.file,
            token_span(ws, d, 1).unwrap_or_else(|| content_span(ws, d)),
        ),
        (_, Some(d)) => (
            d.file,
            token_span(ws, d, 1).unwrap_or_else(|| content_span(ws, d)),
        ),
        _ => anchor(ws, server),
    };
    if verdict != Auth::Ok {
        let why = match verdict {
            Auth::NoSuchUser => format!("there is no user `{user_text}` there"),
            Auth::Disabled => format!("user `{user_text}` is off there"),
            _ => match owner_of(users, &user_name, &pass) {
                Some(other) => format!("`masterauth` is `{other}`'s password, not `{user_text}`'s"),
                None => format!("`masterauth` is not `{user_text}`'s password"),
            },
        };
        let mut d = related(
            Diagnostic::new(
                &rules::REPLICATION_LINK_REFUSED,
                file,
                span,
                format!("{context}, but this server cannot log in as `{user_text}`: {why}; replication fails"),
            )
            .help(if user.is_none() {
                "without `masteruser` the replica logs in as `default`: add `masteruser <user>` naming a replication user, and its password in `masterauth`"
            } else {
                "make `masteruser`/`masterauth` the name and password of an enabled user with `+psync +replconf`"
            }),
        );
        if let Some((f, s)) = users.get(&user_name).and_then(decl_place) {
            d = d.related(f, s, "the user on the master");
        }
        out.push(d);
        return;
    }
    let Some(u) = users.get(&user_name) else {
        return;
    };
    let missing = missing_rules(&u.user, REPLICA_NEEDS, false);
    if missing.is_empty() {
        return;
    }
    let (file, span) = match masteruser {
        Some(d) => (
            d.file,
            token_span(ws, d, 1).unwrap_or_else(|| content_span(ws, d)),
        ),
        None => (file, span),
    };
    let breaks: Vec<&str> = REPLICA_NEEDS
        .iter()
        .filter(|n| missing.iter().any(|r| r == n.rule))
        .map(|n| n.breaks)
        .collect();
    let shown: Vec<String> = missing.iter().map(|r| format!("`{r}`")).collect();
    let mut d = related(
        Diagnostic::new(
            &rules::REPLICATION_LINK_REFUSED,
            file,
            span,
            format!(
                "this server replicates as `{user_text}`, which lacks {} on its master: this breaks {}",
                shown.join(" "),
                breaks.join("; ")
            ),
        )
        .help("use a replication user with `-@all +psync +replconf +ping` (nothing else)"),
    );
    if let Some((f, s)) = decl_place(u) {
        d = d.related(f, s, "the user on the master");
    }
    if let Some(fix) = append_fix(ws, u, &missing) {
        d = d.fix(
            Applicability::Unsafe,
            "add the commands a replication user lacks",
            vec![fix],
        );
    }
    out.push(d);
}

/// Where to report a server-wide fact: its `port` line, else the usual anchor.
fn anchor(ws: &Workspace, server: &Server) -> (FileId, Span) {
    match server.last("port") {
        Some(d) => (d.file, content_span(ws, d)),
        None => crate::security::access::server_anchor(ws, server),
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, run};
    use crate::Kind;

    const MASTER: &str = "port 6379\naclfile /etc/redis/users.acl\n";
    const S: &str = "/etc/redis/sentinel.conf";
    const ACL: &str = "/etc/redis/users.acl";
    const R: &str = "/etc/redis/redis.conf";

    fn sentinel(user: &str, pass: &str) -> String {
        format!("sentinel monitor m 10.0.0.1 6379 2\nsentinel auth-user m {user}\nsentinel auth-pass m {pass}\n")
    }

    #[test]
    fn monitoring_user_lacks_sentinel_permissions_and_the_fix_adds_exactly_them() {
        let acl = "user default off\nuser monitor on >mon-pass-123 ~* +@read +info +ping +client +config\n";
        let s = sentinel("monitor", "mon-pass-123");
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (S, Kind::Sentinel, &s),
        ]);
        assert_eq!(
            lines(&f, "RL601"),
            [(S.trim_start_matches('/').to_string(), 2)]
        );
        assert!(lines(&f, "RL602").is_empty(), "{:?}", only(&f, "RL602"));
        let msg = &only(&f, "RL601")[0].message;
        for r in [
            "`+subscribe`",
            "`+publish`",
            "`+slaveof`",
            "`+script|kill`",
            "`&__sentinel__:hello`",
        ] {
            assert!(msg.contains(r), "{msg}");
        }
        assert!(
            !msg.contains("`+ping`") && !msg.contains("`+info`"),
            "{msg}"
        );
        let acl2 = fixed(&f, "RL601", ACL.trim_start_matches('/'), acl);
        assert_eq!(
            acl2,
            "user default off\nuser monitor on >mon-pass-123 ~* +@read +info +ping +client +config +subscribe +publish +slaveof +script|kill &__sentinel__:hello\n"
        );
        let f2 = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, &acl2),
            (S, Kind::Sentinel, &s),
        ]);
        assert!(lines(&f2, "RL601").is_empty());
        assert!(f2.iter().all(|x| !x.fatal), "the fixed file loads");
    }

    #[test]
    fn fix_on_a_redis_conf_user_line_with_quotes() {
        let conf = "port 6379\nuser default off\nuser s on >pw-123456 \"~*\" -@all +ping +info\n";
        let s = sentinel("s", "pw-123456");
        let f = run(&[(R, Kind::Redis, conf), (S, Kind::Sentinel, &s)]);
        let out = fixed(&f, "RL601", R.trim_start_matches('/'), conf);
        assert!(out.contains("\"~*\" -@all +ping +info +subscribe +publish +slaveof +config|rewrite +client|kill +script|kill &__sentinel__:hello\n"), "{out}");
    }

    #[test]
    fn auth_pass_of_another_user_or_none_at_all() {
        let acl = "user default on >default-pass-1 ~* &* +@all\nuser monitor on >monitor-pass-2 ~* &* +@all\n";
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (S, Kind::Sentinel, &sentinel("monitor", "default-pass-1")),
        ]);
        let d = only(&f, "RL602");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 3);
        assert!(d[0].message.contains("`default`'s, not `monitor`'s"));
        assert!(!d[0].message.contains("default-pass-1"));
        let ok = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (S, Kind::Sentinel, &sentinel("monitor", "monitor-pass-2")),
        ]);
        assert!(lines(&ok, "RL602").is_empty() && lines(&ok, "RL601").is_empty());
        // No auth-pass for a master that requires one.
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (S, Kind::Sentinel, "sentinel monitor m 10.0.0.1 6379 2\n"),
        ]);
        assert_eq!(lines(&f, "RL602").len(), 1);
        // `auth-user` without `auth-pass`: no AUTH is sent, Sentinel works as `default`.
        let f = run(&[
            (
                R,
                Kind::Redis,
                "port 6379\nuser default on nopass ~* &* -@all +ping\n",
            ),
            (
                S,
                Kind::Sentinel,
                "sentinel monitor m 10.0.0.1 6379 2\nsentinel auth-user m nobody\n",
            ),
        ]);
        assert!(lines(&f, "RL602").is_empty());
        let d = only(&f, "RL601");
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("as `default`"), "{}", d[0].message);
        // An open default user needs nothing; a Sentinel for another port says nothing.
        let open = run(&[
            (R, Kind::Redis, "port 6379\n"),
            (S, Kind::Sentinel, "sentinel monitor m 10.0.0.1 6379 2\n"),
        ]);
        assert!(lines(&open, "RL602").is_empty() && lines(&open, "RL601").is_empty());
        let other = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (S, Kind::Sentinel, "sentinel monitor m 10.0.0.1 6380 2\n"),
        ]);
        assert!(lines(&other, "RL602").is_empty());
        // A user that is off, or missing.
        let off = "user default off\nuser s off >pw-123456 ~* &* +@all\n";
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, off),
            (S, Kind::Sentinel, &sentinel("s", "pw-123456")),
        ]);
        assert!(only(&f, "RL602")[0].message.contains("is off"));
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, off),
            (S, Kind::Sentinel, &sentinel("nobody", "pw-123456")),
        ]);
        assert!(only(&f, "RL602")[0].message.contains("no user `nobody`"));
    }

    #[test]
    fn replicas_with_users_of_their_own_are_checked_too() {
        let acl = "user default off\nuser s on >pw-123456 ~* &* +@all\n";
        let rp = "/etc/redis/replica.conf";
        // The replica has no ACL file: only `default`, with a password.
        let replica = "port 6380\nreplicaof 127.0.0.1 6379\nrequirepass other-pass-9\nmasteruser s\nmasterauth pw-123456\n";
        let s = "sentinel monitor m 127.0.0.1 6379 1\nsentinel auth-user m s\nsentinel auth-pass m pw-123456\n";
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (rp, Kind::Redis, replica),
            (S, Kind::Sentinel, s),
        ]);
        let d = only(&f, "RL602");
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message
                .contains("replica (etc/redis/replica.conf, port 6380)"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("no user `s`"), "{}", d[0].message);
        // Sharing the master's ACL file: checked once, with the master.
        let shared = "port 6380\nreplicaof 127.0.0.1 6379\naclfile /etc/redis/users.acl\nmasteruser s\nmasterauth pw-123456\n";
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (rp, Kind::Redis, shared),
            (S, Kind::Sentinel, s),
        ]);
        assert!(lines(&f, "RL602").is_empty() && lines(&f, "RL601").is_empty());
    }

    #[test]
    fn replicas_and_monitored_masters_need_masterauth() {
        let master = "port 6379\nrequirepass master-pass-1\n";
        let replica = "port 6380\nreplicaof 127.0.0.1 6379\n";
        let rp = "/etc/redis/replica.conf";
        let f = run(&[(R, Kind::Redis, master), (rp, Kind::Redis, replica)]);
        assert_eq!(
            lines(&f, "RL603"),
            [("etc/redis/replica.conf".to_string(), 2)]
        );
        let good = format!("{replica}masterauth master-pass-1\n");
        let f = run(&[(R, Kind::Redis, master), (rp, Kind::Redis, &good)]);
        assert!(lines(&f, "RL603").is_empty());
        let wrong = format!("{replica}masterauth nope-pass-2\n");
        let f = run(&[(R, Kind::Redis, master), (rp, Kind::Redis, &wrong)]);
        assert_eq!(
            lines(&f, "RL603"),
            [("etc/redis/replica.conf".to_string(), 3)]
        );
        assert!(!only(&f, "RL603")[0].message.contains("nope-pass-2"));
        // The master itself, once a Sentinel of this host monitors it.
        let f = run(&[
            (R, Kind::Redis, master),
            (rp, Kind::Redis, &good),
            (
                S,
                Kind::Sentinel,
                "sentinel monitor m 127.0.0.1 6379 1\nsentinel auth-pass m master-pass-1\n",
            ),
        ]);
        assert_eq!(
            lines(&f, "RL603"),
            [("etc/redis/redis.conf".to_string(), 1)]
        );
    }

    #[test]
    fn replication_user_needs_psync_and_replconf_not_ping() {
        let acl = "user default off\nuser admin on >admin-pass-1 ~* &* +@all\nuser repl on >repl-pass-2 -@all +psync\n";
        let replica =
            "port 6380\nreplicaof 127.0.0.1 6379\nmasteruser repl\nmasterauth repl-pass-2\n";
        let rp = "/etc/redis/replica.conf";
        let f = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, acl),
            (rp, Kind::Redis, replica),
        ]);
        let d = only(&f, "RL603");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 3);
        assert!(d[0].message.contains("`+replconf`") && !d[0].message.contains("+ping"));
        let acl2 = fixed(&f, "RL603", ACL.trim_start_matches('/'), acl);
        assert!(
            acl2.ends_with("user repl on >repl-pass-2 -@all +psync +replconf\n"),
            "{acl2}"
        );
        let f2 = run(&[
            (R, Kind::Redis, MASTER),
            (ACL, Kind::Acl, &acl2),
            (rp, Kind::Redis, replica),
        ]);
        assert!(lines(&f2, "RL603").is_empty());
    }
}
