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
    if name.ends_with(".conf")
        && (name.contains("redis") || dir.contains("redis") || path.contains("/redis"))
    {
        return Some(Kind::Redis);
    }
    None
}

/// The kind a file's content suggests, for files whose name says nothing.
pub fn from_content(bytes: &[u8]) -> Option<Kind> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let mut user_lines = 0;
    let mut other = 0;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("sentinel monitor") {
            return Some(Kind::Sentinel);
        }
        if line.starts_with("user ") {
            user_lines += 1;
        } else if line.starts_with(';') {
            continue;
        } else {
            other += 1;
        }
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().trim_start_matches('-');
            if k.contains('.')
                && !k.contains(' ')
                && (k.starts_with("net")
                    || k.starts_with("vm")
                    || k.starts_with("kernel")
                    || k.starts_with("fs"))
            {
                return Some(Kind::Sysctl);
            }
        }
        if [
            "port",
            "bind",
            "maxmemory",
            "save",
            "appendonly",
            "requirepass",
            "daemonize",
            "dir",
            "include",
        ]
        .iter()
        .any(|d| lower.split_whitespace().next() == Some(d))
        {
            return Some(Kind::Redis);
        }
    }
    if user_lines > 0 && other == 0 {
        return Some(Kind::Acl);
    }
    None
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
    }
}
