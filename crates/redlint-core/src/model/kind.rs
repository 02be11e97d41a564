//! What kind of file a path holds, from its name and, failing that, its content.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Redis,
    Sentinel,
    Acl,
    Sysctl,
    /// systemd unit files and drop-ins (read by rules about limits and THP units).
    Systemd,
    /// `/etc/security/limits.conf` and `limits.d/*`.
    Limits,
    /// Helm chart values for Redis (Bitnami's `redis` chart: `auth.password`, resources, …).
    Helm,
    /// Docker Compose files (which configs run in Redis containers).
    Compose,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "redis" => Kind::Redis,
            "sentinel" => Kind::Sentinel,
            "acl" => Kind::Acl,
            "sysctl" => Kind::Sysctl,
            "systemd" => Kind::Systemd,
            "limits" => Kind::Limits,
            "helm" => Kind::Helm,
            "compose" => Kind::Compose,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Redis => "redis",
            Kind::Sentinel => "sentinel",
            Kind::Acl => "acl",
            Kind::Sysctl => "sysctl",
            Kind::Systemd => "systemd",
            Kind::Limits => "limits",
            Kind::Helm => "helm",
            Kind::Compose => "compose",
        }
    }
}

/// The kind a path names, judged by the path alone (`None`: not a file redlint reads).
pub fn from_path(path: &str) -> Option<Kind> {
    let path = path.replace('\\', "/");
    let name = path
        .rsplit('/')
        .next()
        .unwrap_or(&path)
        .to_ascii_lowercase();
    let dir = path.rsplit('/').nth(1).unwrap_or("").to_ascii_lowercase();
    if path.contains("/security/limits.d/") || name == "limits.conf" {
        return Some(Kind::Limits);
    }
    if path.contains("sysctl.d/")
        || name == "sysctl.conf"
        || name.contains("sysctl") && name.ends_with(".conf")
    {
        return Some(Kind::Sysctl);
    }
    if name.ends_with(".service") || name.ends_with(".socket") || dir.ends_with(".service.d") {
        return Some(Kind::Systemd);
    }
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if yaml && name.contains("compose") {
        return Some(Kind::Compose);
    }
    if yaml && (name.contains("values") || name.contains("redis")) {
        return Some(Kind::Helm);
    }
    if name.ends_with(".acl") || name == "users.acl" {
        return Some(Kind::Acl);
    }
    if name.contains("sentinel") && (name.ends_with(".conf") || name.ends_with(".conf.template")) {
        return Some(Kind::Sentinel);
    }
    let conf_like = name.ends_with(".conf") || name.ends_with(".cnf") || name.ends_with(".cfg");
    if conf_like && (name.contains("redis") || dir.contains("redis") || path.contains("/redis")) {
        return Some(Kind::Redis);
    }
    None
}

/// The kind of a file found by walking a directory, from its name and its content together.
/// `None`: not a file redlint reads (or not confidently one: a walk must not lint an
/// `nginx.conf` or a random YAML file as Redis configuration).
///
/// A name that says what the file is (`redis.conf`, `*.acl`, `sentinel*.conf`, sysctl and
/// systemd paths) decides. A `.conf` file that is only *in* a Redis directory
/// (`etc/redis/master.conf`) is judged by its content, and is taken as a redis.conf fragment
/// unless its content is clearly something else. Any other file is taken only when its
/// content is confidently a Redis, Sentinel, ACL or sysctl file.
pub fn detect(path: &str, bytes: &[u8]) -> Option<Kind> {
    let by_name = from_path(path);
    let name = file_name(path);
    match by_name {
        Some(Kind::Redis) if !names_redis(&name) => match from_content(bytes) {
            // `user` lines are valid in a redis.conf fragment: an ACL file only when named so.
            Some(Kind::Acl) if !name.contains("acl") => Some(Kind::Redis),
            Some(k) => Some(k),
            None => (!looks_foreign(bytes)).then_some(Kind::Redis),
        },
        Some(k) => Some(k),
        None => from_content(bytes),
    }
}

/// The last path component, lower-cased.
fn file_name(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.rsplit('/')
        .next()
        .unwrap_or(&path)
        .to_ascii_lowercase()
}

/// True when the file name itself says redis (not only its directory).
fn names_redis(name: &str) -> bool {
    name.contains("redis")
}

/// How the meaningful (non-blank, non-comment) lines of a text read as Redis configuration.
#[derive(Debug, Default)]
struct LineCensus {
    total: usize,
    /// First word is a directive redis-server 7.0 knows (or a keyword: include, user, ...).
    known: usize,
    /// `sentinel monitor ...`.
    sentinel_monitor: usize,
    /// `user ...`.
    user: usize,
    /// `net.core.somaxconn = 1024` and the like.
    sysctl: usize,
}

fn census(bytes: &[u8]) -> LineCensus {
    use crate::knowledge::directives::{classify, NameKind};
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let mut c = LineCensus::default();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
    {
        c.total += 1;
        if is_sysctl_line(line) {
            c.sysctl += 1;
            continue;
        }
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        // nginx, YAML, INI and shell syntax: never a Redis line, whatever the first word is.
        let foreign = line.ends_with(';')
            || line.ends_with('{')
            || line.ends_with('}')
            || first.ends_with(':')
            || first.contains('=')
            || first.starts_with('[')
            || words.clone().next().is_some_and(|w| w.starts_with('='));
        if foreign {
            continue;
        }
        let known = !matches!(
            classify(first.as_bytes()),
            NameKind::Unknown | NameKind::ModuleConfig
        );
        if known {
            c.known += 1;
        }
        let lower = first.to_ascii_lowercase();
        if lower == "user" {
            c.user += 1;
        }
        if lower == "sentinel"
            && words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("monitor"))
        {
            c.sentinel_monitor += 1;
        }
    }
    c
}

