//! Redis configs that run inside containers: Docker Compose services whose bind mounts put a
//! checked redis.conf or sentinel.conf into a Redis container. Paths inside such a config
//! (`dir`, `logfile`) name the container's filesystem, not the host's.

use super::{FileId, Kind, Workspace};
use crate::fs;
use crate::source::Span;

/// A checked config file mounted into a Redis container by a Compose service.
#[derive(Debug, Clone)]
pub struct Container {
    pub compose: FileId,
    pub service: String,
    /// The volume entry that mounts the config.
    pub mount: Span,
    /// Where the config appears inside the container.
    pub target: String,
    /// Every path the service mounts something at.
    pub targets: Vec<String>,
    /// The service's bind mounts: (path in the container, host path of the source). What a
    /// config in the container references (`include`, `aclfile`) is read through them.
    pub binds: Vec<(String, String)>,
    /// The service's published ports (`ports:` entries, short syntax), with where each is
    /// written: `6379:6379` publishes on every host interface, `127.0.0.1:6379:6379` on one.
    pub ports: Vec<(String, Span)>,
}

/// True if a Compose service runs Redis or Sentinel (not an exporter or a GUI next to it).
fn runs_redis(image: &str, command: &str) -> bool {
    let image = image.to_ascii_lowercase();
    let name = image.rsplit('/').next().unwrap_or(&image);
    let name = name.split([':', '@']).next().unwrap_or(name);
    name == "redis"
        || name == "redis-stack-server"
        || command.contains("redis-server")
        || command.contains("redis-sentinel")
}

/// `./conf/redis.conf:/etc/redis/redis.conf:ro` → (source, target).
fn short_volume(v: &str) -> Option<(&str, &str)> {
    let mut parts = v.splitn(3, ':');
    let source = parts.next()?;
    let target = parts.next()?;
    Some((source, target))
}

