//! Helm values for Bitnami's `redis` chart: a container memory limit with no `maxmemory`
//! (RL701), or a `maxmemory` at or above it (RL702). Passwords in values files are judged with
//! every other password (passwords.rs, through `security::credentials`).
//!
//! The chart writes `commonConfiguration`, then `master.configuration` / `replica.configuration`
//! into the pod's redis.conf, and passes `<role>.extraFlags` on the command line. Its defaults:
//! `architecture: replication`, persistence on, and `appendonly yes` in `commonConfiguration`.

use super::effective::{format_memory, human};
use super::sizing::recommendation;
use super::{Context, Diagnostic};
use crate::knowledge::directives::values::parse_memory;
use crate::model::{FileId, Kind};
use crate::rules;
use crate::sizing::{Persistence, Role};
use crate::source::Span;
use crate::syntax::yaml::{YamlDocument, YamlEntry};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if f.kind != Kind::Helm {
            continue;
        }
        let Some(doc) = f.yaml() else { continue };
        if !is_redis_chart(doc) {
            continue;
        }
        let text = String::from_utf8_lossy(&f.source.bytes);
        for component in ["master", "replica"] {
            memory_limit(id, &text, doc, component, out);
        }
    }
}

/// Values of the redis chart (not some other chart's values file).
fn is_redis_chart(doc: &YamlDocument) -> bool {
    doc.entries.iter().any(|e| {
        e.path == "architecture"
            || e.path.starts_with("auth.")
            || e.path.starts_with("master.")
            || e.path.starts_with("commonConfiguration")
    })
}

/// A Kubernetes quantity in bytes: `2Gi`, `512Mi`, `2G`, `1.5Gi`, `2147483648`.
pub fn parse_quantity(q: &str) -> Option<u64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (n, unit) = q.split_at(split);
    let n: f64 = n.parse().ok()?;
    let mult: f64 = match unit {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    };
    let v = n * mult;
    (v.is_finite() && v >= 1.0 && v < u64::MAX as f64).then_some(v as u64)
}

/// `maxmemory` in the configuration the chart gives this component, with where it is written.
fn configured_maxmemory<'a>(
    text: &str,
    doc: &'a YamlDocument,
    component: &str,
) -> Option<(u64, Span, &'a YamlEntry)> {
    let mut found = None;
    let blocks = [
        "commonConfiguration".to_string(),
        format!("{component}.configuration"),
    ];
    for key in &blocks {
        let Some(e) = doc.get(key) else { continue };
        for line in e.value.lines() {
            let mut words = line.split_whitespace();
            if words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("maxmemory"))
            {
                if let Some(v) = words.next().and_then(|v| parse_memory(v.as_bytes())) {
                    found = Some((v, locate(text, e, line), e));
                }
            }
        }
    }
    let flags = format!("{component}.extraFlags[");
    for e in doc.entries.iter().filter(|e| e.path.starts_with(&flags)) {
        let mut words = e.value.split_whitespace();
        if words.next() == Some("--maxmemory") {
            if let Some(v) = words.next().and_then(|v| parse_memory(v.as_bytes())) {
                found = Some((v, e.span, e));
            }
        }
    }
    found
}

/// The span of `line` of a block scalar in the file (the entry's first line when not found).
fn locate(text: &str, e: &YamlEntry, line: &str) -> Span {
    let from = e.span.start as usize;
    match text.get(from..).and_then(|rest| rest.find(line.trim())) {
        Some(i) => Span::new(from + i, from + i + line.trim().len()),
        None => e.span,
    }
}

