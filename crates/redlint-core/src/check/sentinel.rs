//! What Sentinel 7.0.15 refuses in its configuration (`sentinelHandleConfiguration`), and
//! `sentinel` lines in a plain redis-server's configuration.
//!
//! Every finding here is fatal: the real server exits with a `FATAL CONFIG FILE ERROR` on the
//! line. Sentinel stops at the first error in its processing order (pre-monitor options,
//! then `monitor`, then the rest); we report every line it would refuse.

use std::collections::{HashMap, HashSet};

use super::{Context, Diagnostic};
use crate::finding::Applicability;
use crate::knowledge::sysctl_keys::edit_distance;
use crate::model::sentinel::{
    c_atoi, sentinel_view, yes_no, Address, KnownReplica, KnownSentinel, Option_, SentinelConfig,
    Statement, OPTIONS,
};
use crate::model::{FileId, Server};
use crate::rules;
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for server in &ctx.deployment.servers {
        if server.sentinel {
            check_sentinel(ctx, server, out);
        } else {
            sentinel_lines_in_redis(ctx, server, out);
        }
    }
}

/// RL012: redis-server refuses `sentinel` lines with arguments (a bare `sentinel` is ignored).
fn sentinel_lines_in_redis(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    for d in server.all("sentinel") {
        let (_, doc, line) = ctx.ws.conf_line(d.file, d.line);
        if doc.tokens(line).len() < 2 {
            continue;
        }
        out.push(
            Diagnostic::new(
                &rules::SENTINEL_DIRECTIVE_IN_REDIS,
                d.file,
                line.content,
                "`sentinel` option in a redis-server configuration: redis-server refuses to start (`sentinel directive while not in sentinel mode`)",
            )
            .fatal()
            .help("move the `sentinel …` lines to a sentinel.conf of their own and run it with `redis-sentinel sentinel.conf` (or `redis-server sentinel.conf --sentinel`)"),
        );
    }
}

