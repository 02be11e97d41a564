//! The only way the core reads anything: a small trait that the CLI implements over the real
//! disk (optionally under `--root`), and the browser build over pasted tabs.
//!
//! Paths are *host paths*: absolute paths as written in the configs (`/etc/redis/users.acl`),
//! meaning the target host's filesystem, whatever stands for it.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Is a directory")]
    IsADirectory,
    #[error("Permission denied")]
    PermissionDenied,
    #[error("file is larger than {0} bytes, redlint's limit per file (no Redis configuration is that large; see \"Limits\" in docs/CLI.md)")]
    TooLarge(usize),
    /// The path is not part of what was checked (neither in the checked tree, nor under
    /// `--root`, nor mapped) and redlint does not run on the target host, so it was not read:
    /// this machine's file of that name is not the target host's.
    #[error("outside the checked tree")]
    OutsideTree,
    #[error("{0}")]
    Other(String),
}

/// What a path is (symbolic links are followed, as Redis' `open`/`chdir`/`access` do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Socket,
    /// FIFOs, devices and the like.
    Other,
}

/// What the host's filesystem says about a path: enough to decide, without I/O, whether the
/// user Redis runs as may search, read or write it (see `check::host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub kind: FileKind,
    /// Permission bits (`0o7777` at most: rwx for owner, group, others, plus setuid/gid/sticky).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl Metadata {
    /// A root-owned regular file with `mode`.
    pub fn file(mode: u32) -> Metadata {
        Metadata {
            kind: FileKind::File,
            mode,
            uid: 0,
            gid: 0,
        }
    }
    /// A root-owned directory with `mode`.
    pub fn dir(mode: u32) -> Metadata {
        Metadata {
            kind: FileKind::Dir,
            mode,
            uid: 0,
            gid: 0,
        }
    }
    /// From what `std::fs::metadata` returned (symbolic links followed): the one conversion
    /// the CLI and the tests' disk filesystems share.
    #[cfg(unix)]
    pub fn from_std(m: &std::fs::Metadata) -> Metadata {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let t = m.file_type();
        let kind = if t.is_dir() {
            FileKind::Dir
        } else if t.is_file() {
            FileKind::File
        } else if t.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        };
        Metadata {
            kind,
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
        }
    }
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }
    /// Any execute bit set.
    pub fn executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
}

pub trait FileSystem: Sync {
    /// The bytes of the file at a host path.
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError>;
    fn metadata(&self, path: &str) -> Result<Metadata, FsError>;
    /// Entries of a directory, in any order.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError>;
    /// How a referenced file (found by host path) is named in reports.
    fn display_path(&self, host_path: &str) -> String {
        host_path.to_string()
    }
    /// Whether a host name resolves (`getaddrinfo`) on the target host: `None` when this
    /// filesystem cannot tell (the default; only the CLI on the target host can).
    fn resolves(&self, _host: &str) -> Option<bool> {
        None
    }
}

/// An in-memory host: the browser build, rule examples and tests use it.
///
/// A missing path is `NotFound`. Once covered prefixes are set ([`MemoryFs::cover`]), a path
/// under none of them is [`FsError::OutsideTree`], inserted or not: the browser can say a
/// referenced file is outside the pasted files instead of calling it missing, and tests can
/// insert files that stand for this machine's own (which off-host must never be read).
#[derive(Debug, Clone, Default)]
pub struct MemoryFs {
    /// Files: content and metadata.
    files: BTreeMap<String, (Vec<u8>, Metadata)>,
    /// Directories given explicitly (empty ones, or with a mode/owner); other directories
    /// exist because a file lies below them (root-owned, 0755).
    dirs: BTreeMap<String, Metadata>,
    /// Host names that resolve (`Some(true)`) or not (`Some(false)`); others are unknown.
    names: BTreeMap<String, bool>,
    /// Host directories that are the checked tree, when set (see [`MemoryFs::cover`]).
    covered: Option<Vec<String>>,
}