fn memory_limit(
    id: FileId,
    text: &str,
    doc: &YamlDocument,
    component: &str,
    out: &mut Vec<Diagnostic>,
) {
    let key = format!("{component}.resources.limits.memory");
    let Some(limit_entry) = doc.get(&key) else {
        return;
    };
    let Some(limit) = parse_quantity(&limit_entry.value) else {
        return;
    };
    let standalone = doc
        .get("architecture")
        .is_some_and(|e| e.value == "standalone");
    let persistence = doc
        .get(&format!("{component}.persistence.enabled"))
        .is_none_or(|e| e.value != "false");
    let role = match (standalone, component) {
        (true, _) => Role::Standalone,
        (false, "replica") => Role::Replica,
        _ => Role::Master,
    };
    let p = Persistence {
        rdb: false,
        aof: persistence,
    };
    match configured_maxmemory(text, doc, component) {
        None => out.push(
            Diagnostic::new(
                &rules::MAXMEMORY_UNSET,
                id,
                limit_entry.span,
                format!(
                    "`{key}: {}` caps the {component} container at {}, but no `maxmemory` is set (in `commonConfiguration`, `{component}.configuration` or `{component}.extraFlags`): Redis grows past the limit and the kernel's OOM killer restarts the pod instead of Redis evicting keys or refusing writes",
                    limit_entry.value,
                    human(limit)
                ),
            )
            .help(format!(
                "add to `commonConfiguration` (or `{component}.configuration`): {}",
                recommendation(limit, role, p)
            )),
        ),
        Some((v, span, _)) if v >= limit => out.push(
            Diagnostic::new(
                &rules::MAXMEMORY_EXCEEDS_HOST,
                id,
                span,
                format!(
                    "`maxmemory` ({}) is not below the {component} container's memory limit ({}, `{key}`): the limit can never be reached, so the pod is OOM-killed instead",
                    human(v),
                    human(limit)
                ),
            )
            .related(id, limit_entry.span, "the container's memory limit")
            .help(format!("write `maxmemory {}` or less", format_memory(crate::sizing::recommended_maxmemory(limit, role, p)))),
        ),
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{lines, only, run};
    use super::parse_quantity;
    use crate::model::Kind;

    const VALUES: &str = "/k8s/redis-values.yaml";

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("2Gi"), Some(2 << 30));
        assert_eq!(parse_quantity("512Mi"), Some(512 << 20));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_quantity("1.5Gi"), Some(3 << 29));
        assert_eq!(parse_quantity("1073741824"), Some(1 << 30));
        assert_eq!(parse_quantity("lots"), None);
        assert_eq!(parse_quantity("0"), None);
    }

    #[test]
    fn memory_limit_needs_maxmemory() {
        let bad = "architecture: replication\nmaster:\n  resources:\n    limits:\n      memory: \"2Gi\"\n";
        let f = run(&[(VALUES, Kind::Helm, bad)]);
        assert_eq!(lines(&f, "RL701"), [("k8s/redis-values.yaml".into(), 5)]);
        let help = only(&f, "RL701")[0].help.clone().unwrap_or_default();
        assert!(help.contains("`maxmemory 921mb`"), "{help}");

        let good = "architecture: replication\ncommonConfiguration: |-\n  appendonly yes\n  maxmemory 900mb\nmaster:\n  resources:\n    limits:\n      memory: 2Gi\n";
        assert!(lines(&run(&[(VALUES, Kind::Helm, good)]), "RL701").is_empty());

        let over = "master:\n  configuration: |\n    maxmemory 4gb\n  resources:\n    limits:\n      memory: 2Gi\n";
        let f = run(&[(VALUES, Kind::Helm, over)]);
        assert_eq!(lines(&f, "RL702"), [("k8s/redis-values.yaml".into(), 3)]);

        let flags = "master:\n  extraFlags:\n    - \"--maxmemory 3gb\"\n  resources:\n    limits:\n      memory: 2Gi\n";
        let f = run(&[(VALUES, Kind::Helm, flags)]);
        assert_eq!(lines(&f, "RL702"), [("k8s/redis-values.yaml".into(), 3)]);

        // Some other chart's values: nothing.
        let other = "resources:\n  limits:\n    memory: 2Gi\n";
        assert!(run(&[("/k8s/values.yaml", Kind::Helm, other)]).is_empty());
    }

    #[test]
    fn chart_password_is_judged_and_hidden() {
        let text = "auth:\n  enabled: true\n  password: \"changeThisToSecurePassword\"\n";
        let f = run(&[(VALUES, Kind::Helm, text)]);
        let p = only(&f, "RL402");
        assert_eq!(p.len(), 1, "{f:#?}");
        assert_eq!((p[0].line, p[0].column), (3, 13));
        assert!(!format!("{f:?}").contains("changeThis"));
    }
}
