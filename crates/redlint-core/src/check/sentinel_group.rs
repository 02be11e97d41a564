//! The Sentinels and servers of one host seen together: settings that differ between the
//! Sentinels of one master (RL207), a quorum no set of these Sentinels can reach (RL208), and
//! processes that would listen on the same port (RL209).

use std::collections::HashMap;

use super::effective;
use super::{Context, Diagnostic};
use crate::model::sentinel::{sentinel_view, SentinelConfig, SentinelMaster};
use crate::model::{FileId, Server};
use crate::rules;
use crate::security::listen::{AddrClass, Listeners};
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let sentinels: Vec<(&Server, SentinelConfig)> = ctx
        .deployment
        .servers
        .iter()
        .filter(|s| s.sentinel)
        .map(|s| (s, sentinel_view(ctx.ws, s)))
        .collect();
    // Master name → (Sentinel index, master index), in workspace order.
    let mut groups: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (si, (_, cfg)) in sentinels.iter().enumerate() {
        for (mi, m) in cfg.masters.iter().enumerate() {
            let e = groups.entry(m.name.value.as_str()).or_default();
            if e.is_empty() {
                order.push(m.name.value.as_str());
            }
            e.push((si, mi));
        }
    }
    for name in order {
        let members: Vec<Member<'_>> = groups[name]
            .iter()
            .map(|(si, mi)| Member {
                cfg: &sentinels[*si].1,
                master: &sentinels[*si].1.masters[*mi],
            })
            .collect();
        if members.len() < 2 {
            continue;
        }
        differing_settings(ctx, &members, out);
        unreachable_quorum(ctx, &members, out);
    }
    port_conflicts(ctx, out);
}

struct Member<'a> {
    cfg: &'a SentinelConfig,
    master: &'a SentinelMaster,
}

impl Member<'_> {
    /// The `sentinel monitor` line.
    fn monitor(&self) -> (FileId, Span) {
        let st = &self.cfg.statements[self.master.statement];
        (st.file, st.span)
    }
}

/// One compared setting: how it reads for a member (`None`: not set) and where.
struct Setting {
    name: &'static str,
    secret: bool,
    value: fn(&SentinelMaster) -> Option<String>,
    place: fn(&SentinelMaster) -> Option<(FileId, Span)>,
}

macro_rules! place {
    ($field:ident) => {
        |m: &SentinelMaster| m.$field.as_ref().map(|s| (s.place.file, s.place.span))
    };
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "quorum",
        secret: false,
        value: |m| Some(m.quorum.value.to_string()),
        place: |m| Some((m.quorum.place.file, m.quorum.place.span)),
    },
    Setting {
        name: "down-after-milliseconds",
        secret: false,
        value: |m| Some(m.down_after_ms().to_string()),
        place: place!(down_after_milliseconds),
    },
    Setting {
        name: "failover-timeout",
        secret: false,
        value: |m| Some(m.failover_timeout_ms().to_string()),
        place: place!(failover_timeout),
    },
    Setting {
        name: "parallel-syncs",
        secret: false,
        value: |m| Some(m.parallel_syncs().to_string()),
        place: place!(parallel_syncs),
    },
    Setting {
        name: "auth-user",
        secret: false,
        value: |m| m.auth_user.as_ref().map(|s| s.value.clone()),
        place: place!(auth_user),
    },
    Setting {
        name: "auth-pass",
        secret: true,
        value: |m| m.auth_pass.as_ref().map(|s| s.value.clone()),
        place: place!(auth_pass),
    },
    Setting {
        name: "notification-script",
        secret: false,
        value: |m| m.notification_script.as_ref().map(|s| s.value.clone()),
        place: place!(notification_script),
    },
    Setting {
        name: "client-reconfig-script",
        secret: false,
        value: |m| m.client_reconfig_script.as_ref().map(|s| s.value.clone()),
        place: place!(client_reconfig_script),
    },
];