fn check_sentinel(ctx: &Context<'_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let cfg = sentinel_view(ws, server);
    let mut hostname_lines: Vec<(&Statement, Span, String)> = Vec::new();
    let mut replica_keys: HashMap<(usize, String, i32), usize> = HashMap::new();
    let mut runids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
    let mut renamed: HashSet<(usize, Vec<u8>)> = HashSet::new();
    let replicas: HashMap<usize, &KnownReplica> = cfg
        .masters
        .iter()
        .flat_map(|m| m.known_replicas.iter().map(|r| (r.statement, r)))
        .collect();
    let sentinels: HashMap<usize, &KnownSentinel> = cfg
        .masters
        .iter()
        .flat_map(|m| m.known_sentinels.iter().map(|s| (s.statement, s)))
        .collect();
    let mut order: Vec<usize> = (0..cfg.statements.len()).collect();
    order.sort_by_key(|i| cfg.statements[*i].order);
    for idx in order {
        let st = &cfg.statements[idx];
        if st.option == Option_::Unrecognized {
            out.push(unrecognized(ctx, st));
            continue;
        }
        if st.names_master() && st.master.is_none() {
            out.push(unknown_master(ctx, &cfg, st));
            continue;
        }
        match st.option {
            Option_::Monitor => {
                let Some(m) = st.master.map(|m| &cfg.masters[m]) else {
                    continue;
                };
                if m.statement != idx {
                    let first = &cfg.statements[m.statement];
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 1),
                            format!("master `{}` is already monitored: Sentinel refuses to start (`Duplicate master name.`)", m.name.value),
                        )
                        .related(first.file, first.arg_span(ws, 1), "first monitored here")
                        .help("give each monitored master its own name, or remove the second `monitor` line"),
                    );
                    continue;
                }
                if m.quorum.value < 1 {
                    let raw = st.arg_str(ws, 4).unwrap_or_default();
                    out.push(
                        invalid(
                            st,
                            m.quorum.place.span,
                            format!(
                                "quorum `{raw}` reads as {}: Sentinel refuses to start (`Quorum must be 1 or greater.`)",
                                m.quorum.value
                            ),
                        )
                        .help("set the quorum to the number of Sentinels that must agree the master is down, usually a majority (`2` for three Sentinels)"),
                    );
                }
                check_address(ctx, &cfg, st, &m.address, &mut hostname_lines, out);
            }
            Option_::DownAfterMilliseconds | Option_::FailoverTimeout => {
                let value = c_atoi(st.arg(ws, 2).unwrap_or_default());
                if value <= 0 {
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 2),
                            format!(
                                "`{}` of `{}` reads as {value} ms: Sentinel refuses to start (`negative or zero time parameter.`)",
                                st.name(ws),
                                st.arg_str(ws, 2).unwrap_or_default()
                            ),
                        )
                        .help("give a positive number of milliseconds"),
                    );
                }
            }
            Option_::MasterRebootDownAfterPeriod => {
                let value = c_atoi(st.arg(ws, 2).unwrap_or_default());
                if value < 0 {
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 2),
                            format!("`master-reboot-down-after-period` reads as {value} ms: Sentinel refuses to start (`negative time parameter.`)"),
                        )
                        .help("give 0 (off) or a positive number of milliseconds"),
                    );
                }
            }
            Option_::NotificationScript | Option_::ClientReconfigScript => {
                check_script(ctx, &cfg, st, out)
            }
            Option_::KnownReplica => {
                let Some(m) = st.master else { continue };
                let Some(r) = replicas.get(&idx) else {
                    continue;
                };
                let valid = check_address(ctx, &cfg, st, &r.address, &mut hostname_lines, out);
                if !valid {
                    continue;
                }
                // Sentinel keys replicas by "ip:port" (by "hostname:port" with announce-hostnames).
                let host = if cfg.announces_hostnames() {
                    Some(r.address.host.value.clone())
                } else {
                    r.address.numeric()
                };
                let Some(host) = host else { continue };
                match replica_keys.entry((m, host, r.address.port.value)) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        let first = &cfg.statements[*first.get()];
                        out.push(
                            invalid(
                                st,
                                st.span,
                                format!(
                                    "replica `{}:{}` of `{}` is already listed: Sentinel refuses to start (`Duplicate hostname and port for replica.`)",
                                    r.address.host.value, r.address.port.value, cfg.masters[m].name.value
                                ),
                            )
                            .related(first.file, first.span, "first listed here")
                            .help("list each replica once (`known-replica` and `known-slave` are the same option)"),
                        );
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(idx);
                    }
                }
            }
            Option_::KnownSentinel => {
                let Some(m) = st.master else { continue };
                let Some(s) = sentinels.get(&idx) else {
                    continue;
                };
                if !check_address(ctx, &cfg, st, &s.address, &mut hostname_lines, out) {
                    continue;
                }
                let runid = st.arg(ws, 4).unwrap_or_default().to_vec();
                if let Some(first) = runids.get(&(m, runid.clone())) {
                    let first = &cfg.statements[*first];
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 4),
                            format!(
                                "Sentinel run id `{}` is already listed for `{}`: Sentinel refuses to start (`Duplicate runid for sentinel.`)",
                                s.runid.value, cfg.masters[m].name.value
                            ),
                        )
                        .related(first.file, first.arg_span(ws, 4), "first listed here")
                        .help("list each Sentinel once; every Sentinel has its own `sentinel myid`"),
                    );
                } else {
                    runids.insert((m, runid), idx);
                }
            }
            Option_::RenameCommand => {
                let Some(m) = st.master else { continue };
                let command = st.arg(ws, 2).unwrap_or_default().to_ascii_lowercase();
                if !renamed.insert((m, command)) {
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 2),
                            format!(
                                "command `{}` of `{}` is renamed twice: Sentinel refuses to start (`Same command renamed multiple times with rename-command.`)",
                                st.arg_str(ws, 2).unwrap_or_default(),
                                cfg.masters[m].name.value
                            ),
                        )
                        .help("keep one `sentinel rename-command` per command and master (names are case-insensitive)"),
                    );
                }
            }
            Option_::Myid => {
                let id = st.arg(ws, 1).unwrap_or_default();
                if id.len() != 40 {
                    out.push(
                        invalid(
                            st,
                            st.arg_span(ws, 1),
                            format!("`sentinel myid` must be 40 characters long, not {}: Sentinel refuses to start (`Malformed Sentinel id in myid option.`)", id.len()),
                        )
                        .help("remove the line: Sentinel generates an id on first start and writes it back to the file"),
                    );
                }
            }
            Option_::ResolveHostnames
            | Option_::AnnounceHostnames
            | Option_::DenyScriptsReconfig
                if yes_no(st.arg(ws, 1).unwrap_or_default()).is_none() =>
            {
                let name = st.name(ws);
                let option = if name == "deny-scripts-reconfig" {
                    "deny-scripts-reconfig options".to_string()
                } else {
                    format!("{name} option")
                };
                out.push(
                    invalid(
                        st,
                        st.arg_span(ws, 1),
                        format!(
                            "`sentinel {name}` takes `yes` or `no`, not `{}`: Sentinel refuses to start (`Please specify yes or no for the {option}.`)",
                            st.arg_str(ws, 1).unwrap_or_default()
                        ),
                    )
                    .help(format!("write `sentinel {name} yes` or `sentinel {name} no`")),
                );
            }
            _ => {}
        }
    }
    hostnames(ctx, &cfg, hostname_lines, out);
}

