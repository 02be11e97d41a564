//! Host sizing (RL701–RL705): memory limits against host memory and fork headroom, I/O
//! threads against CPUs, clients against the open-files limit. The numbers come from
//! [`crate::sizing`], which `redlint generate` uses too.

use super::effective::{
    self, content_span, format_memory, human, memory_setting, replace_value_edit, set_value_edit,
};
use super::{Context, Diagnostic};
use crate::finding::Applicability;
use crate::model::{FileId, Server};
use crate::rules;
use crate::sizing::{self, Persistence, Role};
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let nofile = open_files_limit(ctx);
    let topology = effective::Topology::of(ctx);
    for server in effective::redis_servers(ctx) {
        let role = topology.role(ctx.ws, server);
        let persistence = effective::persistence(ctx.ws, server);
        memory(ctx, server, role, persistence, out);
        io_threads(ctx, server, out);
        if let Some(limit) = &nofile {
            maxclients(ctx, server, limit, out);
        }
    }
    memory_of_all_servers(ctx, out);
}

/// RL702 for several servers on one host: each fits, together they do not.
fn memory_of_all_servers(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(host) = ctx.options.host.memory else {
        return;
    };
    let limits: Vec<(u64, &crate::model::Directive)> = effective::redis_servers(ctx)
        .filter_map(|s| memory_setting(ctx.ws, s, "maxmemory"))
        .filter(|(v, _)| *v > 0 && *v < host)
        .collect();
    let total = limits.iter().fold(0u64, |t, (v, _)| t.saturating_add(*v));
    if limits.len() < 2 || total < host {
        return;
    }
    let share = format_memory(total.min(host) / 2 / limits.len() as u64 / (1 << 20) * (1 << 20));
    for (i, (v, line)) in limits.iter().enumerate() {
        let mut d = Diagnostic::new(
            &rules::MAXMEMORY_EXCEEDS_HOST,
            line.file,
            content_span(ctx.ws, line),
            format!(
                "`maxmemory` ({}) fits the host's {} alone, but the {} Redis servers checked here may use {} together: before they reach their limits the OOM killer stops one of them",
                human(*v),
                human(host),
                limits.len(),
                human(total)
            ),
        )
        .help(format!(
            "give each server its share: about {share} each for {} servers (or pass --host-memory per host if they run on different machines)",
            limits.len()
        ))
        .fix(
            Applicability::Safe,
            format!("set `maxmemory {share}`, an equal share of half the host"),
            vec![replace_value_edit(ctx.ws, line, &share)],
        );
        for (j, (_, other)) in limits.iter().enumerate() {
            if i != j {
                d = d.related(
                    other.file,
                    content_span(ctx.ws, other),
                    "another server's limit",
                );
            }
            if d.related.len() >= 8 {
                break;
            }
        }
        out.push(d);
    }
}

/// What forks, in words: `RDB snapshots and replication`.
fn fork_reasons(role: Role, p: Persistence) -> String {
    let mut r = Vec::new();
    if p.rdb {
        r.push("RDB snapshots (`save`)");
    }
    if p.aof {
        r.push("AOF rewrites");
    }
    if role != Role::Standalone {
        r.push("full resyncs of replicas");
    }
    r.join(", ")
}

/// `` `maxmemory 3686mb` (50% of the 8 GiB host less its 819.2 MiB OS reserve: …) ``, the
/// value `redlint generate` writes for this host.
pub(super) fn recommendation(host: u64, role: Role, p: Persistence) -> String {
    let forking = sizing::forks(role, p);
    let share = sizing::maxmemory_share(forking);
    format!(
        "`maxmemory {}` ({}% of the {} host less its {} OS reserve: {}; see `redlint rule RL703`)",
        format_memory(sizing::recommended_maxmemory(host, role, p)),
        share.recommended,
        human(host),
        human(sizing::os_reserve(host)),
        if forking {
            "half for the data, half for copy-on-write while a child is forked"
        } else {
            "the rest for fragmentation, buffers and the system"
        }
    )
}

