//! RL3xx: how a deployment is exposed — where it listens, whether protected mode and
//! passwords keep other hosts out, clear-text listeners, dangerous commands switched on, and
//! `rename-command` used as a lock.

use super::{Context, Diagnostic};
use crate::finding::Severity;
use crate::model::{FileId, Server};
use crate::rules;
use crate::security::access::{default_nopass_origin, server_anchor, Access, NopassOrigin, Reach};
use crate::security::listen::{is_public, AddrClass};
use crate::security::{args, line_span, show};
use crate::source::Span;

/// RL301–RL306 for every server of the deployment.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for server in &ctx.deployment.servers {
        let access = Access::of(ctx.ws, server);
        bind_all_interfaces(ctx, &access, out);
        bind_public_address(ctx, &access, out);
        protected_mode_off(ctx, &access, out);
        no_authentication(ctx, &access, out);
        tls_disabled(ctx, &access, out);
        dangerous_command_enabled(ctx, server, out);
        rename_command_obscurity(ctx, server, out);
    }
}

/// A server whose main file sits in a drop-in directory (`redis.conf.d/`) is most likely a
/// fragment meant to be included, not a configuration of its own: findings that only follow
/// from Redis' defaults (no `bind`, no password) are not made for it.
fn fragment(ctx: &Context<'_>, server: &Server) -> bool {
    let f = ctx.ws.file(server.main);
    let path = f.host_path.as_deref().unwrap_or(&f.source.path);
    let dir = crate::fs::parent(path);
    dir.rsplit('/').next().is_some_and(|d| d.ends_with(".d"))
}

/// The group key of a server's exposure: where it listens (RL301, RL307), protected mode
/// (RL302), the password (RL303) and clear text (RL304) are one problem, reported once with
/// its facets named.
fn exposure(server: &Server) -> String {
    format!("exposure:{}", server.main.0)
}

fn what(server: &Server) -> &'static str {
    if server.sentinel {
        "Sentinel"
    } else {
        "Redis"
    }
}

/// `user `a`, user `b`` for messages.
fn user_list(access: &Access<'_>) -> Vec<String> {
    access
        .open_users()
        .map(|u| format!("`{}`", show(&u.user.name)))
        .collect()
}

/// Where a server's `default` user got its `nopass`, as a related location.
fn nopass_related(ctx: &Context<'_>, access: &Access<'_>, d: Diagnostic) -> Diagnostic {
    match default_nopass_origin(ctx.ws, access) {
        NopassOrigin::Rule { file, span } => {
            d.related(file, span, "the `default` user gets `nopass` here")
        }
        NopassOrigin::Line { file, span } => {
            d.related(file, span, "the `default` user is defined here")
        }
        NopassOrigin::AclFileWithoutDefault {
            aclfile,
            requirepass,
        } => {
            let d = d.related(
                aclfile.file,
                line_span(ctx.ws, &aclfile),
                "this ACL file defines no `default` user: Redis creates it without a password",
            );
            match requirepass {
                Some(r) => d.related(
                    r.file,
                    line_span(ctx.ws, &r),
                    "`requirepass` is ignored when `aclfile` is set",
                ),
                None => d,
            }
        }
        NopassOrigin::EmptyRequirepass(r) => {
            d.related(r.file, line_span(ctx.ws, &r), "`requirepass` is empty here")
        }
        NopassOrigin::Builtin => d,
    }
}

fn protected_related(ctx: &Context<'_>, access: &Access<'_>, d: Diagnostic) -> Diagnostic {
    match &access.protected_mode_at {
        Some(p) => d.related(
            p.file,
            line_span(ctx.ws, p),
            if access.protected_mode {
                "protected mode is on here"
            } else {
                "protected mode is turned off here"
            },
        ),
        None => d,
    }
}

