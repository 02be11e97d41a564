//! The real disk standing for the target host. A host path is read from, in this order: the
//! mapped directory (`[paths]`, `--map`), under `--root`, this machine's `/` when it is the
//! target host (`--on-host`), or the checked tree itself (the given PATHs, off-host without
//! `--root`). Anything else is [`FsError::OutsideTree`] and is never touched: this machine's
//! `/etc/redis` is not the target host's.

use std::io::Read;
use std::path::{Path, PathBuf};

use redlint_core::fs::{self, DirEntry, FileSystem, FsError, Metadata};

use crate::mapping::PathMap;

/// Files larger than this are refused (exit 2) rather than read into memory: the core's cap.
pub const MAX_READ: u64 = redlint_core::limits::MAX_FILE_BYTES as u64;

pub struct DiskFs {
    root: Option<PathBuf>,
    map: PathMap,
    /// This machine is the target host: an unmapped path without `--root` is read from `/`.
    on_host: bool,
    /// Off-host without `--root`: this machine's directories that are the checked tree (each
    /// given directory, and the directory of each given file), canonical.
    tree: Vec<String>,
}

impl DiskFs {
    pub fn new(root: Option<&Path>, map: PathMap, on_host: bool, tree: Vec<String>) -> DiskFs {
        DiskFs {
            root: root.map(Path::to_path_buf),
            map,
            on_host,
            tree,
        }
    }

    /// Where a host path lives on this machine, or `OutsideTree` when it must not be read.
    pub fn real(&self, host_path: &str) -> Result<PathBuf, FsError> {
        let host_path = fs::normalize(host_path);
        if let Some(real) = self.map.real(&host_path) {
            return Ok(real);
        }
        if let Some(root) = &self.root {
            return Ok(root.join(host_path.trim_start_matches('/')));
        }
        if self.on_host || self.tree.iter().any(|t| fs::is_under(&host_path, t)) {
            return Ok(PathBuf::from(host_path));
        }
        Err(FsError::OutsideTree)
    }
}

fn map_err(e: std::io::Error) -> FsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound,
        std::io::ErrorKind::PermissionDenied => FsError::PermissionDenied,
        std::io::ErrorKind::IsADirectory => FsError::IsADirectory,
        _ => FsError::Other(e.to_string()),
    }
}

/// Read standard input whole, with the same bound as a file (`-`, `--stdin-filename`).
pub fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_READ + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("standard input: {e}"))?;
    if bytes.len() as u64 > MAX_READ {
        return Err(format!(
            "standard input: {}",
            FsError::TooLarge(MAX_READ as usize)
        ));
    }
    Ok(bytes)
}

/// Read a whole file, bounded: no unbounded memory on a huge or endless file.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, FsError> {
    let meta = std::fs::metadata(path).map_err(map_err)?;
    if meta.is_dir() {
        return Err(FsError::IsADirectory);
    }
    // A FIFO or device would block or never end: only regular files are read.
    if !meta.is_file() {
        return Err(FsError::Other("not a regular file".to_string()));
    }
    // Refused from the metadata, before a byte is read (a sparse file costs nothing to make).
    if meta.len() > MAX_READ {
        return Err(FsError::TooLarge(MAX_READ as usize));
    }
    let file = std::fs::File::open(path).map_err(map_err)?;
    // The read is bounded too: the file may have grown since, or lie about its size.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_READ + 1)
        .read_to_end(&mut bytes)
        .map_err(map_err)?;
    if bytes.len() as u64 > MAX_READ {
        return Err(FsError::TooLarge(MAX_READ as usize));
    }
    Ok(bytes)
}

impl FileSystem for DiskFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        read_bounded(&self.real(path)?)
    }

    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let m = std::fs::metadata(self.real(path)?).map_err(map_err)?;
        Ok(Metadata::from_std(&m))
    }

    /// Only asked on the target host (`--on-host`): this machine's resolver is the host's.
    fn resolves(&self, host: &str) -> Option<bool> {
        use std::net::ToSocketAddrs;
        Some(
            (host, 0)
                .to_socket_addrs()
                .is_ok_and(|mut a| a.next().is_some()),
        )
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.real(path)?).map_err(map_err)? {
            let entry = entry.map_err(map_err)?;
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir,
            });
        }
        Ok(out)
    }

    fn display_path(&self, host_path: &str) -> String {
        if let Some(shown) = self.map.display(host_path) {
            shown
        } else if self.root.is_some() {
            host_path.trim_start_matches('/').to_string()
        } else {
            host_path.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Off-host without `--root`, this machine's files outside the given tree are refused even
    /// when they exist (redis-server is installed here: /etc/redis/redis.conf, /etc/passwd).
    #[test]
    fn off_host_reads_only_the_tree_and_the_mapping() {
        let tmp = std::env::temp_dir().join(format!("redlint-disk-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("deploy")).unwrap();
        std::fs::write(tmp.join("deploy/users.acl"), "user x\n").unwrap();
        let tree = tmp.canonicalize().unwrap().to_string_lossy().into_owned();
        let mut map = PathMap::default();
        map.add("/etc/redis", &tmp.join("deploy"), "test").unwrap();
        let fs = DiskFs::new(None, map, false, vec![tree.clone()]);
        assert_eq!(fs.read("/etc/passwd"), Err(FsError::OutsideTree));
        assert_eq!(fs.metadata("/etc"), Err(FsError::OutsideTree));
        assert_eq!(fs.read_dir("/etc/redis2"), Err(FsError::OutsideTree));
        assert_eq!(fs.read("/etc/redis/users.acl").unwrap(), b"user x\n");
        assert_eq!(fs.read("/etc/redis/redis.conf"), Err(FsError::NotFound));
        assert!(fs.read(&format!("{tree}/deploy/users.acl")).is_ok());
        // On the target host, / is this machine.
        let on_host = DiskFs::new(None, PathMap::default(), true, Vec::new());
        assert!(on_host.metadata("/etc").is_ok());
        // With --root, every host path lies under the root (missing there is NotFound).
        let rooted = DiskFs::new(Some(&tmp), PathMap::default(), false, Vec::new());
        assert_eq!(rooted.read("/etc/passwd"), Err(FsError::NotFound));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