/// RL207: for each setting, the Sentinels outside the largest group of equal values (every
/// Sentinel when no value has a strict majority).
fn differing_settings(ctx: &Context<'_>, members: &[Member<'_>], out: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let master = &members[0].master.name.value;
    for setting in SETTINGS {
        let values: Vec<Option<String>> =
            members.iter().map(|m| (setting.value)(m.master)).collect();
        let mut counts: HashMap<&Option<String>, usize> = HashMap::new();
        for v in &values {
            *counts.entry(v).or_default() += 1;
        }
        if counts.len() < 2 {
            continue;
        }
        let best = counts.values().copied().max().unwrap_or(0);
        let winners: Vec<&Option<String>> = counts
            .iter()
            .filter(|(_, c)| **c == best)
            .map(|(v, _)| *v)
            .collect();
        let majority = (winners.len() == 1).then(|| winners[0].clone());
        for (i, member) in members.iter().enumerate() {
            if majority.as_ref().is_some_and(|v| *v == values[i]) {
                continue;
            }
            let (file, span) = (setting.place)(member.master).unwrap_or_else(|| member.monitor());
            let shown = |v: &Option<String>, at: Option<(FileId, Span)>| match (v, at) {
                (None, _) => "not set".to_string(),
                (Some(_), _) if setting.secret && !ctx.options.show_secrets => {
                    "a different password".to_string()
                }
                (Some(v), Some((f, s))) if !setting.secret => {
                    format!("`{}`", ctx.shown(f, s, v.as_bytes()))
                }
                (Some(v), _) => format!("`{v}`"),
            };
            let mine = shown(&values[i], (setting.place)(member.master));
            let others_text = match &majority {
                Some(v) => {
                    let n = values.iter().filter(|x| *x == v).count();
                    let at = members
                        .iter()
                        .find(|m| (setting.value)(m.master) == *v)
                        .and_then(|m| (setting.place)(m.master));
                    let theirs = match (v, setting.secret) {
                        (None, _) => "none".to_string(),
                        (Some(_), true) => "another password".to_string(),
                        _ => shown(v, at),
                    };
                    format!(
                        "the other {n} Sentinel{} of this host have {theirs}",
                        if n == 1 { "" } else { "s" }
                    )
                }
                None => "no value is shared by most of the Sentinels of this host".to_string(),
            };
            let mine = if setting.secret && values[i].is_some() {
                "its own password".to_string()
            } else {
                mine
            };
            let mut d = Diagnostic::new(
                &rules::SENTINEL_SETTINGS_DIFFER,
                file,
                span,
                format!(
                    "`{}` of master `{master}` is {mine} in this Sentinel, but {others_text}: {}",
                    setting.name,
                    consequence(setting.name)
                ),
            )
            .help(format!(
                "give every Sentinel of `{master}` the same `sentinel {} {master} …` line",
                setting.name
            ));
            for (j, other) in members.iter().enumerate() {
                if j == i || values[j] == values[i] {
                    continue;
                }
                if d.related.len() == MAX_NAMED {
                    break;
                }
                let (f, s) = (setting.place)(other.master).unwrap_or_else(|| other.monitor());
                let what = if values[j].is_some() {
                    format!("`{}` here", setting.name)
                } else {
                    format!("no `{}` for this master here", setting.name)
                };
                d = d.related(f, s, what);
            }
            out.push(d);
        }
    }
    let _ = ws;
}

fn consequence(setting: &str) -> &'static str {
    match setting {
        "quorum" | "down-after-milliseconds" => {
            "the Sentinels disagree on when the master is down, so failover depends on which of them notices first"
        }
        "failover-timeout" | "parallel-syncs" => {
            "a failover behaves differently depending on which Sentinel is elected to run it"
        }
        "auth-user" | "auth-pass" => {
            "the Sentinels log in to the master differently, so some of them may not reach it"
        }
        _ => "the script runs only when this Sentinel is the one that acts, so clients are reconfigured (or admins notified) only sometimes",
    }
}