fn invalid(st: &Statement, span: Span, message: String) -> Diagnostic {
    Diagnostic::new(&rules::SENTINEL_INVALID_STATEMENT, st.file, span, message).fatal()
}

/// Port range and host name of an address; false when Sentinel would refuse it.
fn check_address<'a>(
    ctx: &Context<'_>,
    cfg: &SentinelConfig,
    st: &'a Statement,
    address: &Address,
    hostname_lines: &mut Vec<(&'a Statement, Span, String)>,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let ws = ctx.ws;
    let mut valid = true;
    if !(0..=65535).contains(&address.port.value) {
        valid = false;
        let raw = String::from_utf8_lossy(
            ws.file(address.port.place.file)
                .source
                .text(address.port.place.span),
        )
        .into_owned();
        out.push(
            invalid(
                st,
                address.port.place.span,
                format!("port `{raw}` reads as {}, outside 0–65535: Sentinel refuses to start (`Invalid port number.`)", address.port.value),
            )
            .help("give the TCP port the instance listens on"),
        );
    }
    if address.numeric().is_none() && !cfg.resolves_hostnames() {
        valid = false;
        hostname_lines.push((st, address.host.place.span, address.host.value.clone()));
    }
    valid
}

/// RL030, with one fix for the whole Sentinel: turn `resolve-hostnames` on.
fn hostnames(
    ctx: &Context<'_>,
    cfg: &SentinelConfig,
    lines: Vec<(&Statement, Span, String)>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(first) = lines
        .iter()
        .map(|(st, _, _)| *st)
        .min_by_key(|st| (st.file != cfg.main, st.file, st.line))
    else {
        return;
    };
    let ws = ctx.ws;
    let edit: (FileId, Span, String) = match &cfg.resolve_hostnames {
        Some(existing) => (existing.place.file, existing.place.span, "yes".to_string()),
        None => {
            let f = ws.file(first.file);
            let (_, _, line) = ws.conf_line(first.file, first.line);
            let eol = if f.source.text(line.span).ends_with(b"\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            (
                first.file,
                Span {
                    start: line.span.start,
                    end: line.span.start,
                },
                format!("sentinel resolve-hostnames yes{eol}"),
            )
        }
    };
    for (st, span, host) in lines {
        let what = match st.option {
            Option_::Monitor => "master",
            Option_::KnownReplica => "replica",
            _ => "Sentinel",
        };
        let mut d = Diagnostic::new(
            &rules::SENTINEL_HOSTNAME_UNRESOLVED,
            st.file,
            span,
            format!(
                "{what} address `{host}` is not an IP address, and Sentinel takes host names only with `sentinel resolve-hostnames yes`: it refuses to start (`Can't resolve instance hostname.`)"
            ),
        )
        .fatal()
        .help("add `sentinel resolve-hostnames yes` (anywhere in the file: Sentinel reads it before every `monitor`), or give the IP address");
        if let Some(existing) = &cfg.resolve_hostnames {
            d = d.related(
                existing.place.file,
                existing.place.span,
                "`resolve-hostnames` is turned off here",
            );
        }
        let description = if cfg.resolve_hostnames.is_some() {
            "set `sentinel resolve-hostnames yes`"
        } else {
            "add `sentinel resolve-hostnames yes`"
        };
        out.push(d.fix(Applicability::Safe, description, vec![edit.clone()]));
    }
}

/// RL031 for an unknown option or a wrong number of arguments.
fn unrecognized(ctx: &Context<'_>, st: &Statement) -> Diagnostic {
    let ws = ctx.ws;
    let name = st.name(ws);
    let args = st.argc() - 1;
    let refusal = "Sentinel refuses to start (`Unrecognized sentinel configuration statement.`)";
    let known: Vec<&(&str, usize, &str)> = OPTIONS.iter().filter(|(n, _, _)| *n == name).collect();
    if let Some((_, want, usage)) = known.first() {
        let comment = (0..st.argc()).find(|i| st.arg(ws, *i).is_some_and(|a| a.starts_with(b"#")));
        let also = if name == "known-sentinel" {
            " (or 3, an old form Sentinel ignores)"
        } else {
            ""
        };
        let d = Diagnostic::new(
            &rules::SENTINEL_INVALID_STATEMENT,
            st.file,
            st.span,
            format!(
                "`sentinel {name}` takes {want} argument{}{also}, this line has {args}: {refusal}",
                if *want == 1 { "" } else { "s" }
            ),
        )
        .fatal();
        return match comment {
            Some(i) if i > *want => d.help("Redis has no inline comments: everything after the option is an argument; move the `# …` text to a line of its own"),
            _ => d.help(format!("write `sentinel {name} {usage}`")),
        };
    }
    let suggestion = OPTIONS
        .iter()
        .filter_map(|(n, _, _)| edit_distance(&name, n, 3).map(|d| (d, *n)))
        .min()
        .map(|(_, n)| n);
    let help = match (name.as_str(), suggestion) {
        ("can-failover", _) => "`can-failover` was removed in Redis 2.8: every Sentinel may start a failover; remove the line".to_string(),
        (_, Some(s)) => format!("did you mean `sentinel {s}`?"),
        _ => "remove the line; Sentinel 7.0 reads only the options listed in `redlint rule RL031`".to_string(),
    };
    Diagnostic::new(
        &rules::SENTINEL_INVALID_STATEMENT,
        st.file,
        st.arg_span(ws, 0),
        format!(
            "unknown Sentinel option `{}`: {refusal}",
            crate::security::show_full(name.as_bytes())
        ),
    )
    .fatal()
    .help(help)
}