/// Every checked config mounted into a Redis container, by the Compose files in the workspace.
pub fn containers(ws: &Workspace) -> Vec<(FileId, Container)> {
    let mut out = Vec::new();
    for id in ws.ids() {
        let f = ws.file(id);
        if f.kind != Kind::Compose {
            continue;
        }
        let Some(doc) = f.yaml() else { continue };
        let Some(host) = f.host_path.as_deref() else {
            continue;
        };
        let base = fs::parent(host).to_string();
        // Services in document order, each with its entries.
        let mut services: Vec<&str> = Vec::new();
        for e in &doc.entries {
            if let Some(rest) = e.path.strip_prefix("services.") {
                let name = rest.split('.').next().unwrap_or(rest);
                if services.last() != Some(&name) && !services.contains(&name) {
                    services.push(name);
                }
            }
        }
        for service in services {
            let prefix = format!("services.{service}.");
            let entries: Vec<_> = doc
                .entries
                .iter()
                .filter(|e| e.path.starts_with(&prefix))
                .collect();
            let field = |name: &str| {
                entries
                    .iter()
                    .filter(|e| {
                        let p = &e.path[prefix.len()..];
                        p == name || p.starts_with(&format!("{name}["))
                    })
                    .map(|e| e.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if !runs_redis(&field("image"), &field("command")) {
                continue;
            }
            let mut mounts = Vec::new();
            for e in &entries {
                let p = &e.path[prefix.len()..];
                if !p.starts_with("volumes[") {
                    continue;
                }
                if let Some((source, target)) = short_volume(&e.value) {
                    mounts.push((source.to_string(), target.to_string(), e.span));
                }
            }
            // Long syntax: volumes[i].source / volumes[i].target.
            for e in &entries {
                let p = &e.path[prefix.len()..];
                if let Some(i) = p
                    .strip_prefix("volumes[")
                    .and_then(|r| r.strip_suffix("].source"))
                {
                    let target = doc.get(&format!("{prefix}volumes[{i}].target"));
                    if let Some(t) = target {
                        mounts.push((e.value.clone(), t.value.clone(), e.span));
                    }
                }
            }
            let targets: Vec<String> = mounts.iter().map(|m| fs::normalize(&m.1)).collect();
            let binds: Vec<(String, String)> = mounts
                .iter()
                .filter_map(|(source, target, _)| {
                    Some((fs::normalize(target), bind_source(&base, source)?))
                })
                .collect();
            let ports: Vec<(String, Span)> = entries
                .iter()
                .filter(|e| e.path[prefix.len()..].starts_with("ports["))
                .map(|e| (e.value.clone(), e.span))
                .collect();
            for (source, target, span) in &mounts {
                let Some(path) = bind_source(&base, source) else {
                    continue; // a named volume
                };
                for (file, target) in mounted_configs(ws, &path, target) {
                    out.push((
                        file,
                        Container {
                            compose: id,
                            service: service.to_string(),
                            mount: *span,
                            target,
                            targets: targets.clone(),
                            binds: binds.clone(),
                            ports: ports.clone(),
                        },
                    ));
                }
            }
        }
    }
    out
}

/// The checked redis.conf / sentinel.conf files a bind mount puts into the container, with
/// their paths there: the mounted file itself, or every such file under a mounted directory.
fn mounted_configs(ws: &Workspace, source: &str, target: &str) -> Vec<(FileId, String)> {
    let is_config = |id: FileId| matches!(ws.file(id).kind, Kind::Redis | Kind::Sentinel);
    if let Some(file) = ws.by_host_path(source) {
        return if is_config(file) {
            vec![(file, fs::normalize(target))]
        } else {
            Vec::new()
        };
    }
    ws.ids()
        .filter(|id| is_config(*id))
        .filter_map(|id| {
            let host = ws.file(id).host_path.as_deref()?;
            if !fs::is_under(host, source) || host == source {
                return None;
            }
            let rest = &host[source.trim_end_matches('/').len()..];
            Some((id, fs::join(target, rest.trim_start_matches('/'))))
        })
        .collect()
}

/// The host path of a bind mount's source (relative to the Compose file's directory), or
/// `None` for a named volume.
fn bind_source(base: &str, source: &str) -> Option<String> {
    if source.starts_with('/') {
        Some(fs::normalize(source))
    } else if source.starts_with('.') {
        Some(fs::join(base, source))
    } else {
        None
    }
}

impl Container {
    /// Where a path in the container comes from on the host: through the bind mount with the
    /// longest target holding it, or `None` (the image's own file, not in the checked tree).
    pub fn host_path(&self, container_path: &str) -> Option<String> {
        self.binds
            .iter()
            .filter(|(target, _)| fs::is_under(container_path, target))
            .max_by_key(|(target, _)| target.len())
            .map(|(target, source)| {
                let rest =
                    container_path[target.trim_end_matches('/').len()..].trim_start_matches('/');
                fs::join(source, rest)
            })
    }
}

/// True if a short-syntax `ports:` entry publishes on every host interface: no host address
/// (`6379:6379`, `6379`) or a wildcard one (`0.0.0.0:6379:6379`, `[::]:6379:6379`).
pub fn published_everywhere(entry: &str) -> bool {
    let e = entry
        .trim()
        .trim_end_matches("/tcp")
        .trim_end_matches("/udp");
    if let Some(rest) = e.strip_prefix('[') {
        // `[::1]:6379:6379`
        let host = rest.split(']').next().unwrap_or("");
        return host == "::" || host.is_empty();
    }
    let parts: Vec<&str> = e.split(':').collect();
    match parts.as_slice() {
        [_] | [_, _] => true,
        [host, ..] => host.is_empty() || *host == "0.0.0.0",
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::published_everywhere;

    #[test]
    fn published_ports() {
        assert!(published_everywhere("6379:6379"));
        assert!(published_everywhere("6379"));
        assert!(published_everywhere("0.0.0.0:6379:6379"));
        assert!(published_everywhere("[::]:6379:6379/tcp"));
        assert!(!published_everywhere("127.0.0.1:6379:6379"));
        assert!(!published_everywhere("10.0.0.5:6379:6379"));
        assert!(!published_everywhere("[::1]:6379:6379"));
    }
}