/// `key = value` with a dotted kernel key (`net.`, `vm.`, `kernel.`, `fs.`); `-key` ignores
/// errors in sysctl.d.
fn is_sysctl_line(line: &str) -> bool {
    let Some((k, _)) = line.split_once('=') else {
        return false;
    };
    let k = k.trim().trim_start_matches('-');
    k.contains('.')
        && !k.contains(char::is_whitespace)
        && ["net.", "vm.", "kernel.", "fs."]
            .iter()
            .any(|p| k.starts_with(p))
}

/// At least four lines in five: a config with a few typos is still a config, an nginx.conf
/// that happens to have a `user` line is not.
fn mostly(part: usize, total: usize) -> bool {
    part > 0 && part * 5 >= total * 4
}

/// The kind a file's content confidently is, for files whose name says nothing.
pub fn from_content(bytes: &[u8]) -> Option<Kind> {
    let c = census(bytes);
    if c.total == 0 {
        return None;
    }
    if c.user == c.total {
        return Some(Kind::Acl);
    }
    if mostly(c.sysctl, c.total) {
        return Some(Kind::Sysctl);
    }
    if mostly(c.known, c.total) {
        return Some(if c.sentinel_monitor > 0 {
            Kind::Sentinel
        } else {
            Kind::Redis
        });
    }
    None
}

/// Content that is clearly not a redis.conf fragment: lines, and not even half of them
/// Redis directives.
fn looks_foreign(bytes: &[u8]) -> bool {
    let c = census(bytes);
    c.total > 0 && c.known * 2 < c.total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_seed_paths() {
        assert_eq!(from_path("etc/redis/redis.conf"), Some(Kind::Redis));
        assert_eq!(
            from_path("etc/redis/redis.conf.d/tuning.conf"),
            Some(Kind::Redis)
        );
        assert_eq!(from_path("etc/redis/users.acl"), Some(Kind::Acl));
        assert_eq!(from_path("etc/sysctl.conf"), Some(Kind::Sysctl));
        assert_eq!(from_path("etc/sysctl.d/99-redis.conf"), Some(Kind::Sysctl));
        assert_eq!(
            from_path("opt/redis/sentinel/conf/sentinel-1.conf"),
            Some(Kind::Sentinel)
        );
        assert_eq!(
            from_path("etc/security/limits.d/redis.conf"),
            Some(Kind::Limits)
        );
        assert_eq!(
            from_path("etc/systemd/system/redis-server.service.d/override.conf"),
            Some(Kind::Systemd)
        );
        assert_eq!(from_path("opt/redis/scripts/start-sentinel.sh"), None);
        assert_eq!(from_path("docker-compose.yml"), Some(Kind::Compose));
        assert_eq!(from_path("docker-compose-redis.yml"), Some(Kind::Compose));
        assert_eq!(from_path("kubernetes/redis-values.yaml"), Some(Kind::Helm));
        assert_eq!(from_path("charts/values.yml"), Some(Kind::Helm));
        assert_eq!(from_path("deploy/redis.cnf"), Some(Kind::Redis));
    }

    #[test]
    fn kinds_from_content_when_the_name_says_nothing() {
        let redis = b"# master\nport 6380\nbind 0.0.0.0\nprotected-mode no\nmaxmemory 1gb\n";
        assert_eq!(detect("deploy/master.conf", redis), Some(Kind::Redis));
        assert_eq!(detect("deploy/replica-1.conf", redis), Some(Kind::Redis));
        assert_eq!(detect("config/redis-main", redis), Some(Kind::Redis));
        let sentinel = b"port 26379\nsentinel monitor m 10.0.0.1 6379 2\n";
        assert_eq!(detect("deploy/s.conf", sentinel), Some(Kind::Sentinel));
        assert_eq!(detect("sentinel-26379.conf", b""), Some(Kind::Sentinel));
        let acl = b"user default off\nuser app on nopass ~app:* +@read\n";
        assert_eq!(detect("deploy/acl.conf", acl), Some(Kind::Acl));
        assert_eq!(detect("etc/redis/acl.conf", acl), Some(Kind::Acl));
        // User lines in a redis.conf fragment stay a fragment.
        assert_eq!(
            detect("etc/redis/conf.d/users.conf", acl),
            Some(Kind::Redis)
        );
        let sysctl = b"net.core.somaxconn = 1024\nvm.overcommit_memory = 1\n";
        assert_eq!(detect("tuning/99-kernel.conf", sysctl), Some(Kind::Sysctl));
    }

    #[test]
    fn unrelated_files_are_not_picked_up() {
        let nginx = b"user www-data;\nworker_processes auto;\npid /run/nginx.pid;\ninclude /etc/nginx/modules/*.conf;\nevents {\n  worker_connections 768;\n}\n";
        assert_eq!(detect("deploy/nginx.conf", nginx), None);
        assert_eq!(detect("etc/redis/nginx.conf", nginx), None);
        let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
        assert_eq!(detect("deploy/app.yaml", yaml), None);
        let ini = b"[mysqld]\nport = 3306\nbind-address = 0.0.0.0\n";
        assert_eq!(detect("etc/my.cnf", ini), None);
        let shell = b"#!/bin/sh\nexec redis-server /etc/redis/redis.conf\n";
        assert_eq!(detect("start.sh", shell), None);
        let prose = b"Redis is an in-memory store.\nSee the docs for details.\n";
        assert_eq!(detect("NOTES", prose), None);
        assert_eq!(detect("empty.txt", b""), None);
    }
}
