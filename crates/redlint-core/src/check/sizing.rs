//! Host sizing (RL701–RL705): memory limits against host memory and fork headroom, I/O
//! threads against CPUs, clients against the open-files limit. The numbers come from
//! [`crate::sizing`], which `redlint generate` uses too.

use super::effective::{self, content_span, format_memory, human, memory_setting};
use super::{Context, Diagnostic};
use crate::model::{FileId, Server};
use crate::rules;
use crate::sizing::{self, Persistence, Role};
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let nofile = open_files_limit(ctx);
    for server in effective::redis_servers(ctx) {
        let role = effective::role(ctx, server);
        let persistence = effective::persistence(ctx.ws, server);
        memory(ctx, server, role, persistence, out);
        io_threads(ctx, server, out);
        if let Some(limit) = &nofile {
            maxclients(ctx, server, limit, out);
        }
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

fn recommendation(host: u64, role: Role, p: Persistence) -> String {
    let forking = sizing::forks(role, p);
    let share = sizing::maxmemory_share(forking);
    format!(
        "`maxmemory {}` ({}% of {}: {})",
        format_memory(sizing::recommended_maxmemory(host, role, p)),
        share.recommended,
        human(host),
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
    if maxmemory >= host {
        out.push(
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
            .help(format!("write {}", recommendation(host, role, p))),
        );
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
        out.push(
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
            .help(format!("write {}", recommendation(host, role, p))),
        );
    }
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
        None => "write `maxmemory <size>` (75% of the host's memory for a cache that does not fork, 50% when it persists or has replicas) and `maxmemory-policy allkeys-lru`; pass --host-memory for an exact value".to_string(),
    };
    out.push(Diagnostic::new(&rules::MAXMEMORY_UNSET, file, span, message).help(help));
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
        )),
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
    out.push(d);
}