fn memory(
    ctx: &Context<'_>,
    server: &Server,
    role: Role,
    p: Persistence,
    out: &mut Vec<Diagnostic>,
) {
    let host = ctx.options.host.memory;
    let set = memory_setting(ctx.ws, server, "maxmemory").filter(|(v, _)| *v > 0);
    let Some((maxmemory, line)) = set else {
        unset(ctx, server, role, p, host, out);
        return;
    };
    let Some(host) = host else { return };
    let span = content_span(ctx.ws, line);
    // Both findings below ask for, and fix to, the value `generate` writes for this host.
    let resized = |d: Diagnostic| {
        d.help(format!("write {}", recommendation(host, role, p)))
            .fix(
                Applicability::Safe,
                resize_description(host, role, p),
                vec![replace_value_edit(
                    ctx.ws,
                    line,
                    &recommended_value(host, role, p),
                )],
            )
    };
    if maxmemory >= host {
        out.push(resized(
            Diagnostic::new(
                &rules::MAXMEMORY_EXCEEDS_HOST,
                line.file,
                span,
                format!(
                    "`maxmemory` ({}) is not below the host's memory ({}): the limit can never be reached, so instead of evicting or refusing writes Redis is killed by the OOM killer",
                    human(maxmemory),
                    human(host)
                ),
            )
        ));
        return;
    }
    let limit = sizing::maxmemory_limit(host, role, p);
    if maxmemory > limit {
        let forking = sizing::forks(role, p);
        let share = sizing::maxmemory_share(forking);
        let why = if forking {
            format!(
                "this server forks for {}, and copy-on-write can double the memory in use while the child runs (Redis' administration guide: up to 2×)",
                fork_reasons(role, p)
            )
        } else {
            "memory outside `maxmemory` (fragmentation, client and replication buffers, the system) needs room too".to_string()
        };
        out.push(resized(
            Diagnostic::new(
                &rules::MAXMEMORY_NO_FORK_HEADROOM,
                line.file,
                span,
                format!(
                    "`maxmemory` ({}) is {}% of the host's {}, above the {}% that leaves headroom: {why}",
                    human(maxmemory),
                    (maxmemory as u128 * 100 / host as u128),
                    human(host),
                    share.limit
                ),
            )
        ));
    }
}

fn recommended_value(host: u64, role: Role, p: Persistence) -> String {
    format_memory(sizing::recommended_maxmemory(host, role, p))
}

fn resize_description(host: u64, role: Role, p: Persistence) -> String {
    format!(
        "set `maxmemory {}` for the {} host",
        recommended_value(host, role, p),
        human(host)
    )
}

/// RL701: no memory limit where one is needed.
fn unset(
    ctx: &Context<'_>,
    server: &Server,
    role: Role,
    p: Persistence,
    host: Option<u64>,
    out: &mut Vec<Diagnostic>,
) {
    // A non-noeviction policy without maxmemory is RL204's, with the same advice.
    let policy = effective::enum_setting(ctx.ws, server, "maxmemory-policy");
    if policy.is_some_and(|(p, _)| p != "noeviction") {
        return;
    }
    let cache = !p.any();
    if !cache && host.is_none() {
        return;
    }
    let explicit = server.last("maxmemory");
    let (file, span): (FileId, Span) = match explicit {
        Some(d) => (d.file, content_span(ctx.ws, d)),
        None => (server.main, effective::file_start(ctx.ws, server.main)),
    };
    let what = if explicit.is_some() {
        "`maxmemory 0` sets no memory limit"
    } else {
        "no `maxmemory` is set"
    };
    let message = if cache {
        format!("{what} on a server that persists nothing (a cache): it grows with its data until the kernel's OOM killer stops it, instead of evicting keys")
    } else {
        format!(
            "{what}: Redis grows until the kernel's OOM killer stops it (on a {} host)",
            human(host.unwrap_or(0))
        )
    };
    let help = match host {
        Some(h) => format!(
            "write {}, and a `maxmemory-policy` ({})",
            recommendation(h, role, p),
            if cache { "`allkeys-lru` for a cache" } else { "`noeviction` to refuse writes when full" }
        ),
        None => "write `maxmemory <size>` (about 75% of the host's memory for a cache that does not fork, 50% when it persists or has replicas) and `maxmemory-policy allkeys-lru`; pass --host-memory for an exact value".to_string(),
    };
    let mut d = Diagnostic::new(&rules::MAXMEMORY_UNSET, file, span, message).help(help);
    if let Some(h) = host {
        let share = sizing::maxmemory_share(sizing::forks(role, p));
        let why = format!(
            "maxmemory: {}% of the {} host less its {} OS reserve (redlint fix --host-memory)",
            share.recommended,
            human(h),
            human(sizing::os_reserve(h))
        );
        d = d.fix(
            Applicability::Safe,
            resize_description(h, role, p),
            vec![set_value_edit(
                ctx.ws,
                server,
                "maxmemory",
                &recommended_value(h, role, p),
                &why,
            )],
        );
    }
    out.push(d);
}

