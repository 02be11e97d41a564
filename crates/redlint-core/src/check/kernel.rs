//! The kernel and service limits Redis runs under: sysctl keys set twice with different values
//! (RL103), tcp-backlog above somaxconn (RL706), overcommit (RL707), Transparent Huge Pages
//! written into sysctl files (RL708), and limits.d entries that systemd services never see
//! (RL709). Also reads `Limit*=` of the redis-server systemd unit for the sizing checks.

use super::effective::{self, at, content_span};
use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::knowledge::sysctl_keys;
use crate::model::kernel::{self, Assignment, KernelSettings, Location, Role};
use crate::model::{File, FileId, Kind};
use crate::rules;
use crate::source::Span;
use crate::syntax::sysctl::SysctlLineKind;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let ks = kernel::kernel_settings(ctx.ws);
    conflicting_duplicates(ctx, &ks, out);
    tcp_backlog(ctx, &ks, out);
    overcommit(ctx, &ks, out);
    thp_in_sysctl(ctx, out);
    limits_d(ctx, out);
}

// ---------------------------------------------------------------------------------------------
// systemd units

/// The unit a systemd file configures: `x.service` for a unit file, and for a drop-in
/// `x.service.d/override.conf` the unit of its directory.
fn unit_name(f: &File) -> Option<String> {
    let path = f.host_path.as_deref().unwrap_or(&f.source.path);
    let name = path.rsplit('/').next()?;
    if name.ends_with(".service") {
        return Some(name.to_string());
    }
    let dir = crate::fs::parent(path);
    let dir = dir.rsplit('/').next()?;
    dir.strip_suffix(".d")
        .filter(|u| u.ends_with(".service"))
        .map(str::to_string)
}

/// True for the unit (or a drop-in) of a redis-server service: `redis-server.service`,
/// `redis.service`, `redis@6379.service`, … — not Sentinel's, not an exporter's.
pub(super) fn is_redis_server_unit(f: &File) -> bool {
    unit_name(f).is_some_and(|u| {
        let u = u.to_ascii_lowercase();
        u.starts_with("redis") && !u.contains("sentinel") && !u.contains("exporter")
    })
}

/// One `Key=Value` line of a unit's `[Service]` section.
#[derive(Debug, Clone)]
pub(super) struct UnitSetting {
    pub file: FileId,
    pub span: Span,
    pub value: String,
}

/// Every `[Service]` assignment of `key` in a systemd file, in order.
fn service_assignments(id: FileId, f: &File, key: &str, out: &mut Vec<UnitSetting>) {
    let bytes = &f.source.bytes;
    let mut section = String::new();
    let mut continued = false;
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i + 1);
        let raw = &bytes[start..end];
        let text = String::from_utf8_lossy(raw);
        let trimmed = text.trim();
        let was_continued = continued;
        continued = trimmed.ends_with('\\');
        if !was_continued && !trimmed.starts_with(['#', ';']) {
            if trimmed.starts_with('[') && trimmed.ends_with(']') {
                section = trimmed.to_string();
            } else if section == "[Service]" {
                if let Some((k, v)) = trimmed.split_once('=') {
                    if k.trim() == key {
                        let lead = raw.len() - text.trim_start().len();
                        out.push(UnitSetting {
                            file: id,
                            span: Span::new(
                                start + lead.min(raw.len()),
                                start + lead.min(raw.len()) + trimmed.len(),
                            ),
                            value: v.trim().to_string(),
                        });
                    }
                }
            }
        }
        start = end;
    }
}

/// The value of `key` that the redis-server service ends up with: unit files first, then
/// drop-ins in file-name order, the last assignment winning (an empty one resets).
pub(super) fn service_setting(ctx: &Context<'_>, key: &str) -> Option<UnitSetting> {
    let mut files: Vec<(bool, String, FileId)> = ctx
        .ws
        .ids()
        .filter(|id| {
            let f = ctx.ws.file(*id);
            f.kind == Kind::Systemd && is_redis_server_unit(f)
        })
        .map(|id| {
            let f = ctx.ws.file(id);
            let path = f.host_path.as_deref().unwrap_or(&f.source.path);
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            (!name.ends_with(".service"), name, id)
        })
        .collect();
    files.sort();
    let mut all = Vec::new();
    for (_, _, id) in files {
        service_assignments(id, ctx.ws.file(id), key, &mut all);
    }
    let last = all.pop()?;
    (!last.value.is_empty()).then_some(last)
}