/// RL301: listening on every interface, judged with protected mode and passwords.
fn bind_all_interfaces(ctx: &Context<'_>, access: &Access<'_>, out: &mut Vec<Diagnostic>) {
    let l = &access.listeners;
    let Some(wild) = l.wildcards().next() else {
        return;
    };
    let ws = ctx.ws;
    let (file, span, listens) = match (&l.bind, wild.span) {
        (Some(b), Some(span)) => (
            b.file,
            span,
            format!(
                "{} listens on every interface (`bind {}`)",
                what(access.server),
                wild.text
            ),
        ),
        _ => {
            if fragment(ctx, access.server) {
                return;
            }
            let (file, span) = server_anchor(ws, access.server);
            (
                file,
                span,
                format!(
                    "no `bind` line: {} 7.0 listens on every interface (`* -::*`)",
                    what(access.server)
                ),
            )
        }
    };
    let who = access.who_reaches();
    let open = user_list(access);
    let (severity, message) = match access.reach() {
        Reach::Remote if !open.is_empty() => {
            let as_whom = if access.default_open() {
                "without a password".to_string()
            } else {
                format!("as {} with any password", open.join(", "))
            };
            (
                Severity::Error,
                format!(
                    "{listens} and nothing asks for a password: {who} can run commands {as_whom}"
                ),
            )
        }
        Reach::Protected => (
            Severity::Warning,
            format!(
                "{listens}; only protected mode keeps other hosts out: while the `default` user has no password, every client that does not connect from 127.0.0.1 or ::1 gets `-DENIED`"
            ),
        ),
        _ => (
            Severity::Warning,
            format!(
                "{listens}: {who} can try passwords, and Redis never slows down failed `AUTH` attempts"
            ),
        ),
    };
    // In a container the wildcard is needed; what other hosts reach is what Compose publishes.
    let (severity, message, published) = match ctx.deployment.container(access.server.main) {
        Some(c) => {
            let everywhere: Vec<&(String, Span)> = c
                .ports
                .iter()
                .filter(|(p, _)| crate::model::container::published_everywhere(p))
                .collect();
            match everywhere.first() {
                Some((p, s)) => (
                    severity,
                    format!(
                        "{message} (in its container, where the wildcard is needed: Compose service `{}` publishes it on every interface of the host with `{p}`)",
                        c.service
                    ),
                    Some((c.compose, *s)),
                ),
                None => (
                    Severity::Info,
                    format!(
                        "{listens} inside its container, where the wildcard is needed; Compose service `{}` publishes it on no host interface or only on named ones, so other hosts reach it only through those",
                        c.service
                    ),
                    None,
                ),
            }
        }
        None => (severity, message, None),
    };
    let mut d = Diagnostic::new(&rules::BIND_ALL_INTERFACES, file, span, message)
        .severity(severity)
        .help(
            "bind only the addresses clients use, e.g. `bind 127.0.0.1 -::1` (this host only) or `bind 127.0.0.1 10.0.4.7` (one private interface); in a container, where the wildcard is needed, publish the port only to trusted networks and keep a strong password",
        );
    d = protected_related(ctx, access, d);
    if access.default_open() {
        d = nopass_related(ctx, access, d);
    }
    if let Some((compose, span)) = published {
        d = d.related(compose, span, "published on every host interface here");
    }
    out.push(d.group(exposure(access.server)));
}

/// RL307: an address of the `bind` line that is routable on the internet.
fn bind_public_address(ctx: &Context<'_>, access: &Access<'_>, out: &mut Vec<Diagnostic>) {
    let l = &access.listeners;
    let Some(bind) = &l.bind else { return };
    let open = user_list(access);
    for a in l.remote_addrs().filter(|a| a.class == AddrClass::Specific) {
        let (Some(span), true) = (a.span, is_public(&a.text)) else {
            continue;
        };
        let addr = a.text.trim_start_matches('-');
        let (severity, consequence) = match access.reach() {
            Reach::Remote if !open.is_empty() => (
                Severity::Error,
                format!(
                    "and nothing asks for a password: anyone on the internet who reaches {} can log in as {}",
                    l.ports_text(),
                    open.join(", ")
                ),
            ),
            Reach::Protected => (
                Severity::Warning,
                "only protected mode answers strangers `-DENIED` while the `default` user has no password".to_string(),
            ),
            _ => (
                Severity::Warning,
                format!(
                    "anyone on the internet who reaches {} can try passwords, and scanners sweep it constantly",
                    l.ports_text()
                ),
            ),
        };
        let d = Diagnostic::new(
            &rules::BIND_PUBLIC_ADDRESS,
            bind.file,
            span,
            format!(
                "{} listens on `{addr}`, an address routable on the internet, {consequence}",
                what(access.server)
            ),
        )
        .severity(severity)
        .help("bind only private or loopback addresses (e.g. `bind 127.0.0.1 10.0.4.7`) and reach Redis over a private network or VPN; if a public address is unavoidable, firewall the port to known clients and use TLS and strong passwords");
        out.push(protected_related(ctx, access, d).group(exposure(access.server)));
    }
}

