//! Settings that contradict each other: Redis starts, takes one of them, and silently ignores
//! the other (RL201–RL206).

use super::effective::{
    self, at, bool_setting, content_span, enum_setting, int_setting, memory_setting, shown_args,
    token_span,
};
use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::model::{Kind, Server};
use crate::rules;
use crate::sizing;
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for server in effective::redis_servers(ctx) {
        daemonize_with_supervision(ctx, server, out);
    }
    for server in ctx.deployment.servers.iter().filter(|s| s.sentinel) {
        daemonize_with_supervision(ctx, server, out);
    }
    let topology = effective::Topology::of(ctx);
    for server in effective::redis_servers(ctx) {
        let role = topology.role(ctx.ws, server);
        requirepass_with_aclfile(ctx, server, out);
        aof_settings_without_aof(ctx, server, out);
        policy_without_maxmemory(ctx, server, role, out);
        if role == sizing::Role::Standalone {
            replica_settings_on_standalone(ctx, server, out);
            min_replicas_without_replicas(ctx, server, out);
        }
    }
}

/// True if the deployment holds a systemd unit or drop-in for a redis-server service.
pub(super) fn redis_unit_present(ctx: &Context<'_>) -> bool {
    ctx.ws
        .files
        .iter()
        .any(|f| f.kind == Kind::Systemd && super::kernel::is_redis_server_unit(f))
}

/// RL201: `daemonize yes` with systemd supervision.
fn daemonize_with_supervision(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let (true, Some(daemonize)) = bool_setting(ctx.ws, server, "daemonize", false) else {
        return;
    };
    let Some((mode, supervised)) = enum_setting(ctx.ws, server, "supervised") else {
        return;
    };
    let under_systemd = match mode.as_str() {
        "systemd" => true,
        "auto" => redis_unit_present(ctx),
        _ => false,
    };
    if !under_systemd {
        return;
    }
    let mut d = Diagnostic::new(
        &rules::DAEMONIZE_WITH_SUPERVISED_SYSTEMD,
        daemonize.file,
        content_span(ctx.ws, daemonize),
        format!(
            "`daemonize yes` contradicts `supervised {mode}` at {}: under a `Type=notify` unit Redis ignores `daemonize`, but started any other way (`Type=simple`/`forking`, or by hand) it forks into the background, and systemd then loses track of it or kills it",
            at(ctx.ws, supervised)
        ),
    )
    .help("write `daemonize no`: systemd runs Redis in the foreground and tracks it through `Type=notify`")
    .related(supervised.file, content_span(ctx.ws, supervised), "systemd supervision is requested here");
    if let Some(value) = token_span(ctx.ws, daemonize, 1) {
        d = d.fix(
            Applicability::Safe,
            "set `daemonize no`",
            vec![(daemonize.file, value, "no".to_string())],
        );
    }
    out.push(d);
}

/// How the ACL file defines the default user.
enum DefaultUser {
    Missing,
    /// `nopass` (or no password at all): who can log in as default needs no password.
    NoPassword {
        line: Span,
        nopass: bool,
    },
    WithPassword {
        line: Span,
        same_as_requirepass: bool,
    },
}

fn acl_default_user(ctx: &Context<'_>, server: &Server, requirepass: &[u8]) -> Option<DefaultUser> {
    let id = server.aclfile?;
    let f = ctx.ws.file(id);
    let doc = f.acl()?;
    let bytes = &f.source.bytes;
    let mut found = None;
    for line in &doc.lines {
        let tokens = doc.tokens(line);
        let (Some(kw), Some(name)) = (tokens.first(), tokens.get(1)) else {
            continue;
        };
        if &bytes[kw.range()] != b"user" || &bytes[name.range()] != b"default" {
            continue;
        }
        let (mut passwords, mut nopass, mut same) = (false, false, false);
        for t in &tokens[2..] {
            let rule = &bytes[t.range()];
            match rule.first() {
                Some(b'>') => {
                    passwords = true;
                    nopass = false;
                    same |= &rule[1..] == requirepass;
                }
                Some(b'#') => {
                    passwords = true;
                    nopass = false;
                }
                _ if rule.eq_ignore_ascii_case(b"nopass") => {
                    nopass = true;
                    passwords = false;
                    same = false;
                }
                _ if rule.eq_ignore_ascii_case(b"resetpass")
                    || rule.eq_ignore_ascii_case(b"reset") =>
                {
                    nopass = false;
                    passwords = false;
                    same = false;
                }
                _ => {}
            }
        }
        found = Some(if passwords && !nopass {
            DefaultUser::WithPassword {
                line: line.content,
                same_as_requirepass: same,
            }
        } else {
            DefaultUser::NoPassword {
                line: line.content,
                nopass,
            }
        });
    }
    Some(found.unwrap_or(DefaultUser::Missing))
}