/// A systemd resource limit (`65535`, `1024:524288`, `infinity`): the hard limit, which is
/// what Redis can raise its own soft limit to.
pub(super) fn hard_limit(value: &str) -> Option<u64> {
    let hard = value.rsplit(':').next()?.trim();
    if hard.eq_ignore_ascii_case("infinity") {
        return Some(u64::MAX);
    }
    hard.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// RL103

fn normalized_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sysctl_line(ctx: &Context<'_>, a: &Assignment) -> (Span, Span) {
    let f = ctx.ws.file(a.file);
    let l = f
        .sysctl()
        .and_then(|d| d.lines.get(a.line as usize))
        .map_or((a.key, a.key), |l| (l.content, l.span));
    (l.0, l.1)
}

fn applied_at_boot(ks: &KernelSettings, file: FileId) -> bool {
    ks.source(file).is_some_and(|s| {
        matches!(s.role, Role::Applied { .. }) && s.location != Location::Elsewhere
    })
}

/// RL103: the same key with different values; the earlier line is dead.
fn conflicting_duplicates(ctx: &Context<'_>, ks: &KernelSettings, out: &mut Vec<Diagnostic>) {
    for setting in ks.iter() {
        let winner = &setting.winner;
        let win_value = normalized_value(&setting.value);
        for dead in &setting.overridden {
            let dead_value = String::from_utf8_lossy(dead.value(ctx.ws)).into_owned();
            if normalized_value(&dead_value) == win_value {
                continue;
            }
            let same_file = dead.file == winner.file;
            let both_at_boot = applied_at_boot(ks, dead.file) && applied_at_boot(ks, winner.file);
            if !same_file && !both_at_boot {
                continue;
            }
            let winner_path = &ctx.ws.file(winner.file).source.path;
            let why = if same_file {
                "later in the same file".to_string()
            } else if ks
                .source(winner.file)
                .is_some_and(|s| s.location == Location::EtcSysctlConf)
            {
                format!("`{winner_path}` is applied after every sysctl.d file")
            } else {
                format!("`{winner_path}` is applied later (sysctl.d files run in file-name order across all their directories, then /etc/sysctl.conf)")
            };
            let (content, line) = sysctl_line(ctx, dead);
            let (win_content, _) = sysctl_line(ctx, winner);
            let mut d = Diagnostic::new(
                &rules::SYSCTL_CONFLICTING_DUPLICATE,
                dead.file,
                content,
                format!(
                    "`{} = {}` has no effect: `{}` is set to `{}` at {}:{}, {why}, and the last assignment wins",
                    setting.key,
                    dead_value,
                    setting.key,
                    setting.value,
                    winner_path,
                    winner.line + 1
                ),
            )
            .help(format!(
                "keep one `{}` line with the value you want",
                setting.key
            ))
            .related(winner.file, win_content, "this value wins");
            if same_file {
                d = d.fix(
                    Applicability::Safe,
                    format!("delete the dead `{}` line", setting.key),
                    vec![(dead.file, line, String::new())],
                );
            }
            out.push(d);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RL706

/// The kernel's default somaxconn since Linux 5.4 (128 before).
const SOMAXCONN_DEFAULT: i64 = 4096;

fn tcp_backlog(ctx: &Context<'_>, ks: &KernelSettings, out: &mut Vec<Diagnostic>) {
    let somaxconn = ks
        .get("net.core.somaxconn")
        .and_then(|s| effective::parse_int(s.value.trim().as_bytes()).map(|v| (v, s.winner)));
    for server in effective::redis_servers(ctx) {
        let (backlog, line) = match effective::int_setting(ctx.ws, server, "tcp-backlog") {
            Some((v, d)) => (v, Some(d)),
            None => (511, None),
        };
        let (file, span) = match line {
            Some(d) => (d.file, content_span(ctx.ws, d)),
            None => (server.main, effective::file_start(ctx.ws, server.main)),
        };
        let what = match line {
            Some(_) => format!("`tcp-backlog {backlog}`"),
            None => format!("the default `tcp-backlog` of {backlog}"),
        };
        match somaxconn {
            Some((max, a)) if max > 0 && max < backlog => {
                let (content, _) = sysctl_line(ctx, &a);
                out.push(
                    Diagnostic::new(
                        &rules::TCP_BACKLOG_EXCEEDS_SOMAXCONN,
                        file,
                        span,
                        format!(
                            "{what} cannot be enforced: `net.core.somaxconn = {max}` ({}:{}) caps every listen backlog, and Redis logs a warning at startup",
                            ctx.ws.file(a.file).source.path,
                            a.line + 1
                        ),
                    )
                    .help(format!("raise `net.core.somaxconn` to at least {backlog}, or lower `tcp-backlog` to {max}"))
                    .related(a.file, content, "the kernel's cap")
                    .fix(
                        Applicability::Safe,
                        format!("raise `net.core.somaxconn` to {backlog}"),
                        vec![(a.file, a.value, backlog.to_string())],
                    ),
                );
            }
            None if backlog > SOMAXCONN_DEFAULT => {
                let mut d = Diagnostic::new(
                    &rules::TCP_BACKLOG_EXCEEDS_SOMAXCONN,
                    file,
                    span,
                    format!(
                        "{what} exceeds the kernel's default `net.core.somaxconn` ({SOMAXCONN_DEFAULT} since Linux 5.4, 128 before) and no sysctl file here raises it: the backlog is capped and Redis logs a warning at startup"
                    ),
                )
                .severity(Severity::Info)
                .help(format!("add `net.core.somaxconn = {backlog}` to /etc/sysctl.d/99-redis.conf"));
                if let Some(home) = home_sysctl_file(ctx, ks) {
                    d = d.fix(
                        Applicability::Safe,
                        format!("add `net.core.somaxconn = {backlog}`"),
                        vec![effective::append_edit(
                            ctx.ws,
                            home,
                            &format!("net.core.somaxconn = {backlog}\n"),
                        )],
                    );
                }
                out.push(d);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RL707

/// The sysctl file where a missing setting belongs: one named after Redis, else
/// /etc/sysctl.conf, else the last one applied at boot.
fn home_sysctl_file(ctx: &Context<'_>, ks: &KernelSettings) -> Option<FileId> {
    let applied: Vec<FileId> = ks
        .sources
        .iter()
        .filter(|s| matches!(s.role, Role::Applied { .. }))
        .map(|s| s.file)
        .collect();
    applied
        .iter()
        .copied()
        .find(|id| {
            ctx.ws
                .file(*id)
                .source
                .path
                .to_ascii_lowercase()
                .contains("redis")
        })
        .or_else(|| {
            ks.sources
                .iter()
                .find(|s| s.location == Location::EtcSysctlConf)
                .map(|s| s.file)
        })
        .or_else(|| applied.last().copied())
}

fn overcommit(ctx: &Context<'_>, ks: &KernelSettings, out: &mut Vec<Diagnostic>) {
    match ks.get("vm.overcommit_memory") {
        Some(s) if s.value.trim() != "1" => {
            let a = s.winner;
            let mode = match s.value.trim() {
                "0" => "heuristic overcommit (0)",
                "2" => "strict accounting (2)",
                _ => "a value other than 1",
            };
            out.push(
                Diagnostic::new(
                    &rules::OVERCOMMIT_MEMORY_NOT_1,
                    a.file,
                    a.value,
                    format!(
                        "`vm.overcommit_memory = {}` selects {mode}: Redis warns at startup, and a background save or AOF rewrite can fail to fork (`Can't save in background: fork: Cannot allocate memory`) once the dataset is large, stopping writes when `stop-writes-on-bgsave-error` is on",
                        s.value.trim()
                    ),
                )
                .help("write `vm.overcommit_memory = 1`, as Redis' startup warning and its administration guide ask")
                .fix(
                    Applicability::Unsafe,
                    "set `vm.overcommit_memory = 1`",
                    vec![(a.file, a.value, "1".to_string())],
                ),
            );
        }
        Some(_) => {}
        None => {
            if effective::redis_servers(ctx).next().is_none() {
                return;
            }
            let Some(file) = home_sysctl_file(ctx, ks) else {
                return;
            };
            out.push(
                Diagnostic::new(
                    &rules::OVERCOMMIT_MEMORY_NOT_1,
                    file,
                    effective::file_start(ctx.ws, file),
                    "no sysctl file sets `vm.overcommit_memory = 1`: with the kernel's default (0) Redis warns at startup and a background save can fail to fork under memory pressure",
                )
                .severity(Severity::Info)
                .help("add `vm.overcommit_memory = 1`")
                .fix(
                    Applicability::Unsafe,
                    "append `vm.overcommit_memory = 1`",
                    vec![effective::append_edit(ctx.ws, file, "vm.overcommit_memory = 1\n")],
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RL708

fn mentions_thp(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("transparent_hugepage")
        || t.contains("transparent_hugepages")
        || t.contains("transparent-hugepage")
}

fn thp_in_sysctl(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // A unit that already writes the THP sysfs files, to point at.
    let thp_unit = ctx.ws.ids().find_map(|id| {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Systemd {
            return None;
        }
        let mut execs = Vec::new();
        service_assignments(id, f, "ExecStart", &mut execs);
        execs.into_iter().find(|e| mentions_thp(&e.value))
    });
    let disable_thp_off =
        effective::redis_servers(ctx).find_map(|s| {
            match effective::bool_setting(ctx.ws, s, "disable-thp", true) {
                (false, Some(d)) => Some(at(ctx.ws, d)),
                _ => None,
            }
        });
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Sysctl {
            continue;
        }
        let Some(doc) = f.sysctl() else { continue };
        let bytes = &f.source.bytes;
        for line in &doc.lines {
            let what = match line.kind {
                SysctlLineKind::NotAssignment => {
                    let text = String::from_utf8_lossy(&bytes[line.content.range()]);
                    if !mentions_thp(&text) {
                        continue;
                    }
                    "a shell command, not a `key = value` line: `sysctl -p` skips it (`invalid syntax`) and systemd-sysctl fails on it".to_string()
                }
                SysctlLineKind::Assignment => {
                    let key = String::from_utf8_lossy(&bytes[line.key.range()]);
                    let lower = key.to_ascii_lowercase();
                    let thp_key =
                        mentions_thp(&lower) || lower.split(['.', '/']).any(|p| p == "thp");
                    if !thp_key || sysctl_keys::is_known(&key) {
                        continue;
                    }
                    format!("`{key}` is not a kernel key: `sysctl -p` fails with `cannot stat`, systemd-sysctl ignores it")
                }
                _ => continue,
            };
            let redis = match &disable_thp_off {
                Some(at) => format!("Redis 7.0 could turn THP off for itself, but `disable-thp no` at {at} stops it"),
                None => "Redis 7.0 already turns THP off for its own process (`disable-thp yes`, the default)".to_string(),
            };
            let mut d = Diagnostic::new(
                &rules::THP_IN_SYSCTL,
                id,
                line.content,
                format!(
                    "Transparent Huge Pages are not a sysctl (they live in /sys/kernel/mm/transparent_hugepage/): this line is {what}, so THP is not changed; {redis}"
                ),
            )
            .help("delete the line; to turn THP off host-wide use the kernel command line `transparent_hugepage=never` or a boot-time unit writing `never` to /sys/kernel/mm/transparent_hugepage/enabled")
            .fix(
                Applicability::Safe,
                "delete the THP line (it sets nothing; Redis' `disable-thp yes` covers the Redis process)",
                vec![(id, line.span, String::new())],
            );
            if let Some(u) = &thp_unit {
                d = d.related(
                    u.file,
                    u.span,
                    "this unit already writes the THP setting at boot",
                );
            }
            // A shell command writing THP is also not an assignment (RL040): one problem.
            out.push(d.group(super::sysctl::line_group(id, line.content)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RL709

/// The systemd directive for a limits.conf item.
fn systemd_limit(item: &str) -> Option<&'static str> {
    Some(match item {
        "nofile" => "LimitNOFILE",
        "nproc" => "LimitNPROC",
        "memlock" => "LimitMEMLOCK",
        "core" => "LimitCORE",
        "stack" => "LimitSTACK",
        "as" => "LimitAS",
        "fsize" => "LimitFSIZE",
        "data" => "LimitDATA",
        "rss" => "LimitRSS",
        "cpu" => "LimitCPU",
        "locks" => "LimitLOCKS",
        "sigpending" => "LimitSIGPENDING",
        "msgqueue" => "LimitMSGQUEUE",
        "nice" => "LimitNICE",
        "rtprio" => "LimitRTPRIO",
        _ => return None,
    })
}

fn limits_d(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let systemd_evidence = super::contradictions::redis_unit_present(ctx)
        || ctx.deployment.servers.iter().any(|s| {
            effective::enum_setting(ctx.ws, s, "supervised").is_some_and(|(m, _)| m == "systemd")
        });
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Limits {
            continue;
        }
        let bytes = &f.source.bytes;
        let mut start = 0;
        // (diagnostic, short words for it as a related line of the file's one finding)
        let mut found: Vec<(Diagnostic, String)> = Vec::new();
        while start < bytes.len() {
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| start + i + 1);
            let raw = &bytes[start..end];
            let line_start = start;
            start = end;
            let text = String::from_utf8_lossy(raw);
            let fields: Vec<&str> = text.split_whitespace().collect();
            if fields.len() < 4 || fields[0].starts_with('#') {
                continue;
            }
            let (domain, kind, item, value) = (fields[0], fields[1], fields[2], fields[3]);
            if !domain.to_ascii_lowercase().contains("redis") {
                continue;
            }
            let Some(directive) = systemd_limit(item) else {
                continue;
            };
            let lead = raw.len() - text.trim_start().len();
            let span = Span::new(line_start + lead, line_start + lead + text.trim().len());
            let unit = service_setting(ctx, directive);
            let base = format!(
                "`{domain} {kind} {item} {value}` does not reach Redis when systemd starts it: limits.d is applied by pam_limits at login (su, ssh, cron), and systemd services do not go through PAM"
            );
            let short = match &unit {
                Some(u) => format!(
                    "`{domain} {kind} {item} {value}` does not reach Redis either: the unit's `{directive}={}` does",
                    u.value
                ),
                None => format!("`{domain} {kind} {item} {value}` does not reach Redis either: nothing sets `{directive}`"),
            };
            let mut d = match &unit {
                Some(u) => Diagnostic::new(
                    &rules::LIMITS_D_IGNORED_BY_SYSTEMD,
                    id,
                    span,
                    format!(
                        "{base}; the unit's `{directive}={}` ({}:{}) is what Redis gets",
                        u.value,
                        ctx.ws.file(u.file).source.path,
                        ctx.ws.file(u.file).source.position(u.span.start).line
                    ),
                )
                .severity(Severity::Info)
                .related(u.file, u.span, "the limit the service really gets"),
                None => {
                    let d = Diagnostic::new(
                        &rules::LIMITS_D_IGNORED_BY_SYSTEMD,
                        id,
                        span,
                        format!(
                            "{base}; no redis-server unit or drop-in here sets `{directive}`, so Redis gets systemd's default{}",
                            if item == "nofile" { " (soft 1024, hard 524288 since systemd 240; Debian's redis-server.service sets 65535)" } else { "" }
                        ),
                    );
                    if systemd_evidence {
                        d
                    } else {
                        d.severity(Severity::Info)
                    }
                }
            };
            let systemd_value = if value.eq_ignore_ascii_case("unlimited") || value == "-1" {
                "infinity"
            } else {
                value
            };
            d = d.help(match &unit {
                Some(u) => format!(
                    "delete this line, or keep it only for login sessions of the redis user; change the service's limit at `{directive}={}` in {}",
                    u.value,
                    ctx.ws.file(u.file).source.path
                ),
                None => format!(
                    "set `{directive}={systemd_value}` in the `[Service]` section of a drop-in, /etc/systemd/system/redis-server.service.d/override.conf, then run `systemctl daemon-reload`"
                ),
            });
            found.push((d, short));
        }
        out.extend(one_finding_per_file(found));
    }
}

/// Every line of one limits.d file that misses the service is one problem (the file does not
/// apply to a systemd service): one finding at the first line, the other lines related, the
/// highest severity among them, every help kept.
fn one_finding_per_file(found: Vec<(Diagnostic, String)>) -> Option<Diagnostic> {
    let mut it = found.into_iter();
    let (mut first, _) = it.next()?;
    let mut more = 0;
    let sev = |x: &Diagnostic| x.severity.unwrap_or(x.rule.severity);
    for (d, short) in it {
        more += 1;
        if sev(&d) > sev(&first) {
            first.severity = d.severity;
        }
        first = first.related(d.file, d.span, short);
        for r in d.related {
            if !first
                .related
                .iter()
                .any(|x| x.file == r.file && x.span == r.span)
            {
                first.related.push(r);
            }
        }
        // The helps share their first advice; each line adds the unit setting to change.
        if let Some(h) = d.help {
            let mine = first.help.get_or_insert_with(String::new);
            for part in h.split("; ") {
                if !mine.split("; ").any(|p| p == part) {
                    mine.push_str("; ");
                    mine.push_str(part);
                }
            }
        }
    }
    if more > 0 {
        first.help = first.help.map(|h| {
            h.replace(
                "delete this line, or keep it",
                "delete these lines, or keep them",
            )
        });
        first.message = format!(
            "{} (and {more} more line{} of this file, for the same reason)",
            first.message,
            if more == 1 { "" } else { "s" }
        );
    }
    Some(first)
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{fixed, lines, only, run};
    use crate::finding::Severity;
    use crate::model::Kind;

    const MAIN: &str = "/etc/redis/redis.conf";
    const SYSCTL: &str = "/etc/sysctl.d/99-redis.conf";

    #[test]
    fn conflicting_sysctl_values() {
        let text = "net.core.somaxconn = 1024\nvm.swappiness=1\nnet.core.somaxconn=65535\nvm.swappiness = 1\n";
        let f = run(&[(SYSCTL, Kind::Sysctl, text)]);
        assert_eq!(
            lines(&f, "RL103"),
            [("etc/sysctl.d/99-redis.conf".into(), 1)]
        );
        assert_eq!(only(&f, "RL103")[0].related[0].line, 3);
        assert_eq!(
            fixed(&f, "RL103", "etc/sysctl.d/99-redis.conf", text),
            "vm.swappiness=1\nnet.core.somaxconn=65535\nvm.swappiness = 1\n"
        );
        // Across files: /etc/sysctl.conf is applied last; no fix.
        let f = run(&[
            (SYSCTL, Kind::Sysctl, "net.core.somaxconn = 65535\n"),
            (
                "/etc/sysctl.conf",
                Kind::Sysctl,
                "net.core.somaxconn = 1024\n",
            ),
        ]);
        let d = only(&f, "RL103");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file, "etc/sysctl.d/99-redis.conf");
        assert!(d[0].message.contains("after every sysctl.d file"));
        assert!(d[0].fix.is_none());
        // Whitespace inside a value does not make it different.
        let f = run(&[(
            SYSCTL,
            Kind::Sysctl,
            "net.ipv4.tcp_rmem = 4096 87380 6291456\nnet.ipv4.tcp_rmem = 4096\t87380  6291456\n",
        )]);
        assert!(lines(&f, "RL103").is_empty());
    }

    #[test]
    fn tcp_backlog_against_somaxconn() {
        let f = run(&[
            (MAIN, Kind::Redis, "tcp-backlog 511\n"),
            (SYSCTL, Kind::Sysctl, "net.core.somaxconn = 128\n"),
        ]);
        assert_eq!(lines(&f, "RL706"), [("etc/redis/redis.conf".into(), 1)]);
        // The default backlog counts too.
        let f = run(&[
            (MAIN, Kind::Redis, "port 6379\n"),
            (SYSCTL, Kind::Sysctl, "net.core.somaxconn = 128\n"),
        ]);
        assert_eq!(lines(&f, "RL706").len(), 1);
        // Unset: assume 4096 (Linux >= 5.4).
        let f = run(&[(MAIN, Kind::Redis, "tcp-backlog 511\n")]);
        assert!(lines(&f, "RL706").is_empty());
        let f = run(&[(MAIN, Kind::Redis, "tcp-backlog 8192\n")]);
        assert_eq!(only(&f, "RL706")[0].severity, Severity::Info);
    }

    #[test]
    fn overcommit() {
        let text = "vm.overcommit_memory = 2\n";
        let f = run(&[(SYSCTL, Kind::Sysctl, text)]);
        assert_eq!(
            lines(&f, "RL707"),
            [("etc/sysctl.d/99-redis.conf".into(), 1)]
        );
        assert_eq!(
            fixed(&f, "RL707", "etc/sysctl.d/99-redis.conf", text),
            "vm.overcommit_memory = 1\n"
        );
        let f = run(&[(SYSCTL, Kind::Sysctl, "vm.overcommit_memory=1\n")]);
        assert!(lines(&f, "RL707").is_empty());
        // Missing: info, only with a Redis server in the deployment.
        let missing = "net.core.somaxconn = 1024";
        assert!(lines(&run(&[(SYSCTL, Kind::Sysctl, missing)]), "RL707").is_empty());
        let f = run(&[
            (MAIN, Kind::Redis, "port 6379\n"),
            (SYSCTL, Kind::Sysctl, missing),
        ]);
        assert_eq!(only(&f, "RL707")[0].severity, Severity::Info);
        assert_eq!(
            fixed(&f, "RL707", "etc/sysctl.d/99-redis.conf", missing),
            "net.core.somaxconn = 1024\nvm.overcommit_memory = 1\n"
        );
    }

    #[test]
    fn thp_is_not_a_sysctl() {
        let text = "vm.overcommit_memory = 1\necho never > /sys/kernel/mm/transparent_hugepage/enabled\nkernel.mm.transparent_hugepage.enabled = never\nvm.nr_hugepages = 0\n";
        let f = run(&[(SYSCTL, Kind::Sysctl, text)]);
        assert_eq!(
            lines(&f, "RL708")
                .iter()
                .map(|(_, l)| *l)
                .collect::<Vec<_>>(),
            [2, 3]
        );
        assert!(only(&f, "RL708")[0].message.contains("disable-thp yes"));
        assert_eq!(
            fixed(&f, "RL708", "etc/sysctl.d/99-redis.conf", text),
            "vm.overcommit_memory = 1\nvm.nr_hugepages = 0\n"
        );
        let f = run(&[
            (MAIN, Kind::Redis, "disable-thp no\n"),
            (
                SYSCTL,
                Kind::Sysctl,
                "echo never > /sys/kernel/mm/transparent_hugepage/enabled\n",
            ),
        ]);
        assert!(only(&f, "RL708")[0]
            .message
            .contains("`disable-thp no` at etc/redis/redis.conf:1"));
    }

    #[test]
    fn limits_d_does_not_reach_systemd_services() {
        const LIMITS: &str = "/etc/security/limits.d/redis.conf";
        let limits = "# comment\nredis soft nofile 65535\n* soft nofile 4096\nredis - priority 0\n";
        let f = run(&[
            (LIMITS, Kind::Limits, limits),
            (MAIN, Kind::Redis, "supervised systemd\n"),
        ]);
        let d = only(&f, "RL709");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 2);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("LimitNOFILE=65535"));
        // No sign of systemd: only information.
        let f = run(&[(LIMITS, Kind::Limits, limits)]);
        assert_eq!(only(&f, "RL709")[0].severity, Severity::Info);
        // The unit sets it: info, pointing at the unit's line.
        let f = run(&[
            (LIMITS, Kind::Limits, limits),
            (
                "/lib/systemd/system/redis-server.service",
                Kind::Systemd,
                "[Unit]\nDescription=Redis\n[Service]\nType=notify\nLimitNOFILE=65535\n",
            ),
            (
                "/etc/systemd/system/redis-server.service.d/override.conf",
                Kind::Systemd,
                "[Service]\n# raised\nLimitNOFILE=100000\n",
            ),
        ]);
        let d = only(&f, "RL709")[0];
        assert_eq!(d.severity, Severity::Info);
        assert!(d.message.contains("LimitNOFILE=100000"), "{}", d.message);
        assert_eq!(d.related[0].line, 3);
    }

    #[test]
    fn thp_shell_command_is_one_finding() {
        use super::super::effective::testing::run_grouped;
        let f = run_grouped(&[(
            SYSCTL,
            Kind::Sysctl,
            "echo never > /sys/kernel/mm/transparent_hugepage/enabled\n",
        )]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].code, "RL040");
        assert_eq!(f[0].codes().collect::<Vec<_>>(), ["RL040", "RL708"]);
        // RL708's fix (delete the line) is kept.
        assert!(f[0].fix.is_some());
    }

    #[test]
    fn limits_d_file_is_one_finding() {
        const LIMITS: &str = "/etc/security/limits.d/redis.conf";
        let limits = "redis soft nofile 65535\nredis hard nofile 65535\nredis soft nproc 32768\nredis hard nproc 32768\n";
        let f = run(&[
            (LIMITS, Kind::Limits, limits),
            (
                "/etc/systemd/system/redis-server.service.d/override.conf",
                Kind::Systemd,
                "[Service]\nLimitNOFILE=65535\n",
            ),
            (MAIN, Kind::Redis, "supervised systemd\n"),
        ]);
        let d = only(&f, "RL709");
        assert_eq!(d.len(), 1, "{f:#?}");
        let d = d[0];
        assert_eq!(d.line, 1);
        assert!(
            d.message
                .ends_with("(and 3 more lines of this file, for the same reason)"),
            "{}",
            d.message
        );
        // The most serious line decides: nproc is set by nothing while systemd starts Redis.
        assert_eq!(d.severity, Severity::Warning);
        let related: Vec<u32> = d
            .related
            .iter()
            .filter(|r| r.file.ends_with("limits.d/redis.conf"))
            .map(|r| r.line)
            .collect();
        assert_eq!(related, [2, 3, 4]);
        // The unit's line is named once.
        assert_eq!(
            d.related
                .iter()
                .filter(|r| r.file.ends_with("override.conf"))
                .count(),
            1
        );
        assert!(d.help.as_deref().unwrap_or("").contains("LimitNPROC=32768"));
    }

    #[test]
    fn tcp_backlog_fix_raises_somaxconn() {
        let sysctl = "net.core.somaxconn = 128\n";
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, "tcp-backlog 511\n"),
            ("/etc/sysctl.d/99-redis.conf", Kind::Sysctl, sysctl),
        ]);
        assert_eq!(
            fixed(&f, "RL706", "etc/sysctl.d/99-redis.conf", sysctl),
            "net.core.somaxconn = 511\n"
        );
        // Not set anywhere, backlog above the kernel default: appended to the Redis sysctl file.
        let sysctl = "vm.overcommit_memory = 1";
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, "tcp-backlog 8192\n"),
            ("/etc/sysctl.d/99-redis.conf", Kind::Sysctl, sysctl),
        ]);
        assert_eq!(
            fixed(&f, "RL706", "etc/sysctl.d/99-redis.conf", sysctl),
            "vm.overcommit_memory = 1\nnet.core.somaxconn = 8192\n"
        );
    }
}