impl MemoryFs {
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }
    /// A root-owned file, mode 0644.
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(
            normalize(&path.into()),
            (bytes.into(), Metadata::file(0o644)),
        );
    }
    /// A root-owned file, mode 0755.
    pub fn insert_executable(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(
            normalize(&path.into()),
            (bytes.into(), Metadata::file(0o755)),
        );
    }
    /// A directory (possibly empty), root-owned, mode 0755.
    pub fn insert_dir(&mut self, path: impl Into<String>) {
        self.dirs
            .insert(normalize(&path.into()), Metadata::dir(0o755));
    }
    /// Change the permission bits of a file or directory (a directory not given yet is
    /// created). Returns false when nothing is at `path`.
    pub fn set_mode(&mut self, path: &str, mode: u32) -> bool {
        self.meta_mut(path).map(|m| m.mode = mode).is_some()
    }
    /// Change the owner of a file or directory, like `chown uid:gid`.
    pub fn set_owner(&mut self, path: &str, uid: u32, gid: u32) -> bool {
        self.meta_mut(path)
            .map(|m| {
                m.uid = uid;
                m.gid = gid;
            })
            .is_some()
    }
    /// Declare whether a host name resolves on this host.
    pub fn set_resolves(&mut self, host: impl Into<String>, resolves: bool) {
        self.names.insert(host.into(), resolves);
    }
    fn meta_mut(&mut self, path: &str) -> Option<&mut Metadata> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            return self.files.get_mut(&path).map(|(_, m)| m);
        }
        if !self.dirs.contains_key(&path) && !self.is_dir(&path) {
            return None;
        }
        Some(self.dirs.entry(path).or_insert(Metadata::dir(0o755)))
    }
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
    /// Declare a host directory as part of the checked tree (see the type's docs).
    pub fn cover(&mut self, prefix: impl Into<String>) {
        self.covered
            .get_or_insert_with(Vec::new)
            .push(normalize(&prefix.into()));
    }
    /// Outside the covered prefixes, when there are any.
    fn outside(&self, path: &str) -> bool {
        self.covered
            .as_ref()
            .is_some_and(|c| !c.iter().any(|p| is_under(path, p)))
    }
    fn is_dir(&self, path: &str) -> bool {
        if path == "/" || self.dirs.contains_key(path) {
            return true;
        }
        let prefix = if path.ends_with('/') {
            path.to_string()
        } else {
            format!("{path}/")
        };
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
            || self
                .dirs
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix))
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let path = normalize(path);
        if self.outside(&path) {
            return Err(FsError::OutsideTree);
        }
        match self.files.get(&path) {
            Some((b, _)) => Ok(b.clone()),
            None if self.is_dir(&path) => Err(FsError::IsADirectory),
            None => Err(FsError::NotFound),
        }
    }
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let path = normalize(path);
        if self.outside(&path) {
            return Err(FsError::OutsideTree);
        }
        match self.files.get(&path) {
            Some((_, m)) => Ok(*m),
            None if self.is_dir(&path) => Ok(self
                .dirs
                .get(&path)
                .copied()
                .unwrap_or(Metadata::dir(0o755))),
            None => Err(FsError::NotFound),
        }
    }
    fn resolves(&self, host: &str) -> Option<bool> {
        self.names.get(host).copied()
    }
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let path = normalize(path);
        if self.outside(&path) {
            return Err(FsError::OutsideTree);
        }
        let prefix = if path.ends_with('/') {
            path.clone()
        } else {
            format!("{path}/")
        };
        if self.files.contains_key(&path) {
            return Err(FsError::Other("Not a directory".to_string()));
        }
        if !self.is_dir(&path) {
            return Err(FsError::NotFound);
        }
        let files = self.files.keys().map(|k| (k, false));
        let dirs = self.dirs.keys().map(|k| (k, true));
        let mut out: Vec<DirEntry> = Vec::new();
        for (k, explicit_dir) in files.chain(dirs) {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let (name, is_dir) = match rest.split_once('/') {
                Some((n, _)) => (n, true),
                None => (rest, explicit_dir),
            };
            if !name.is_empty() && !out.iter().any(|e| e.name == name) {
                out.push(DirEntry {
                    name: name.to_string(),
                    is_dir,
                });
            }
        }
        Ok(out)
    }
}

/// Make a host path absolute and collapse `.`, `..` and repeated slashes, lexically.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// True if the normalized host path `path` is `prefix` or lies below it, component-wise
/// (`/etc/redis2` is not under `/etc/redis`).
pub fn is_under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Join a possibly relative host path onto a base directory.
pub fn join(base_dir: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{base_dir}/{path}"))
    }
}

/// The directory part of a host path.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_under_is_component_wise() {
        assert!(is_under("/etc/redis/a.conf", "/etc/redis"));
        assert!(is_under("/etc/redis", "/etc/redis/"));
        assert!(is_under("/anything", "/"));
        assert!(!is_under("/etc/redis2/a.conf", "/etc/redis"));
        assert!(!is_under("/etc", "/etc/redis"));
    }

    #[test]
    fn covered_memory_fs_tells_outside_from_missing() {
        let mut fs = MemoryFs::new();
        fs.insert("/repo/redis.conf", "port 1\n");
        fs.insert("/etc/redis/users.acl", "user x\n");
        assert_eq!(fs.read("/etc/redis/x.conf"), Err(FsError::NotFound));
        fs.cover("/repo");
        assert_eq!(fs.read("/repo/missing.conf"), Err(FsError::NotFound));
        assert_eq!(fs.read("/etc/redis/x.conf"), Err(FsError::OutsideTree));
        assert_eq!(fs.metadata("/etc/redis"), Err(FsError::OutsideTree));
        assert_eq!(fs.read_dir("/etc/redis"), Err(FsError::OutsideTree));
        assert_eq!(fs.read("/etc/redis/users.acl"), Err(FsError::OutsideTree));
        assert!(fs.read("/repo/redis.conf").is_ok());
    }
}