/// RL302: `protected-mode no` on a redis-server.
fn protected_mode_off(ctx: &Context<'_>, access: &Access<'_>, out: &mut Vec<Diagnostic>) {
    // Sentinel's default is `no`; it needs other Sentinels to reach it.
    if access.server.sentinel || access.protected_mode {
        return;
    }
    let Some(p) = &access.protected_mode_at else {
        return;
    };
    let span = args(ctx.ws, p)
        .first()
        .map_or_else(|| line_span(ctx.ws, p), |(_, s)| *s);
    let default_nopass = access.default_user().is_some_and(|u| u.user.nopass);
    let open = user_list(access);
    let (severity, message) = if default_nopass && access.listeners.remote() && !open.is_empty() {
        (
            Severity::Error,
            format!(
                "protected mode is off while the `default` user has no password: {} can log in as {} without a password",
                access.who_reaches(),
                open.join(", ")
            ),
        )
    } else if default_nopass {
        (
            Severity::Info,
            "protected mode is off while the `default` user has no password; only loopback clients can connect now, but nothing would stop other hosts once `bind` is widened".to_string(),
        )
    } else {
        (
            Severity::Info,
            "protected mode is off; it has no effect while the `default` user has a password, but it is the safety net for when that password is lost (e.g. an ACL file without a `default` line)".to_string(),
        )
    };
    let mut d = Diagnostic::new(&rules::PROTECTED_MODE_OFF, p.file, span, message)
        .severity(severity)
        .help("write `protected-mode yes` (the default) and give every user a password; protected mode never blocks clients that authenticate");
    if let Some(b) = &access.listeners.bind {
        d = d.related(b.file, line_span(ctx.ws, b), "listening addresses");
    }
    if default_nopass {
        d = nopass_related(ctx, access, d);
    }
    out.push(d.group(exposure(access.server)));
}