/// RL704: more I/O threads than the CPUs can run.
fn io_threads(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let Some(cpus) = ctx.options.host.cpus else {
        return;
    };
    let Some((threads, line)) = effective::int_setting(ctx.ws, server, "io-threads") else {
        return;
    };
    let limit = sizing::io_threads_limit(cpus);
    if threads <= limit as i64 {
        return;
    }
    let why = if threads > cpus as i64 {
        format!("more threads than the host's {cpus} CPU(s): I/O threads busy-poll, so they compete with the main thread and slow Redis down")
    } else if cpus < 4 {
        format!("redis.conf advises threaded I/O only on hosts with at least 4 cores, and this one has {cpus}")
    } else {
        format!("with {cpus} CPUs this leaves no core for the rest of the system (forked children, the kernel); redis.conf advises leaving one spare")
    };
    let recommended = sizing::recommended_io_threads(cpus);
    let fix = vec![replace_value_edit(ctx.ws, line, &recommended.to_string())];
    out.push(
        Diagnostic::new(
            &rules::IO_THREADS_EXCEED_CPUS,
            line.file,
            content_span(ctx.ws, line),
            format!("`io-threads {threads}` (the main thread included): {why}"),
        )
        .help(format!(
            "write `io-threads {recommended}`{}",
            if recommended == 1 {
                " (threaded I/O off)"
            } else {
                ""
            }
        ))
        .fix(
            Applicability::Safe,
            format!("set `io-threads {recommended}` for {cpus} CPU(s)"),
            fix,
        ),
    );
}

/// The open-files limit of the redis-server service and where it comes from.
struct NofileLimit {
    value: u64,
    unit: Option<super::kernel::UnitSetting>,
}

fn open_files_limit(ctx: &Context<'_>) -> Option<NofileLimit> {
    if let Some(n) = ctx.options.host.nofile {
        return Some(NofileLimit {
            value: n,
            unit: None,
        });
    }
    let u = super::kernel::service_setting(ctx, "LimitNOFILE")?;
    Some(NofileLimit {
        value: super::kernel::hard_limit(&u.value)?,
        unit: Some(u),
    })
}