/// RL202: `requirepass` is ignored when an `aclfile` is configured.
fn requirepass_with_aclfile(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let Some(pass_line) = server.last("requirepass") else {
        return;
    };
    let Some(password) = effective::single(ctx.ws, pass_line).filter(|p| !p.is_empty()) else {
        return;
    };
    let Some(aclfile) = server
        .last("aclfile")
        .filter(|d| effective::single(ctx.ws, d).is_some_and(|v| !v.is_empty()))
    else {
        return;
    };
    let acl_path = effective::single(ctx.ws, aclfile)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let base = format!(
        "`requirepass` is ignored because `aclfile` is set ({}): at startup Redis loads the default user from `{acl_path}` instead",
        at(ctx.ws, aclfile)
    );
    let mut severity = Severity::Error;
    let mut related_default = None;
    let mut delete_fix = false;
    let message = match acl_default_user(ctx, server, password) {
        Some(DefaultUser::Missing) => format!(
            "{base}, and that file defines no `default` user, so Redis re-creates it as `on nopass ~* &* +@all`: every client is admitted without a password (CONFIG GET requirepass still shows one)"
        ),
        Some(DefaultUser::NoPassword { line, nopass }) => {
            related_default = Some(line);
            if nopass {
                format!("{base}, where the default user is `nopass`: every client is admitted without a password")
            } else {
                severity = Severity::Warning;
                format!("{base}, where the default user has no password: nobody can authenticate as `default`")
            }
        }
        Some(DefaultUser::WithPassword {
            line,
            same_as_requirepass,
        }) => {
            related_default = Some(line);
            severity = Severity::Warning;
            delete_fix = true;
            if same_as_requirepass {
                format!("{base}; the ACL file's default user has the same password today, but changing `requirepass` (or CONFIG SET requirepass) no longer changes who can log in")
            } else {
                format!("{base}, whose default user has a different password: clients using the `requirepass` password are refused")
            }
        }
        None => {
            // The ACL file is not among the checked files: say what to look for.
            severity = Severity::Warning;
            format!(
                "{base}; if that file defines no `default` user, Redis re-creates it as `nopass` and admits every client without a password"
            )
        }
    };
    let mut d = Diagnostic::new(
        &rules::REQUIREPASS_WITH_ACLFILE,
        pass_line.file,
        content_span(ctx.ws, pass_line),
        message,
    )
    .severity(severity)
    .help(format!(
        "set the default user's password in `{acl_path}` (`user default on #<sha256> …`) and delete `requirepass`; redis.conf itself says requirepass is not compatible with aclfile"
    ))
    .related(aclfile.file, content_span(ctx.ws, aclfile), "the ACL file named here defines the users");
    if let (Some(span), Some(acl)) = (related_default, server.aclfile) {
        d = d.related(acl, span, "the default user Redis actually uses");
    }
    if delete_fix {
        d = d.fix(
            Applicability::Unsafe,
            "delete the ignored `requirepass` line",
            vec![(
                pass_line.file,
                effective::line_span(ctx.ws, pass_line.file, pass_line.line),
                String::new(),
            )],
        );
    }
    out.push(d);
}

/// Directives that only matter when the append-only file is on.
const AOF_DIRECTIVES: &[&str] = &[
    "appendfsync",
    "appendfilename",
    "appenddirname",
    "no-appendfsync-on-rewrite",
    "auto-aof-rewrite-percentage",
    "auto-aof-rewrite-min-size",
    "aof-load-truncated",
    "aof-use-rdb-preamble",
    "aof-timestamp-enabled",
    "aof-rewrite-incremental-fsync",
    "aof-disable-auto-gc",
];