/// RL303: the `default` user logs in without a password.
fn no_authentication(ctx: &Context<'_>, access: &Access<'_>, out: &mut Vec<Diagnostic>) {
    if !access.default_open() {
        return;
    }
    let l = &access.listeners;
    if !l.tcp() && l.unixsocket.is_none() {
        // Redis exits: "Configured to not listen anywhere".
        return;
    }
    let ws = ctx.ws;
    let origin = default_nopass_origin(ws, access);
    let (file, span, why) = match &origin {
        NopassOrigin::Rule { file, span } => (
            *file,
            *span,
            "the `default` user is declared with `nopass`".to_string(),
        ),
        NopassOrigin::Line { file, span } => (
            *file,
            *span,
            "the `default` user accepts any password".to_string(),
        ),
        NopassOrigin::AclFileWithoutDefault {
            aclfile,
            requirepass,
        } => {
            let span = args(ws, aclfile)
                .first()
                .map_or_else(|| line_span(ws, aclfile), |(_, s)| *s);
            let ignored = if requirepass.is_some() {
                " and `requirepass` is ignored"
            } else {
                ""
            };
            (
                aclfile.file,
                span,
                format!("the ACL file defines no `default` user, so Redis creates it as `on nopass ~* &* +@all`{ignored}"),
            )
        }
        NopassOrigin::EmptyRequirepass(r) => (
            r.file,
            line_span(ws, r),
            "`requirepass` is empty, so the `default` user needs no password".to_string(),
        ),
        NopassOrigin::Builtin => {
            if fragment(ctx, access.server) {
                return;
            }
            let (file, span) = server_anchor(ws, access.server);
            (
                file,
                span,
                "no password is set (no `requirepass`, no `user default` with a password)"
                    .to_string(),
            )
        }
    };
    let (severity, consequence) = match access.reach() {
        Reach::Remote => (
            Severity::Error,
            format!(
                "{} can run the `default` user's commands without a password",
                access.who_reaches()
            ),
        ),
        Reach::Protected => (
            Severity::Warning,
            format!(
                "other hosts reach {} but protected mode answers them `-DENIED`; local clients run every command of the `default` user without a password",
                l.ports_text()
            ),
        ),
        // Reachable from this host only is still how most compromises start: any local
        // process, or a request a web application on this host is tricked into sending (SSRF).
        Reach::Local => (
            Severity::Warning,
            format!(
                "only this host can connect, but that is enough: any local process or user, or a request forged through a web application on this host (SSRF{}), runs the `default` user's commands without a password: read or erase every key, `ACL SETUSER` a backdoor user, `REPLICAOF` an attacker's server, `SHUTDOWN`; {}",
                if l.tcp() { format!(" to 127.0.0.1, {}", l.ports_text()) } else { String::new() },
                protected_configs_consequence(access.server, ctx)
            ),
        ),
    };
    let mut d = Diagnostic::new(
        &rules::NO_AUTHENTICATION,
        file,
        span,
        format!("{why}: {consequence}"),
    )
    .severity(severity)
    .help("give the `default` user a long random password (`user default on #<sha256> …` in the ACL file, or `requirepass`), or disable it with `user default off` and create named users");
    if let NopassOrigin::AclFileWithoutDefault {
        requirepass: Some(r),
        ..
    } = &origin
    {
        d = d.related(
            r.file,
            line_span(ws, r),
            "`requirepass` is ignored when `aclfile` is set",
        );
    }
    if let Some(b) = &l.bind {
        d = d.related(b.file, line_span(ws, b), "listening addresses");
    }
    d = protected_related(ctx, access, d);
    out.push(d.group(exposure(access.server)));
}

