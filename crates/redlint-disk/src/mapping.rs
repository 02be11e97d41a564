//! Path mapping for config repositories: where the target host's directories live in the
//! checked tree. `[paths]` in redlint.toml (`"/etc/redis" = "deploy/redis"`, relative to the
//! file's directory) and `--map /etc/redis=deploy/redis` (relative to the current directory).
//!
//! Both directions are needed: a reference in a config (`aclfile /etc/redis/users.acl`) is read
//! from the mapped directory, and a given file inside a mapped directory gets the host path it
//! will have (so `deploy/redis/redis.conf` resolves its includes as `/etc/redis/redis.conf` and
//! is the same file as a reference to that path). The longest host prefix wins.

use std::path::{Path, PathBuf};

use redlint_core::fs;

#[derive(Debug, Default)]
pub struct PathMap {
    /// Sorted by host prefix, longest first, so the first match is the longest prefix.
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// Normalized absolute host path (`/etc/redis`).
    host: String,
    /// The directory on this machine, canonical (for reading and for matching given files).
    real: PathBuf,
    /// The directory as reports show it: relative to the current directory when inside it.
    shown: PathBuf,
}

/// `--map HOST=DIR`, split (validated further when the mapping is added).
pub fn parse_flag(s: &str) -> Result<(String, PathBuf), String> {
    let (host, dir) = s.split_once('=').ok_or_else(|| {
        format!("`{s}` is not a mapping: write HOST=DIR, e.g. `--map /etc/redis=deploy/redis`")
    })?;
    Ok((host.to_string(), PathBuf::from(dir)))
}

impl PathMap {
    /// Add a mapping of `host` to `dir` (a path on this machine); `origin` names where it was
    /// written, for the error message. A later mapping of the same host path replaces an
    /// earlier one (flags come after the file).
    pub fn add(&mut self, host: &str, dir: &Path, origin: &str) -> Result<(), String> {
        let shown_arg = dir.display();
        redlint_core::config::validate_mapping(host, &dir.to_string_lossy())
            .map_err(|e| format!("{origin}: {e}"))?;
        if !dir.is_dir() {
            return Err(format!(
                "{origin}: `{host}` is mapped to {shown_arg}, which is not a directory"
            ));
        }
        let real = dir
            .canonicalize()
            .map_err(|e| format!("{origin}: {shown_arg}: {e}"))?;
        let host = fs::normalize(host);
        self.entries.retain(|e| e.host != host);
        self.entries.push(Entry {
            host,
            shown: shown(dir),
            real,
        });
        self.entries
            .sort_by_key(|e| std::cmp::Reverse(e.host.trim_end_matches('/').len()));
        Ok(())
    }

    /// The mapping a host path falls under, and the rest of the path below it.
    fn find<'a>(&'a self, path: &'a str) -> Option<(&'a Entry, &'a str)> {
        self.entries.iter().find_map(|e| {
            if !fs::is_under(path, &e.host) {
                return None;
            }
            let rest = path[e.host.trim_end_matches('/').len()..].trim_start_matches('/');
            Some((e, rest))
        })
    }

    /// Where a mapped host path lives on this machine.
    pub fn real(&self, host_path: &str) -> Option<PathBuf> {
        self.find(host_path).map(|(e, rest)| join(&e.real, rest))
    }

    /// How a mapped host path is shown in reports: its place in the repository.
    pub fn display(&self, host_path: &str) -> Option<String> {
        self.find(host_path)
            .map(|(e, rest)| join(&e.shown, rest).to_string_lossy().into_owned())
    }

    /// The host path of a file on this machine (canonical path) inside a mapped directory.
    pub fn host_path(&self, real: &Path) -> Option<String> {
        self.entries
            .iter()
            .filter_map(|e| Some((e, real.strip_prefix(&e.real).ok()?)))
            .max_by_key(|(e, _)| e.real.as_os_str().len())
            .map(|(e, rest)| fs::join(&e.host, &rest.to_string_lossy()))
    }
}

fn join(dir: &Path, rest: &str) -> PathBuf {
    if rest.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rest)
    }
}

/// A directory as a user reads it: relative to the current directory when it lies inside.
fn shown(dir: &Path) -> PathBuf {
    if dir.is_relative() {
        return dir
            .strip_prefix("./")
            .map_or_else(|_| dir.to_path_buf(), Path::to_path_buf);
    }
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize());
    match (cwd, dir.canonicalize()) {
        (Ok(cwd), Ok(real)) => real
            .strip_prefix(&cwd)
            .map_or_else(|_| dir.to_path_buf(), Path::to_path_buf),
        _ => dir.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &Path)]) -> PathMap {
        let mut m = PathMap::default();
        for (h, d) in entries {
            m.add(h, d, "test").unwrap();
        }
        m
    }

    #[test]
    fn longest_prefix_wins_both_ways() {
        let tmp = std::env::temp_dir().join(format!("redlint-map-{}", std::process::id()));
        let a = tmp.join("a");
        let b = tmp.join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let m = map(&[("/etc", &a), ("/etc/redis/", &b)]);
        let (a, b) = (a.canonicalize().unwrap(), b.canonicalize().unwrap());
        assert_eq!(m.real("/etc/redis/users.acl"), Some(b.join("users.acl")));
        assert_eq!(m.real("/etc/redis"), Some(b.clone()));
        assert_eq!(m.real("/etc/redis2/x"), Some(a.join("redis2/x")));
        assert_eq!(m.real("/var/lib/redis"), None);
        assert_eq!(
            m.host_path(&b.join("redis.conf")).as_deref(),
            Some("/etc/redis/redis.conf")
        );
        assert_eq!(
            m.host_path(&a.join("sysctl.d/60.conf")).as_deref(),
            Some("/etc/sysctl.d/60.conf")
        );
        assert_eq!(m.host_path(Path::new("/nowhere/x")), None);
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn bad_mappings_are_refused_with_the_reason() {
        let mut m = PathMap::default();
        let e = m.add("etc/redis", Path::new("."), "--map").unwrap_err();
        assert!(e.contains("not an absolute host path"), "{e}");
        let e = m
            .add("/etc/redis", Path::new("/nonexistent-dir"), "--map")
            .unwrap_err();
        assert!(e.contains("not a directory"), "{e}");
        assert!(parse_flag("/etc/redis").is_err());
        assert_eq!(
            parse_flag("/etc/redis=deploy").unwrap(),
            ("/etc/redis".to_string(), PathBuf::from("deploy"))
        );
    }
}
