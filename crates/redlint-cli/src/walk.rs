//! Turning the PATH arguments into the files to check.

use std::path::{Path, PathBuf};

use redlint_core::model::kind;
use redlint_core::{Input, Kind};

use crate::disk::read_bounded;
use crate::mapping::PathMap;

/// A problem that stops the run with exit code 2.
#[derive(Debug)]
pub struct InputError(pub String);

/// Directories never worth walking into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "__pycache__",
];

pub struct Walker<'a> {
    pub root: Option<&'a Path>,
    pub kind: Option<Kind>,
    /// A file inside a mapped directory has the mapped host path (`[paths]`, `--map`).
    pub map: &'a PathMap,
}

impl Walker<'_> {
    /// Every input under the given paths, in a stable order, with where it lives on this
    /// machine (what `fix` writes back to).
    pub fn inputs(&self, paths: &[PathBuf]) -> Result<Vec<(Input, PathBuf)>, InputError> {
        let mut out = Vec::new();
        for path in paths {
            let meta = std::fs::metadata(path)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            if meta.is_dir() {
                let mut files = Vec::new();
                walk_dir(path, &mut files)
                    .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
                files.sort();
                for file in files {
                    let display = self.display(&file);
                    let kind = match self.kind {
                        Some(k) => Some(k),
                        None => kind::from_path(&self.kind_path(&file)),
                    };
                    if let Some(kind) = kind {
                        out.push((self.read(&file, display, kind)?, file));
                    }
                }
            } else {
                let display = self.display(path);
                let bytes = read_bounded(path)
                    .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
                let kind = self
                    .kind
                    .or_else(|| kind::from_path(&self.kind_path(path)))
                    .or_else(|| kind::from_content(&bytes))
                    .unwrap_or(Kind::Redis);
                let input = Input {
                    path: display,
                    host_path: self.host_path(path),
                    bytes,
                    kind,
                };
                out.push((input, path.clone()));
            }
        }
        Ok(out)
    }

    fn read(&self, file: &Path, display: String, kind: Kind) -> Result<Input, InputError> {
        let bytes =
            read_bounded(file).map_err(|e| InputError(format!("{}: {e}", file.display())))?;
        Ok(Input {
            path: display,
            host_path: self.host_path(file),
            bytes,
            kind,
        })
    }

    /// The path judged for kind detection: inside the root when there is one.
    fn kind_path(&self, file: &Path) -> String {
        self.host_path(file)
            .unwrap_or_else(|| file.to_string_lossy().into_owned())
    }

    /// Displayed path: relative to `--root` when inside it, else as given.
    fn display(&self, file: &Path) -> String {
        if let Some(root) = self.root {
            if let Ok(rel) = file.strip_prefix(root) {
                return rel.to_string_lossy().into_owned();
            }
            if let (Ok(f), Ok(r)) = (file.canonicalize(), root.canonicalize()) {
                if let Ok(rel) = f.strip_prefix(&r) {
                    return rel.to_string_lossy().into_owned();
                }
            }
        }
        let s = file.to_string_lossy();
        s.strip_prefix("./").unwrap_or(&s).to_string()
    }

    /// The file's absolute path on the target host.
    fn host_path(&self, file: &Path) -> Option<String> {
        let abs = file.canonicalize().ok()?;
        if let Some(mapped) = self.map.host_path(&abs) {
            return Some(mapped);
        }
        match self.root {
            Some(root) => {
                let r = root.canonicalize().ok()?;
                let rel = abs.strip_prefix(&r).ok()?;
                Some(format!("/{}", rel.to_string_lossy()))
            }
            None => Some(abs.to_string_lossy().into_owned()),
        }
    }
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        let path = entry.path();
        if ft.is_dir() {
            let name = entry.file_name();
            if SKIP_DIRS.iter().any(|s| name == *s) {
                continue;
            }
            walk_dir(&path, out)?;
        } else if ft.is_file() {
            out.push(path);
        }
    }
    Ok(())
}