/// What `CONFIG SET dir` + `SAVE` (writing files as the redis user) needs in 7.0: protected
/// configs opened with `enable-protected-configs yes` or `local` (a local client is exactly who
/// connects here).
fn protected_configs_consequence(server: &Server, ctx: &Context<'_>) -> &'static str {
    let opened = server.last("enable-protected-configs").is_some_and(|d| {
        args(ctx.ws, d).first().is_some_and(|(v, _)| {
            v.eq_ignore_ascii_case(b"yes") || v.eq_ignore_ascii_case(b"local")
        })
    });
    if opened {
        "and with `enable-protected-configs` on, `CONFIG SET dir` and `SAVE` write files (SSH keys, cron jobs) as the redis user"
    } else {
        "and where `enable-protected-configs` is turned on (7.0 keeps it off), `CONFIG SET dir` and `SAVE` write files (SSH keys, cron jobs) as the redis user"
    }
}

/// RL304: a plain-text listener other hosts reach.
fn tls_disabled(ctx: &Context<'_>, access: &Access<'_>, out: &mut Vec<Diagnostic>) {
    let l = &access.listeners;
    if l.port.value == 0 {
        return;
    }
    let Some(addr) = l.remote_addrs().next() else {
        return;
    };
    if l.bind.is_none() && fragment(ctx, access.server) {
        return;
    }
    let (file, span): (FileId, Span) = match (&l.bind, addr.span) {
        (Some(b), Some(span)) => (b.file, span),
        _ => match l.port.at {
            Some((file, _, span)) => (file, span),
            None => server_anchor(ctx.ws, access.server),
        },
    };
    let message = if l.tls_port.value == 0 {
        format!(
            "clients on other hosts talk to {} on port {} without TLS: passwords (`AUTH`) and data cross the network in clear text",
            what(access.server),
            l.port.value
        )
    } else {
        format!(
            "TLS listens on port {}, but plain-text port {} also accepts clients from other hosts",
            l.tls_port.value, l.port.value
        )
    };
    let mut d = Diagnostic::new(&rules::TLS_DISABLED, file, span, message)
        .help("serve clients over TLS only: `tls-port 6379`, `port 0`, with `tls-cert-file`, `tls-key-file` and `tls-ca-cert-file` (and `tls-replication yes` for replicas)");
    if let Some((pf, pl, _)) = l.port.at {
        let (_, _, line) = ctx.ws.conf_line(pf, pl);
        d = d.related(pf, line.content, "plain-text port");
    }
    out.push(d.group(exposure(access.server)));
}

/// RL305: DEBUG, MODULE or protected configs opened to every client.
fn dangerous_command_enabled(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    const SETTINGS: &[(&str, &str)] = &[
        (
            "enable-debug-command",
            "every user allowed `DEBUG` can crash the server, make it hang or change its internals (`DEBUG SEGFAULT`, `DEBUG SLEEP`, `DEBUG RELOAD`)",
        ),
        (
            "enable-module-command",
            "every user allowed `MODULE` can load a shared library into redis-server (`MODULE LOAD`): code execution as the redis user",
        ),
        (
            "enable-protected-configs",
            "every user allowed `CONFIG SET` can change `dir`, `dbfilename` and the other protected settings, the classic way to write files (SSH keys, cron jobs) through Redis",
        ),
    ];
    for (name, why) in SETTINGS {
        let Some(d) = server.last(name) else { continue };
        let a = args(ctx.ws, d);
        let [(value, span)] = a.as_slice() else {
            continue;
        };
        if !value.eq_ignore_ascii_case(b"yes") {
            continue;
        }
        out.push(
            Diagnostic::new(
                &rules::DANGEROUS_COMMAND_ENABLED,
                d.file,
                *span,
                format!("`{name} yes`: {why}"),
            )
            .help(format!(
                "remove the line (Redis 7.0 defaults to `no`), or write `{name} local` so only clients on 127.0.0.1, ::1 or the Unix socket can"
            )),
        );
    }
}

/// Commands Redis 7.0 already refuses by default, and the setting that does it.
fn refused_by_default(command: &[u8]) -> Option<&'static str> {
    if command.eq_ignore_ascii_case(b"debug") {
        Some("enable-debug-command")
    } else if command.eq_ignore_ascii_case(b"module") {
        Some("enable-module-command")
    } else {
        None
    }
}

/// The new name of `CONFIG` in the example of Redis' own redis.conf.
const DOC_EXAMPLE_NAME: &[u8] = b"b840fc02d524045429941cc15f59e41cb7be6c52";

