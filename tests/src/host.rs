//! A folder standing for a host's `/`, checked the way `redlint check --root DIR DIR` does:
//! every file with a known kind is an input, and references resolve inside the folder.

use std::path::{Path, PathBuf};

use redlint_core::fs::{DirEntry, FileSystem, FsError, Metadata};
use redlint_core::model::kind;
use redlint_core::{check, Finding, Input, Options};

/// A folder seen as the target host's filesystem root (test-only: no size limits).
pub struct RootFs(pub PathBuf);

impl RootFs {
    fn real(&self, host: &str) -> PathBuf {
        self.0.join(host.trim_start_matches('/'))
    }
}

fn io(e: std::io::Error) -> FsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound,
        std::io::ErrorKind::PermissionDenied => FsError::PermissionDenied,
        _ => FsError::Other(e.to_string()),
    }
}

impl FileSystem for RootFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let p = self.real(path);
        if p.is_dir() {
            return Err(FsError::IsADirectory);
        }
        std::fs::read(p).map_err(io)
    }
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let m = std::fs::metadata(self.real(path)).map_err(io)?;
        Ok(Metadata::from_std(&m))
    }
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.real(path)).map_err(io)? {
            let e = e.map_err(io)?;
            out.push(DirEntry {
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir: e.file_type().map_err(io)?.is_dir(),
            });
        }
        Ok(out)
    }
    fn display_path(&self, host_path: &str) -> String {
        host_path.trim_start_matches('/').to_string()
    }
    /// This machine's resolver (the tests run Redis here, so it is the target host's).
    fn resolves(&self, host: &str) -> Option<bool> {
        use std::net::ToSocketAddrs;
        Some(
            (host, 0)
                .to_socket_addrs()
                .is_ok_and(|mut a| a.next().is_some()),
        )
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("host folder") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The inputs of a host folder: every file whose kind redlint knows, by name and content, as
/// the CLI's directory walk decides it.
pub fn inputs(root: &Path) -> Vec<Input> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut inputs = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .expect("inside root")
            .to_string_lossy()
            .into_owned();
        let host = format!("/{rel}");
        let bytes = std::fs::read(&f).expect("read");
        let Some(kind) = kind::detect(&host, &bytes) else {
            continue;
        };
        inputs.push(Input {
            path: rel,
            host_path: Some(host),
            bytes,
            kind,
        });
    }
    inputs
}

/// Check a host folder as `redlint check --root <folder> <folder>` would.
pub fn check_root(root: &Path, options: &Options) -> Vec<Finding> {
    check(inputs(root), &RootFs(root.to_path_buf()), options).findings
}

/// A folder of the seed deployment (tests/fixtures/seed/NAME).
pub fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/seed")
        .join(name)
}