/// RL208: a quorum larger than the number of Sentinels that monitor the master. Counted: the
/// Sentinels of this host monitoring it, or one plus the `known-sentinel` lines of one of
/// them, whichever is larger. Only with two or more Sentinels here (one alone may be one of
/// several hosts).
fn unreachable_quorum(ctx: &Context<'_>, members: &[Member<'_>], out: &mut Vec<Diagnostic>) {
    let known = members
        .iter()
        .map(|m| 1 + m.master.known_sentinels.len())
        .max()
        .unwrap_or(0);
    let count = members.len().max(known);
    for member in members {
        let q = member.master.quorum.value;
        if q <= 0 || (q as usize) <= count {
            continue;
        }
        let name = &member.master.name.value;
        let mut d = Diagnostic::new(
            &rules::QUORUM_EXCEEDS_SENTINELS,
            member.master.quorum.place.file,
            member.master.quorum.place.span,
            format!(
                "quorum {q} for master `{name}`, but only {count} Sentinel{} monitor it here: the master is never agreed to be down (`+odown`), so there is no failover",
                if count == 1 { "" } else { "s" }
            ),
        )
        .help(format!(
            "set the quorum to at most {count}; a majority ({}) is the usual choice",
            count / 2 + 1
        ));
        for other in members {
            if std::ptr::eq(other.master, member.master) {
                continue;
            }
            if d.related.len() == MAX_NAMED {
                break;
            }
            let (f, s) = other.monitor();
            d = d.related(f, s, "another Sentinel of this master");
        }
        out.push(d);
    }
    let _ = ctx;
}

/// At most this many other places are named in one finding (a host with thousands of
/// Sentinels or servers must not make the output grow with the square of their number).
const MAX_NAMED: usize = 8;

/// One TCP listener of a process: (port, address family wildcard/specific addresses).
struct Listen {
    server: usize,
    port: u16,
    addrs: Vec<(String, AddrClass)>,
    at: (FileId, Span),
}

fn family_v6(addr: &str) -> bool {
    addr.contains(':')
}

/// RL209: Sentinels and redis-servers of this host on one port with overlapping addresses.
fn port_conflicts(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let servers: Vec<&Server> = effective::redis_servers(ctx)
        .chain(ctx.deployment.servers.iter().filter(|s| s.sentinel))
        .collect();
    let mut by_port: HashMap<u16, Vec<Listen>> = HashMap::new();
    for (i, server) in servers.iter().enumerate() {
        let l = Listeners::of(ws, server);
        let addrs: Vec<(String, AddrClass)> = l
            .addrs
            .iter()
            .filter(|a| a.class != AddrClass::Invalid)
            .map(|a| {
                let t = a.text.trim_start_matches('-');
                // `*` is the IPv4 wildcard, `::*` the IPv6 one.
                let t = if t == "*" {
                    "0.0.0.0"
                } else if t == "::*" {
                    "::"
                } else {
                    t
                };
                (t.to_ascii_lowercase(), a.class)
            })
            .collect();
        if addrs.is_empty() {
            continue;
        }
        for port in [l.port, l.tls_port] {
            if port.value == 0 {
                continue;
            }
            // Only ports a line sets: without one, the port often comes from the command
            // line (`--port`), which redlint does not see.
            let Some((f, line, _)) = port.at else {
                continue;
            };
            let at = (f, ws.conf_line(f, line).2.content);
            by_port.entry(port.value).or_default().push(Listen {
                server: i,
                port: port.value,
                addrs: addrs.clone(),
                at,
            });
        }
    }
    let mut ports: Vec<&u16> = by_port.keys().collect();
    ports.sort();
    for port in ports {
        let list = &by_port[port];
        if list.len() < 2 {
            continue;
        }
        // Index the listeners by address and by family (wildcards), so that finding a
        // listener's first clashes never compares it with every other one.
        let mut by_addr: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_family: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        let mut wildcards: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for (j, b) in list.iter().enumerate() {
            for (addr, class) in &b.addrs {
                let fam = usize::from(family_v6(addr));
                by_addr.entry(addr.as_str()).or_default().push(j);
                if by_family[fam].last() != Some(&j) {
                    by_family[fam].push(j);
                }
                if *class == AddrClass::Wildcard && wildcards[fam].last() != Some(&j) {
                    wildcards[fam].push(j);
                }
            }
        }
        for (i, a) in list.iter().enumerate() {
            let mut clashes: Vec<&Listen> = Vec::new();
            let mut more = false;
            'search: for (addr, class) in &a.addrs {
                let fam = usize::from(family_v6(addr));
                let same = by_addr.get(addr.as_str()).map_or(&[][..], |v| &v[..]);
                let family: &[usize] = if *class == AddrClass::Wildcard {
                    &by_family[fam]
                } else {
                    &wildcards[fam]
                };
                for &j in same.iter().chain(family) {
                    let b = &list[j];
                    if j == i || b.server == a.server || clashes.iter().any(|c| std::ptr::eq(*c, b))
                    {
                        continue;
                    }
                    if clashes.len() == MAX_NAMED {
                        more = true;
                        break 'search;
                    }
                    clashes.push(b);
                }
            }
            if clashes.is_empty() {
                continue;
            }
            let me = what(servers[a.server]);
            let mut names: Vec<String> = clashes
                .iter()
                .map(|b| format!("`{}`", ws.file(servers[b.server].main).source.path))
                .collect();
            if more {
                names.push("other processes".to_string());
            }
            let mut d = Diagnostic::new(
                &rules::LISTEN_PORT_CONFLICT,
                a.at.0,
                a.at.1,
                format!(
                    "this {me} listens on port {}, and so does {} on this host on an overlapping address: whichever starts second cannot bind it and exits (`Address already in use`)",
                    a.port,
                    names.join(", ")
                ),
            )
            .help("give every Redis and Sentinel process of a host its own port (Sentinels: 26379, 26380, 26381, …), or bind them to different addresses");
            for b in clashes {
                d = d.related(
                    b.at.0,
                    b.at.1,
                    format!("the same port for this {}", what(servers[b.server])),
                );
            }
            out.push(d);
        }
    }
}