/// RL306: `rename-command` used as access control.
fn rename_command_obscurity(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    for d in server.all("rename-command") {
        let a = args(ctx.ws, d);
        let [(command, command_span), (new_name, _)] = a.as_slice() else {
            continue;
        };
        let cmd = show(command).to_uppercase();
        let lower = command.to_ascii_lowercase();
        let span = line_span(ctx.ws, d).cover(*command_span);
        if new_name.is_empty() {
            let mut message = format!(
                "`rename-command {cmd} \"\"` removes {cmd} for every client, administrators included"
            );
            if let Some(setting) = refused_by_default(command) {
                message.push_str(&format!(
                    "; Redis 7.0 already refuses it to every client by default (`{setting} no`)"
                ));
            }
            out.push(
                Diagnostic::new(&rules::RENAME_COMMAND_OBSCURITY, d.file, span, message)
                    .severity(Severity::Info)
                    .help(format!(
                        "deny it per user with ACLs instead (`-{}` or `-@dangerous` on application users), keeping it for an administrator",
                        show(&lower)
                    )),
            );
            continue;
        }
        let new_lower = new_name.to_ascii_lowercase();
        let guessable = if new_lower
            .windows(DOC_EXAMPLE_NAME.len())
            .any(|w| w == DOC_EXAMPLE_NAME)
        {
            " The new name is the example from Redis' own redis.conf, known to everyone."
        } else if !lower.is_empty() && new_lower.windows(lower.len()).any(|w| w == lower) {
            " The new name even contains the original one."
        } else {
            ""
        };
        out.push(
            Diagnostic::new(
                &rules::RENAME_COMMAND_OBSCURITY,
                d.file,
                span,
                format!(
                    "`rename-command {cmd}` only hides {cmd} under another name: whoever learns the name (it is in this file, its backups and every tool that must call it) can run it, and so can every user whose ACL allows `{}`.{guessable}",
                    show(&lower)
                ),
            )
            .help(format!(
                "keep the command's name and deny it with ACLs: give application users `-{}` (or `-@dangerous`) and let only an administrator user with a strong password run it",
                show(&lower)
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::fs::MemoryFs;
    use crate::{check, Finding, Input, Kind, Options};

    fn run(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(*path, *text);
            if *kind != Kind::Acl {
                inputs.push(Input {
                    path: path.trim_start_matches('/').to_string(),
                    host_path: Some(path.to_string()),
                    bytes: text.as_bytes().to_vec(),
                    kind: *kind,
                });
            }
        }
        // Each rule on its own; the grouping has its own tests below.
        let options = Options {
            ungrouped: true,
            ..Options::default()
        };
        check(inputs, &fs, &options)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL3"))
            .collect()
    }

    fn redis(text: &str) -> Vec<Finding> {
        run(&[("/etc/redis/redis.conf", Kind::Redis, text)])
    }

    fn codes(f: &[Finding]) -> Vec<(String, u32, &'static str)> {
        f.iter()
            .map(|f| (f.code.to_string(), f.line, f.severity.as_str()))
            .collect()
    }

    fn has(f: &[Finding], code: &str, line: u32, severity: &str) -> bool {
        codes(f)
            .iter()
            .any(|(c, l, s)| c == code && *l == line && *s == severity)
    }

    #[test]
    fn wide_open_server() {
        let f = redis("port 6379\nbind 0.0.0.0\nprotected-mode no\n");
        assert!(has(&f, "RL301", 2, "error"), "{:#?}", codes(&f));
        assert!(has(&f, "RL302", 3, "error"), "{:#?}", codes(&f));
        assert!(has(&f, "RL303", 2, "error"), "{:#?}", codes(&f));
        assert!(has(&f, "RL304", 2, "info"), "{:#?}", codes(&f));
        assert!(f.iter().all(|f| !f.fatal));
        let rl301 = f.iter().find(|f| f.code == "RL301").unwrap();
        assert!(rl301.message.contains("any host that can reach port 6379"));
        assert!(rl301.related.iter().any(|r| r.line == 3));
    }

    #[test]
    fn no_bind_line_means_every_interface() {
        let f = redis("port 6380\n");
        // Protected mode (default yes) refuses other hosts while default has no password.
        assert!(has(&f, "RL301", 1, "warning"), "{:#?}", codes(&f));
        assert!(has(&f, "RL303", 1, "warning"), "{:#?}", codes(&f));
        let f = redis("port 6380\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\n");
        assert!(has(&f, "RL301", 1, "warning"), "{:#?}", codes(&f));
        assert!(!f.iter().any(|f| f.code == "RL303"));
    }

    #[test]
    fn drop_in_fragments_are_not_judged_by_defaults() {
        let f = run(&[(
            "/etc/redis/redis.conf.d/tuning.conf",
            Kind::Redis,
            "maxmemory 1gb\n",
        )]);
        assert!(f.is_empty(), "{:#?}", codes(&f));
        // What a fragment says explicitly is still judged.
        let f = run(&[(
            "/etc/redis/redis.conf.d/net.conf",
            Kind::Redis,
            "bind 0.0.0.0\nprotected-mode no\n",
        )]);
        assert!(has(&f, "RL301", 1, "error"), "{:#?}", codes(&f));
    }

    #[test]
    fn loopback_without_password_is_still_a_warning() {
        // Any local process, or SSRF through a web application on the host, gets in.
        let f = redis("bind 127.0.0.1 -::1\n");
        assert_eq!(codes(&f), [("RL303".to_string(), 1, "warning")]);
        assert!(
            f[0].message.contains("SSRF to 127.0.0.1, port 6379"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .message
            .contains("where `enable-protected-configs` is turned on"));
        let f = redis("bind 127.0.0.1 -::1\nenable-protected-configs local\n");
        assert!(f[0]
            .message
            .contains("with `enable-protected-configs` on, `CONFIG SET dir`"));
        let f = redis("bind 127.0.0.1 -::1\nprotected-mode no\n");
        assert!(has(&f, "RL302", 2, "info"), "{:#?}", codes(&f));
        assert!(has(&f, "RL303", 1, "warning"), "{:#?}", codes(&f));
        // A Unix socket only: no port to name.
        let f = redis("port 0\nunixsocket /run/redis/redis.sock\n");
        assert!(has(&f, "RL303", 1, "warning"), "{:#?}", codes(&f));
        assert!(f[0].message.contains("(SSRF)"), "{}", f[0].message);
    }

    fn grouped(text: &str, config: crate::config::Config) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        fs.insert("/etc/redis/redis.conf", text);
        let input = Input {
            path: "etc/redis/redis.conf".to_string(),
            host_path: Some("/etc/redis/redis.conf".to_string()),
            bytes: text.as_bytes().to_vec(),
            kind: Kind::Redis,
        };
        let options = Options {
            config,
            ..Options::default()
        };
        check(vec![input], &fs, &options).findings
    }

    fn selecting(select: &[&str], ignore: &[&str]) -> crate::config::Config {
        crate::config::Config {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    const WIDE_OPEN: &str = "port 6379\nbind 0.0.0.0\nprotected-mode no\n";

    #[test]
    fn one_exposure_is_one_finding_with_its_facets_named() {
        let f = grouped(WIDE_OPEN, Default::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        let e = &f[0];
        assert_eq!((e.code, e.line, e.severity.as_str()), ("RL301", 2, "error"));
        assert_eq!(
            e.codes().collect::<Vec<_>>(),
            ["RL301", "RL302", "RL303", "RL304"]
        );
        assert!(
            e.message.ends_with(
                "(one problem, also: RL302 protected-mode-off, RL303 no-authentication, RL304 tls-disabled)"
            ),
            "{}",
            e.message
        );
        // The other lines are related locations, with their rule's words.
        assert!(e
            .related
            .iter()
            .any(|r| r.line == 3 && r.message.starts_with("RL302: protected mode is off")));
        assert!(e.reports("RL302", "etc/redis/redis.conf", 3));
    }

    #[test]
    fn grouping_keeps_each_rule_selectable() {
        // RL301 ignored: the most serious enabled facet leads, the others stay named.
        let f = grouped(WIDE_OPEN, selecting(&[], &["RL301"]));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].code, "RL302");
        assert_eq!(
            f[0].codes().collect::<Vec<_>>(),
            ["RL302", "RL303", "RL304"]
        );
        assert!(!f[0].message.contains("RL301"), "{}", f[0].message);
        // Only RL303 selected: RL303 alone, named nowhere else.
        let f = grouped(WIDE_OPEN, selecting(&["RL303"], &[]));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].code, f[0].line), ("RL303", 2));
        assert!(f[0].facets.is_empty());
        assert!(!f[0].message.contains("one problem"), "{}", f[0].message);
        // A suppression comment on the bind line silences RL301 only.
        let f = grouped(
            "port 6379\n# redlint: disable=RL301,RL304\nbind 0.0.0.0\nprotected-mode no\n",
            Default::default(),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].code, "RL302");
        assert_eq!(f[0].codes().collect::<Vec<_>>(), ["RL302", "RL303"]);
        // A severity override counts before the primary is chosen.
        let mut config = selecting(&[], &[]);
        config.severity.insert("RL304".into(), "error".into());
        config.severity.insert("RL301".into(), "info".into());
        config.severity.insert("RL302".into(), "info".into());
        config.severity.insert("RL303".into(), "info".into());
        let f = grouped(WIDE_OPEN, config);
        assert_eq!((f[0].code, f[0].severity.as_str()), ("RL304", "error"));
    }

    #[test]
    fn aclfile_without_default_ignores_requirepass() {
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "bind 10.0.4.7\nprotected-mode no\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\naclfile /etc/redis/users.acl\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user app on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~app:* +@read\n",
            ),
        ]);
        let rl303 = f.iter().find(|f| f.code == "RL303").expect("RL303");
        assert_eq!((rl303.line, rl303.severity.as_str()), (4, "error"));
        assert!(rl303.message.contains("defines no `default` user"));
        assert!(rl303.related.iter().any(|r| r.line == 3));
        assert!(has(&f, "RL302", 2, "error"));
        assert!(!f.iter().any(|f| f.code == "RL301"), "a specific address");
    }

    #[test]
    fn explicit_nopass_default_in_acl_file() {
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "bind 0.0.0.0\naclfile /etc/redis/users.acl\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user default on nopass ~* &* +@all\n",
            ),
        ]);
        let rl303 = f.iter().find(|f| f.code == "RL303").expect("RL303");
        assert!(rl303.file.ends_with("users.acl") && rl303.column == 17);
        assert_eq!(rl303.severity.as_str(), "warning", "protected mode is on");
    }

    #[test]
    fn hardened_server_is_quiet() {
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "bind 10.0.4.7 127.0.0.1\nprotected-mode yes\nport 0\ntls-port 6379\naclfile /etc/redis/users.acl\nenable-debug-command local\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user default off\nuser app on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~app:* +@read\n",
            ),
        ]);
        assert!(f.is_empty(), "{:#?}", codes(&f));
    }

    #[test]
    fn public_addresses_are_reported() {
        let f = redis("bind 127.0.0.1 203.0.113.5\nprotected-mode no\n");
        assert!(has(&f, "RL307", 1, "error"), "{:#?}", codes(&f));
        let f = redis("bind 10.0.4.7 -2001:db8::5\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\n");
        assert!(has(&f, "RL307", 1, "warning"), "{:#?}", codes(&f));
        let f = redis("bind 10.0.4.7 192.168.1.10\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\n");
        assert!(!f.iter().any(|f| f.code == "RL307"), "{:#?}", codes(&f));
    }

    #[test]
    fn tls_with_plain_port_still_open() {
        let f = redis("bind 10.0.4.7\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\ntls-port 6380\n");
        let t = f.iter().find(|f| f.code == "RL304").expect("RL304");
        assert!(t.message.contains("plain-text port 6379"));
        let f = redis("bind 127.0.0.1\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\n");
        assert!(f.is_empty(), "{:#?}", codes(&f));
    }

    #[test]
    fn sentinel_without_password_is_open() {
        let f = run(&[(
            "/etc/redis/sentinel.conf",
            Kind::Sentinel,
            "port 26379\nsentinel monitor m 10.0.0.1 6379 2\n",
        )]);
        assert!(has(&f, "RL301", 1, "error"), "{:#?}", codes(&f));
        assert!(has(&f, "RL303", 1, "error"), "{:#?}", codes(&f));
        assert!(!f.iter().any(|f| f.code == "RL302"));
    }

    #[test]
    fn dangerous_commands_and_renames() {
        let f = redis(
            "bind 127.0.0.1\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cH\nenable-debug-command yes\nenable-module-command local\nENABLE-PROTECTED-CONFIGS YES\nrename-command DEBUG \"\"\nrename-command CONFIG CONFIG_b840fc02d524045429941cc15f59e41cb7be6c52\nrename-command FLUSHALL x9Qz\n",
        );
        assert!(has(&f, "RL305", 3, "warning"));
        assert!(!f.iter().any(|f| f.code == "RL305" && f.line == 4));
        assert!(has(&f, "RL305", 5, "warning"));
        assert!(has(&f, "RL306", 6, "info"));
        assert!(f
            .iter()
            .any(|f| f.line == 6 && f.message.contains("already refuses it")));
        assert!(has(&f, "RL306", 7, "warning"));
        assert!(f
            .iter()
            .any(|f| f.line == 7 && f.message.contains("example from Redis' own")));
        assert!(has(&f, "RL306", 8, "warning"));
    }
}
