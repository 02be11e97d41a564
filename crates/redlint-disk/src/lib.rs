//! The real disk standing for the target host, shared by the CLI (`redlint check`/`fix`) and
//! the language server (`redlint server`), so both read the same files the same way: the
//! checked tree, `--root`, and the `[paths]` mapping of redlint.toml.

use std::path::{Path, PathBuf};

pub mod disk;
pub mod mapping;

/// The nearest `redlint.toml` in `start` (or its directory) and its ancestors.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let abs = start.canonicalize().ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join("redlint.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}