/// RL032 for a per-master option naming no monitored master.
fn unknown_master(ctx: &Context<'_>, cfg: &SentinelConfig, st: &Statement) -> Diagnostic {
    let ws = ctx.ws;
    let name = st.arg_str(ws, 1).unwrap_or_default();
    let lower = name.to_lowercase();
    let suggestion = cfg
        .masters
        .iter()
        .map(|m| m.name.value.as_str())
        .filter_map(|m| {
            if m.to_lowercase() == lower {
                Some((0, m))
            } else {
                edit_distance(&name, m, 2).map(|d| (d, m))
            }
        })
        .min()
        .map(|(_, m)| m);
    let help = match suggestion {
        Some(m) => format!("did you mean `{m}`? (master names are case-sensitive)"),
        None if cfg.masters.is_empty() => format!("add `sentinel monitor {name} <ip> <port> <quorum>`"),
        None => format!("add `sentinel monitor {name} <ip> <port> <quorum>`, or name one of the monitored masters"),
    };
    Diagnostic::new(
        &rules::SENTINEL_UNKNOWN_MASTER,
        st.file,
        st.arg_span(ws, 1),
        format!("no `sentinel monitor` line defines master `{name}`: Sentinel refuses to start (`No such master with specified name.`)"),
    )
    .fatal()
    .help(help)
}

/// RL033: the script must exist on the target host and be executable (`access(path, X_OK)`).
fn check_script(
    ctx: &Context<'_>,
    cfg: &SentinelConfig,
    st: &Statement,
    out: &mut Vec<Diagnostic>,
) {
    let ws = ctx.ws;
    let raw = st.arg_str(ws, 2).unwrap_or_default();
    let (kind, refusal) = if st.option == Option_::NotificationScript {
        (
            "notification script",
            "Notification script seems non existing or non executable.",
        )
    } else {
        (
            "client reconfiguration script",
            "Client reconfiguration script seems non existing or non executable.",
        )
    };
    let problem = if raw.is_empty() {
        Some("is an empty path".to_string())
    } else {
        let path = if raw.starts_with('/') {
            Some(crate::fs::normalize(&raw))
        } else {
            cfg.working_dir
                .as_deref()
                .map(|dir| crate::fs::join(dir, &raw))
        };
        // A relative path with no known working directory cannot be judged.
        let Some(path) = path else { return };
        let shown = if path == raw {
            String::new()
        } else {
            format!(" (`{path}`)")
        };
        // Host state: looked up only on the target host (counted as not run elsewhere).
        let Some(host) = ctx.host_fs() else { return };
        // `access(path, X_OK)` as the user Sentinel runs as (see `check::host`).
        let user = super::host::run_as(ctx, host);
        match super::host::access(host, user.as_ref(), &path, super::host::X) {
            super::host::Access::Missing(_) => {
                Some(format!("does not exist on the target host{shown}"))
            }
            super::host::Access::Ok(m) if !m.executable() => {
                Some(format!("is not executable{shown}"))
            }
            super::host::Access::Denied { at, meta } if at == path => Some(format!(
                "is not executable by the user `{}`{shown}: {}",
                user.as_ref().map_or("redis", |u| u.name.as_str()),
                super::host::describe(&at, &meta)
            )),
            super::host::Access::Denied { at, meta } => Some(format!(
                "cannot be reached by the user `{}`{shown}: {} is not searchable",
                user.as_ref().map_or("redis", |u| u.name.as_str()),
                super::host::describe(&at, &meta)
            )),
            _ => None,
        }
    };
    if let Some(problem) = problem {
        out.push(
            Diagnostic::new(
                &rules::SENTINEL_SCRIPT_MISSING,
                st.file,
                st.arg_span(ws, 2),
                format!("{kind} `{raw}` {problem}: Sentinel refuses to start (`{refusal}`)"),
            )
            .fatal()
            .help("install the script on every Sentinel host with an execute bit (`install -m 0755 …`), or remove the line"),
        );
    }
}