/// RL203: AOF tuning on a server whose AOF is off.
fn aof_settings_without_aof(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let (aof, appendonly) = bool_setting(ctx.ws, server, "appendonly", false);
    if aof {
        return;
    }
    let off = match appendonly {
        Some(d) => format!("`appendonly no` at {}", at(ctx.ws, d)),
        None => "`appendonly` defaults to `no`".to_string(),
    };
    for name in AOF_DIRECTIVES {
        let Some(d) = server.last(name) else { continue };
        if effective::is_default(name, &effective::args(ctx.ws, d)) {
            continue;
        }
        let mut diag = Diagnostic::new(
            &rules::AOF_SETTINGS_WITHOUT_AOF,
            d.file,
            content_span(ctx.ws, d),
            format!(
                "`{name} {}` has no effect: the append-only file is off ({off}), so writes are persisted only by RDB snapshots, if any",
                shown_args(ctx, d)
            ),
        )
        .help("write `appendonly yes` if you want the append-only file, or delete this line");
        if let Some(a) = appendonly {
            diag = diag.related(a.file, content_span(ctx.ws, a), "AOF is turned off here");
        }
        out.push(diag);
    }
}

/// RL204: an eviction policy with nothing to evict against.
fn policy_without_maxmemory(
    ctx: &Context<'_>,
    server: &Server,
    role: sizing::Role,
    out: &mut Vec<Diagnostic>,
) {
    let Some((policy, line)) = enum_setting(ctx.ws, server, "maxmemory-policy") else {
        return;
    };
    if policy == "noeviction" {
        return;
    }
    let maxmemory = memory_setting(ctx.ws, server, "maxmemory");
    if maxmemory.is_some_and(|(v, _)| v > 0) {
        return;
    }
    let help = match ctx.options.host.memory {
        Some(host) => format!(
            "set {}",
            super::sizing::recommendation(host, role, effective::persistence(ctx.ws, server))
        ),
        None => "set `maxmemory` to what this server may use (about half the host's memory when it persists or has replicas, three quarters otherwise)".to_string(),
    };
    let mut d = Diagnostic::new(
        &rules::EVICTION_POLICY_WITHOUT_MAXMEMORY,
        line.file,
        content_span(ctx.ws, line),
        format!(
            "`maxmemory-policy {policy}` never evicts anything: `maxmemory` is {}, so Redis grows until the kernel's OOM killer stops it",
            if maxmemory.is_some() { "0 (no limit)" } else { "not set (no limit)" }
        ),
    )
    .help(help);
    if let Some((_, m)) = maxmemory {
        d = d.related(m.file, content_span(ctx.ws, m), "no memory limit");
    }
    out.push(d);
}

/// Settings a server only uses while it is a replica. `masterauth`, `masteruser` and
/// `replica-read-only` are left out: under Sentinel or manual failover a master becomes a
/// replica, and those settings must already be there.
const REPLICA_ONLY: &[&str] = &[
    "replica-serve-stale-data",
    "replica-lazy-flush",
    "repl-diskless-load",
    "replica-priority",
    "replica-announce-ip",
    "replica-announce-port",
    "replica-announced",
    "replica-ignore-maxmemory",
    "replica-ignore-disk-write-errors",
];

/// RL205: replica-only tuning on a server with no replication around it.
fn replica_settings_on_standalone(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    for name in REPLICA_ONLY {
        let Some(d) = server.last(name) else { continue };
        if effective::is_default(name, &effective::args(ctx.ws, d)) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &rules::REPLICA_SETTINGS_ON_MASTER,
                d.file,
                content_span(ctx.ws, d),
                format!(
                    "`{name} {}` only applies to a replica, and this server has no `replicaof` and no Sentinel or replica in the checked files",
                    shown_args(ctx, d)
                ),
            )
            .help("delete it, or keep it deliberately if this server is made a replica at runtime (`REPLICAOF`) and suppress this finding"),
        );
    }
}