/// RL705: `maxclients` needs more file descriptors than the service may open.
fn maxclients(ctx: &Context<'_>, server: &Server, limit: &NofileLimit, out: &mut Vec<Diagnostic>) {
    let (clients, line) = match effective::int_setting(ctx.ws, server, "maxclients") {
        Some((v, d)) => (v.max(0) as u64, Some(d)),
        None => (10_000, None),
    };
    let need = sizing::required_nofile(clients);
    if need <= limit.value {
        return;
    }
    let source = match &limit.unit {
        Some(u) => format!(
            "`LimitNOFILE={}` ({}:{})",
            u.value,
            ctx.ws.file(u.file).source.path,
            ctx.ws.file(u.file).source.position(u.span.start).line
        ),
        None => format!("the open-files limit of {} given for the host", limit.value),
    };
    let (file, span) = match (line, &limit.unit) {
        (Some(d), _) => (d.file, content_span(ctx.ws, d)),
        (None, Some(u)) => (u.file, u.span),
        (None, None) => (server.main, effective::file_start(ctx.ws, server.main)),
    };
    let what = match line {
        Some(_) => format!("`maxclients {clients}`"),
        None => format!("the default `maxclients` of {clients}"),
    };
    let mut d = Diagnostic::new(
        &rules::MAXCLIENTS_EXCEEDS_NOFILE,
        file,
        span,
        format!(
            "{what} needs {need} file descriptors (Redis reserves 32 for itself), but {source} allows {}: Redis lowers maxclients to {} at startup and refuses clients beyond it",
            limit.value,
            sizing::maxclients_for_nofile(limit.value)
        ),
    )
    .help(format!(
        "raise the limit to at least {need} (`LimitNOFILE={need}` in the redis-server unit), or write `maxclients {}`",
        sizing::maxclients_for_nofile(limit.value)
    ));
    if let (Some(u), Some(_)) = (&limit.unit, line) {
        d = d.related(u.file, u.span, "the service's open-files limit");
    }
    // The unit's limit is part of the deployment: raise it. A host limit is a given: lower
    // maxclients to what it allows.
    let allowed = sizing::maxclients_for_nofile(limit.value).to_string();
    d = match &limit.unit {
        Some(u) => d.fix(
            Applicability::Safe,
            format!("raise the unit's limit to `LimitNOFILE={need}`"),
            vec![(u.file, u.span, format!("LimitNOFILE={need}"))],
        ),
        None => d.fix(
            Applicability::Safe,
            format!("set `maxclients {allowed}`, what the open-files limit allows"),
            vec![set_value_edit(
                ctx.ws,
                server,
                "maxclients",
                &allowed,
                &format!("maxclients: the host's open-files limit {} less the 32 descriptors Redis keeps (redlint fix)", limit.value),
            )],
        ),
    };
    out.push(d);
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, redis, run, run_with};
    use crate::model::Kind;
    use crate::Options;

    const MAIN: &str = "/etc/redis/redis.conf";
    const GIB: u64 = 1 << 30;

    fn host(memory: Option<u64>, cpus: Option<u32>, nofile: Option<u64>) -> Options {
        let mut o = Options::default();
        o.host.memory = memory;
        o.host.cpus = cpus;
        o.host.nofile = nofile;
        o
    }

    fn with(text: &str, options: &Options) -> Vec<crate::Finding> {
        run_with(&[(MAIN, Kind::Redis, text)], options)
    }

    #[test]
    fn maxmemory_unset_on_a_cache_or_a_known_host() {
        let f = redis("save \"\"\nappendonly no\n");
        assert_eq!(lines(&f, "RL701"), [("etc/redis/redis.conf".into(), 1)]);
        // Persisting server, host unknown: nothing to compare with.
        assert!(lines(&redis("appendonly yes\n"), "RL701").is_empty());
        // Known host: any role.
        let f = with("appendonly yes\n", &host(Some(8 * GIB), None, None));
        let d = only(&f, "RL701");
        assert_eq!(d.len(), 1);
        assert!(d[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("`maxmemory 3686mb`"));
        // Explicit `maxmemory 0` is reported on its line.
        let f = redis("port 6379\nmaxmemory 0\nsave \"\"\n");
        assert_eq!(lines(&f, "RL701"), [("etc/redis/redis.conf".into(), 2)]);
        // An eviction policy without maxmemory is RL204's.
        assert!(lines(&redis("save \"\"\nmaxmemory-policy allkeys-lru\n"), "RL701").is_empty());
    }

    #[test]
    fn maxmemory_against_host_memory() {
        let o = host(Some(4 * GIB), None, None);
        let f = with("maxmemory 4gb\n", &o);
        assert_eq!(lines(&f, "RL702"), [("etc/redis/redis.conf".into(), 1)]);
        assert!(lines(&f, "RL703").is_empty());
        // 3 GiB of 4 with default save points (forks): 75 % > 60 %.
        let f = with("maxmemory 3gb\n", &o);
        assert_eq!(lines(&f, "RL703").len(), 1);
        assert!(only(&f, "RL703")[0].message.contains("75%"));
        // The same without forks is within 80 %.
        assert!(lines(&with("maxmemory 3gb\nsave \"\"\n", &o), "RL703").is_empty());
        assert!(lines(&with("maxmemory 2gb\n", &o), "RL703").is_empty());
        // A replica forks for resyncs even without persistence.
        let f = with("maxmemory 3gb\nsave \"\"\nreplicaof 10.0.0.1 6379\n", &o);
        assert_eq!(lines(&f, "RL703").len(), 1);
        // Unknown host: nothing.
        assert!(lines(&redis("maxmemory 64gb\n"), "RL702").is_empty());
    }

    #[test]
    fn several_servers_share_the_host() {
        let o = host(Some(4 * GIB), None, None);
        let files = [
            (
                "/etc/redis/redis-6379.conf",
                Kind::Redis,
                "port 6379\nmaxmemory 2gb\nsave \"\"\n",
            ),
            (
                "/etc/redis/redis-6380.conf",
                Kind::Redis,
                "port 6380\nmaxmemory 2gb\nsave \"\"\n",
            ),
        ];
        let f = run_with(&files, &o);
        assert_eq!(lines(&f, "RL702").len(), 2, "{f:#?}");
        assert!(only(&f, "RL702")[0].message.contains("4 GiB together"));
        let f = run_with(&files[..1], &o);
        assert!(lines(&f, "RL702").is_empty());
    }

    #[test]
    fn io_threads_against_cpus() {
        let f = with("io-threads 4\n", &host(None, Some(2), None));
        assert_eq!(lines(&f, "RL704").len(), 1);
        assert!(only(&f, "RL704")[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("`io-threads 1`"));
        let f = with("io-threads 4\n", &host(None, Some(4), None));
        assert_eq!(lines(&f, "RL704").len(), 1);
        assert!(lines(&with("io-threads 3\n", &host(None, Some(4), None)), "RL704").is_empty());
        assert!(lines(&with("io-threads 6\n", &host(None, Some(8), None)), "RL704").is_empty());
        assert!(lines(&redis("io-threads 64\n"), "RL704").is_empty());
    }

    #[test]
    fn maxclients_against_the_open_files_limit() {
        let f = with("maxclients 10000\n", &host(None, None, Some(1024)));
        let d = only(&f, "RL705");
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("10032") && d[0].message.contains("992"));
        // The default maxclients, limit from a systemd drop-in: reported on the unit line.
        let f = run(&[
            (MAIN, Kind::Redis, "port 6379\n"),
            (
                "/etc/systemd/system/redis-server.service.d/override.conf",
                Kind::Systemd,
                "[Service]\nLimitNOFILE=4096\n",
            ),
        ]);
        assert_eq!(
            lines(&f, "RL705"),
            [(
                "etc/systemd/system/redis-server.service.d/override.conf".into(),
                2
            )]
        );
        // soft:hard — Redis raises its soft limit up to the hard one.
        let f = run(&[
            (MAIN, Kind::Redis, "maxclients 10000\n"),
            (
                "/etc/systemd/system/redis-server.service.d/override.conf",
                Kind::Systemd,
                "[Service]\nLimitNOFILE=1024:524288\n",
            ),
        ]);
        assert!(lines(&f, "RL705").is_empty());
        // A Sentinel's or an exporter's unit says nothing about redis-server.
        let f = run(&[
            (MAIN, Kind::Redis, "maxclients 10000\n"),
            (
                "/etc/systemd/system/redis-sentinel.service.d/override.conf",
                Kind::Systemd,
                "[Service]\nLimitNOFILE=1024\n",
            ),
        ]);
        assert!(lines(&f, "RL705").is_empty());
    }

    #[test]
    fn fixes_resize_for_the_host() {
        const FILE: &str = "etc/redis/redis.conf";
        let o = host(Some(8 * GIB), Some(2), Some(1024));
        // Values above what the host allows are replaced in place.
        let text = "port 6379\nmaxmemory 16gb\nio-threads 4\nmaxclients 10000\n";
        let f = with(text, &o);
        assert_eq!(
            fixed(&f, "RL702", FILE, text),
            "port 6379\nmaxmemory 3686mb\nio-threads 4\nmaxclients 10000\n"
        );
        assert_eq!(
            fixed(&f, "RL704", FILE, text),
            "port 6379\nmaxmemory 16gb\nio-threads 1\nmaxclients 10000\n"
        );
        assert_eq!(
            fixed(&f, "RL705", FILE, text),
            "port 6379\nmaxmemory 16gb\nio-threads 4\nmaxclients 992\n"
        );
        // A missing maxmemory is appended after everything else, with its formula.
        let text = "save \"\"\nappendonly no";
        let f = with(text, &o);
        let out = fixed(&f, "RL701", FILE, text);
        assert!(
            out.starts_with("save \"\"\nappendonly no\n# maxmemory: 75% of the 8 GiB host"),
            "{out}"
        );
        assert!(out.ends_with("\nmaxmemory 5529mb\n"), "{out}");
        // Each fixed value passes its own rule.
        for (code, text) in [
            ("RL702", "maxmemory 16gb\n"),
            ("RL703", "maxmemory 7gb\n"),
            ("RL704", "io-threads 4\n"),
            ("RL705", "maxclients 10000\n"),
            ("RL701", "save \"\"\n"),
        ] {
            let out = fixed(&with(text, &o), code, FILE, text);
            assert!(lines(&with(&out, &o), code).is_empty(), "{code}: {out}");
        }
        // A unit's limit is raised rather than maxclients lowered.
        let unit = "[Service]\nLimitNOFILE=4096\n";
        let f = run(&[
            (MAIN, Kind::Redis, "maxclients 10000\n"),
            (
                "/etc/systemd/system/redis-server.service.d/override.conf",
                Kind::Systemd,
                unit,
            ),
        ]);
        assert_eq!(
            fixed(
                &f,
                "RL705",
                "etc/systemd/system/redis-server.service.d/override.conf",
                unit
            ),
            "[Service]\nLimitNOFILE=10032\n"
        );
        // No host given: nothing to size with, so no fix.
        assert!(only(&redis("save \"\"\n"), "RL701")[0].fix.is_none());
    }
}
