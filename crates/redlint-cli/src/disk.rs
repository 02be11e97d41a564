//! The real disk as the target host: host paths resolve under `--root` (or `/`).

use std::io::Read;
use std::path::{Path, PathBuf};

use redlint_core::fs::{DirEntry, FileSystem, FsError, Metadata};

/// Files larger than this are refused (exit 2) rather than read into memory.
pub const MAX_READ: u64 = 512 * 1024 * 1024;

pub struct DiskFs {
    root: PathBuf,
    rooted: bool,
}

impl DiskFs {
    pub fn new(root: Option<&Path>) -> DiskFs {
        DiskFs {
            root: root.map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
            rooted: root.is_some(),
        }
    }

    /// Where a host path lives on this machine.
    pub fn real(&self, host_path: &str) -> PathBuf {
        self.root.join(host_path.trim_start_matches('/'))
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
    let file = std::fs::File::open(path).map_err(map_err)?;
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_READ) as usize);
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
        read_bounded(&self.real(path))
    }

    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let m = std::fs::metadata(self.real(path)).map_err(map_err)?;
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
        for entry in std::fs::read_dir(self.real(path)).map_err(map_err)? {
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
        if self.rooted {
            host_path.trim_start_matches('/').to_string()
        } else {
            host_path.to_string()
        }
    }
}