fn what(server: &Server) -> &'static str {
    if server.sentinel {
        "Sentinel"
    } else {
        "redis-server"
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{lines, only, run};
    use crate::Kind;

    fn three(c: [&str; 3]) -> Vec<(String, Kind, String)> {
        c.iter()
            .enumerate()
            .map(|(i, extra)| {
                (
                    format!("/etc/redis/sentinel-{}.conf", i + 1),
                    Kind::Sentinel,
                    format!(
                        "port {}\nsentinel monitor m 10.0.0.1 6379 2\n{extra}",
                        26379 + i
                    ),
                )
            })
            .collect()
    }

    fn go(files: &[(String, Kind, String)]) -> Vec<crate::Finding> {
        let v: Vec<(&str, Kind, &str)> = files
            .iter()
            .map(|(p, k, t)| (p.as_str(), *k, t.as_str()))
            .collect();
        run(&v)
    }

    #[test]
    fn the_odd_one_out_is_reported_with_the_others_related() {
        let f = go(&three([
            "sentinel down-after-milliseconds m 5000\n",
            "sentinel down-after-milliseconds m 5000\n",
            "",
        ]));
        let d = only(&f, "RL207");
        assert_eq!(
            lines(&f, "RL207"),
            [("etc/redis/sentinel-3.conf".to_string(), 2)]
        );
        assert_eq!(d[0].related.len(), 2);
        // An explicit default equals no line.
        let f = go(&three([
            "sentinel down-after-milliseconds m 30000\n",
            "",
            "",
        ]));
        assert!(lines(&f, "RL207").is_empty());
        // Two Sentinels that disagree: both are reported.
        let two = &three(["sentinel parallel-syncs m 2\n", "", ""])[..2];
        assert_eq!(lines(&go(two), "RL207").len(), 2);
    }

    #[test]
    fn auth_pass_differences_never_show_the_password() {
        let f = go(&three([
            "sentinel auth-pass m first-secret-1\n",
            "sentinel auth-pass m second-secret-2\n",
            "sentinel auth-pass m second-secret-2\n",
        ]));
        let d = only(&f, "RL207");
        assert_eq!(d.len(), 1);
        assert!(!d[0].message.contains("secret"), "{}", d[0].message);
    }

    #[test]
    fn quorum_beyond_the_sentinels_of_this_host() {
        let mut files = three(["", "", ""]);
        files.truncate(2);
        for f in &mut files {
            f.2 = f.2.replace(" 2\n", " 3\n");
        }
        assert_eq!(lines(&go(&files), "RL208").len(), 2);
        // One Sentinel alone says nothing: the others may be on other hosts.
        assert!(lines(&go(&files[..1]), "RL208").is_empty());
        // Known Sentinels count.
        files[0].2.push_str("sentinel known-sentinel m 10.0.0.2 26379 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nsentinel known-sentinel m 10.0.0.3 26379 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
        assert!(lines(&go(&files), "RL208").is_empty());
    }

    #[test]
    fn same_port_on_overlapping_addresses() {
        let same = vec![
            (
                "/etc/redis/sentinel-1.conf".to_string(),
                Kind::Sentinel,
                "port 26379\nsentinel monitor m 10.0.0.1 6379 2\n".to_string(),
            ),
            (
                "/etc/redis/sentinel-2.conf".to_string(),
                Kind::Sentinel,
                "port 26379\nsentinel monitor m 10.0.0.1 6379 2\n".to_string(),
            ),
        ];
        let f = go(&same);
        assert_eq!(
            lines(&f, "RL209"),
            [
                ("etc/redis/sentinel-1.conf".to_string(), 1),
                ("etc/redis/sentinel-2.conf".to_string(), 1)
            ]
        );
        let mut apart = same.clone();
        apart[0].2.insert_str(0, "bind 127.0.0.1\n");
        apart[1].2.insert_str(0, "bind 127.0.0.2\n");
        assert!(lines(&go(&apart), "RL209").is_empty());
        let mut v6 = same.clone();
        v6[0].2.insert_str(0, "bind ::1\n");
        v6[1].2.insert_str(0, "bind 127.0.0.1\n");
        assert!(lines(&go(&v6), "RL209").is_empty());
        // A redis-server and a Sentinel on one port.
        let mixed = vec![
            (
                "/etc/redis/redis.conf".to_string(),
                Kind::Redis,
                "port 26379\n".to_string(),
            ),
            (
                "/etc/redis/sentinel.conf".to_string(),
                Kind::Sentinel,
                "port 26379\nsentinel monitor m 10.0.0.1 6379 2\n".to_string(),
            ),
        ];
        assert_eq!(lines(&go(&mixed), "RL209").len(), 2);
        // Without a `port` line the port may come from the command line: not judged.
        let mut implicit = same.clone();
        implicit[1].2 = implicit[1].2.replace("port 26379\n", "");
        assert!(lines(&go(&implicit), "RL209").is_empty());
    }

    #[test]
    fn a_crowd_on_one_port_names_a_few_others_each() {
        // 300 Sentinels of one master on one port: every one is reported, each naming at most
        // MAX_NAMED others (the output stays linear in their number).
        let files: Vec<(String, Kind, String)> = (0..300)
            .map(|i| {
                (
                    format!("/etc/redis/sentinel-{i}.conf"),
                    Kind::Sentinel,
                    format!(
                        "port 26379\nsentinel monitor m 10.0.0.1 6379 2\nsentinel down-after-milliseconds m {}\n",
                        if i == 0 { 1000 } else { 5000 }
                    ),
                )
            })
            .collect();
        let f = go(&files);
        assert_eq!(lines(&f, "RL209").len(), 300);
        assert!(
            f.iter().all(|x| x.related.len() <= super::MAX_NAMED),
            "too many related"
        );
        let odd: Vec<_> = f.iter().filter(|x| x.code == "RL207").collect();
        assert_eq!(odd.len(), 1);
        assert_eq!(odd[0].file, "etc/redis/sentinel-0.conf");
    }
}