/// RL206: `min-replicas-to-write` with no replica to count.
fn min_replicas_without_replicas(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let Some((n, line)) = int_setting(ctx.ws, server, "min-replicas-to-write") else {
        return;
    };
    if n <= 0 {
        return;
    }
    let lag = int_setting(ctx.ws, server, "min-replicas-max-lag");
    if lag.is_some_and(|(l, _)| l == 0) {
        return; // a max lag of 0 turns the check off
    }
    out.push(
        Diagnostic::new(
            &rules::MIN_REPLICAS_WITHOUT_REPLICAS,
            line.file,
            content_span(ctx.ws, line),
            format!(
                "with `min-replicas-to-write {n}` Redis refuses every write (`NOREPLICAS Not enough good replicas to write`) unless {n} replica(s) are connected, and no server in the checked files replicates from this one and no Sentinel watches it"
            ),
        )
        .help("set `min-replicas-to-write 0`, or add the replicas (`replicaof <this host> <port>` on them)"),
    );
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, redis, run};
    use crate::finding::Severity;
    use crate::model::Kind;

    const MAIN: &str = "/etc/redis/redis.conf";
    const ACL: &str = "/etc/redis/users.acl";
    const UNIT: &str = "/etc/systemd/system/redis-server.service.d/override.conf";

    #[test]
    fn daemonize_with_systemd_supervision() {
        let text = "daemonize yes\nsupervised systemd\n";
        let f = redis(text);
        assert_eq!(lines(&f, "RL201"), [("etc/redis/redis.conf".into(), 1)]);
        assert_eq!(only(&f, "RL201")[0].related[0].line, 2);
        assert_eq!(
            fixed(&f, "RL201", "etc/redis/redis.conf", text),
            "daemonize no\nsupervised systemd\n"
        );
        assert!(lines(&redis("daemonize no\nsupervised systemd\n"), "RL201").is_empty());
        assert!(lines(&redis("daemonize yes\nsupervised no\n"), "RL201").is_empty());
        // `auto` only counts when the deployment runs Redis under a systemd unit.
        assert!(lines(&redis("daemonize yes\nsupervised auto\n"), "RL201").is_empty());
        let f = run(&[
            (MAIN, Kind::Redis, "daemonize YES\nsupervised auto\n"),
            (UNIT, Kind::Systemd, "[Service]\nLimitNOFILE=65535\n"),
        ]);
        assert_eq!(lines(&f, "RL201").len(), 1);
    }

    #[test]
    fn requirepass_with_an_acl_file_without_default_user_is_an_open_server() {
        let f = run(&[
            (
                MAIN,
                Kind::Redis,
                "requirepass Some-Long-Secret\naclfile /etc/redis/users.acl\n",
            ),
            (ACL, Kind::Acl, "user app on >app-Secret ~app:* +@all\n"),
        ]);
        let d = only(&f, "RL202");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].message.contains("nopass"));
        assert!(!d[0].message.contains("Secret"));
        assert!(d[0].fix.is_none());
        assert_eq!(d[0].related[0].line, 2);
    }

    #[test]
    fn requirepass_with_an_acl_default_user() {
        let nopass = run(&[
            (
                MAIN,
                Kind::Redis,
                "requirepass s3cret-pw\naclfile /etc/redis/users.acl\n",
            ),
            (ACL, Kind::Acl, "user default on nopass ~* &* +@all\n"),
        ]);
        assert_eq!(only(&nopass, "RL202")[0].severity, Severity::Error);
        let same = run(&[
            (
                MAIN,
                Kind::Redis,
                "requirepass s3cret-pw\naclfile /etc/redis/users.acl\n",
            ),
            (ACL, Kind::Acl, "\nuser default on >s3cret-pw ~* &* +@all\n"),
        ]);
        let d = only(&same, "RL202")[0];
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.message.contains("same password today"));
        assert_eq!(d.related[1].file, "etc/redis/users.acl");
        assert_eq!(d.related[1].line, 2);
        assert!(d.fix.is_some());
        let other = run(&[
            (MAIN, Kind::Redis, "requirepass s3cret-pw\naclfile /etc/redis/users.acl\n"),
            (ACL, Kind::Acl, "user default on #42cec6fdf6f9def5f1dda187f466c57bfb6d1206741c898a7e8a76ba7b0f4112 ~* +@all\n"),
        ]);
        assert!(only(&other, "RL202")[0]
            .message
            .contains("different password"));
        assert!(lines(&redis("requirepass s3cret-pw\n"), "RL202").is_empty());
        assert!(lines(
            &redis("requirepass \"\"\naclfile /etc/redis/users.acl\n"),
            "RL202"
        )
        .is_empty());
    }

    #[test]
    fn aof_tuning_without_aof() {
        let f = redis("appendonly no\nappendfsync always\nappendfilename appendonly.aof\nauto-aof-rewrite-min-size 64mb\nauto-aof-rewrite-percentage 50\n");
        assert_eq!(
            lines(&f, "RL203"),
            [
                ("etc/redis/redis.conf".into(), 2),
                ("etc/redis/redis.conf".into(), 5)
            ]
        );
        assert_eq!(only(&f, "RL203")[0].related[0].line, 1);
        // Off by default too.
        assert_eq!(lines(&redis("appendfsync always\n"), "RL203").len(), 1);
        assert!(lines(&redis("appendonly yes\nappendfsync always\n"), "RL203").is_empty());
    }

    #[test]
    fn eviction_policy_without_maxmemory() {
        let f = redis("maxmemory-policy allkeys-lru\n");
        assert_eq!(lines(&f, "RL204"), [("etc/redis/redis.conf".into(), 1)]);
        assert_eq!(
            lines(
                &redis("maxmemory 0\nmaxmemory-policy volatile-lru\n"),
                "RL204"
            )
            .len(),
            1
        );
        assert!(lines(
            &redis("maxmemory 1gb\nmaxmemory-policy allkeys-lru\n"),
            "RL204"
        )
        .is_empty());
        assert!(lines(&redis("maxmemory-policy noeviction\n"), "RL204").is_empty());
        // With host memory, the help says how much.
        let mut options = crate::Options::default();
        options.host.memory = Some(8 << 30);
        let f = super::super::effective::testing::run_with(
            &[(
                MAIN,
                Kind::Redis,
                "save \"\"\nmaxmemory-policy allkeys-lru\n",
            )],
            &options,
        );
        let help = only(&f, "RL204")[0].help.clone().unwrap_or_default();
        assert!(help.contains("`maxmemory 5529mb`"), "{help}");
    }

    #[test]
    fn replica_settings_only_on_standalone_servers() {
        let text = "replica-lazy-flush yes\nreplica-priority 10\nreplica-read-only no\nmasterauth pw\nreplica-serve-stale-data yes\n";
        let f = redis(text);
        assert_eq!(
            lines(&f, "RL205"),
            [
                ("etc/redis/redis.conf".into(), 1),
                ("etc/redis/redis.conf".into(), 2)
            ]
        );
        assert_eq!(only(&f, "RL205")[0].severity, Severity::Info);
        // A replica, or any Sentinel in the deployment: these are expected.
        assert!(lines(&redis(&format!("replicaof 10.0.0.1 6379\n{text}")), "RL205").is_empty());
        let f = run(&[
            (MAIN, Kind::Redis, text),
            (
                "/etc/redis/sentinel.conf",
                Kind::Sentinel,
                "sentinel monitor m 127.0.0.1 6379 2\n",
            ),
        ]);
        assert!(lines(&f, "RL205").is_empty());
    }

    #[test]
    fn servers_in_d_directories_without_a_main_config_beside_are_servers() {
        let f = run(&[(
            "/etc/redis/instances.d/6379.conf",
            Kind::Redis,
            "maxmemory-policy allkeys-lru\n",
        )]);
        assert_eq!(lines(&f, "RL204").len(), 1);
        // Next to a main config it is a fragment of that server: not checked as a server.
        let f = run(&[
            (MAIN, Kind::Redis, "maxmemory 1gb\n"),
            (
                "/etc/redis/conf.d/6379.conf",
                Kind::Redis,
                "maxmemory-policy allkeys-lru\n",
            ),
        ]);
        assert!(lines(&f, "RL204").is_empty());
    }

    #[test]
    fn min_replicas_without_replicas() {
        let f = redis("min-replicas-to-write 1\n");
        assert_eq!(lines(&f, "RL206"), [("etc/redis/redis.conf".into(), 1)]);
        assert!(lines(
            &redis("min-replicas-to-write 1\nmin-replicas-max-lag 0\n"),
            "RL206"
        )
        .is_empty());
        assert!(lines(&redis("min-slaves-to-write 0\n"), "RL206").is_empty());
        let f = run(&[
            (MAIN, Kind::Redis, "min-replicas-to-write 1\n"),
            (
                "/etc/redis/replica.conf",
                Kind::Redis,
                "replicaof 127.0.0.1 6379\nport 6380\n",
            ),
        ]);
        assert!(lines(&f, "RL206").is_empty());
    }
}
