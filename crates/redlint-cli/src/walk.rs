//! Turning the PATH arguments into the files to check.
//!
//! A directory is walked following symbolic links (files and directories: the Kubernetes
//! ConfigMap mount is `redis.conf -> ..data/redis.conf`, `..data -> ..2024_…/`), with loops
//! detected by device and inode, and every file checked once under the name a user sees.
//! A file's kind comes from its name and its content ([`kind::detect`]); what is not checked
//! is said, in one notice (`files-skipped`), or one per file with `--verbose`.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use redlint_core::model::kind;
use redlint_core::{Input, Kind, Notice};

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

/// Files whose name says nothing are judged by content only up to this size: configuration
/// files are small, and a walk over a repository must not read its binaries whole.
const MAX_SNIFF: u64 = 4 << 20;

/// Walks of one directory through different links, at most: bounds the work on a tree
/// where links make many paths to the same place.
const MAX_DIR_VISITS: u32 = 8;

/// A file or directory, the same whatever path reaches it.
type FileKey = (u64, u64);

fn key(meta: &std::fs::Metadata) -> FileKey {
    (meta.dev(), meta.ino())
}

/// Why a file found by walking was not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Neither its name nor its content is a kind redlint reads.
    NotConfig,
    Unreadable(String),
    /// A FIFO, socket or device.
    NotRegular,
    BrokenLink,
    /// A directory link back to a directory the walk is inside of.
    Loop,
    /// A symbolic link to a place outside the walked directory and `--root`: that is this
    /// machine's file, not the deployment's (the ConfigMap's links stay inside).
    Outside(PathBuf),
    /// Another path reaches the same file, which is checked under that name (not counted as
    /// skipped: nothing goes unchecked).
    SameFile(String),
}

impl SkipReason {
    /// The words in the summary note (`2 not Redis configuration`).
    fn label(&self) -> &'static str {
        match self {
            SkipReason::NotConfig => "not Redis configuration",
            SkipReason::Unreadable(_) => "unreadable",
            SkipReason::NotRegular => "not a regular file",
            SkipReason::BrokenLink => "broken symbolic link",
            SkipReason::Loop => "symbolic link loop",
            SkipReason::Outside(_) => "link outside the walked directory",
            SkipReason::SameFile(_) => "same file",
        }
    }

    /// One file's reason, for `--verbose`.
    fn describe(&self) -> String {
        match self {
            SkipReason::NotConfig => {
                "skipped: not Redis configuration (neither its name nor its content is a redis, sentinel, ACL, sysctl, systemd, limits, Helm or Compose file; `--kind` forces one)".to_string()
            }
            SkipReason::Unreadable(e) => format!("skipped: unreadable ({e})"),
            SkipReason::NotRegular => "skipped: not a regular file".to_string(),
            SkipReason::BrokenLink => "skipped: broken symbolic link".to_string(),
            SkipReason::Loop => {
                "skipped: symbolic link loop (points to a directory that contains it)".to_string()
            }
            SkipReason::Outside(target) => format!(
                "skipped: symbolic link to {}, outside the walked directory and --root (this machine's file, not the deployment's; name it on the command line to check it)",
                target.display()
            ),
            SkipReason::SameFile(p) => format!("same file as {p}, checked once under that name"),
        }
    }

    fn counts(&self) -> bool {
        !matches!(self, SkipReason::SameFile(_))
    }
}

#[derive(Debug, Clone)]
pub struct Skipped {
    /// Path as displayed.
    pub path: String,
    pub reason: SkipReason,
}

/// What the walk found: the inputs, and what it left out.
#[derive(Debug, Default)]
pub struct Walked {
    /// Each input with where it lives on this machine (what `fix` writes back to).
    pub inputs: Vec<(Input, PathBuf)>,
    pub skipped: Vec<Skipped>,
    /// The directory PATHs walked (as displayed), for the notice.
    pub dirs: Vec<String>,
}

impl Walked {
    /// The notices to add to the report: one summary line, or one per file with `verbose`.
    pub fn notices(&self, verbose: bool) -> Vec<Notice> {
        let counted: Vec<&Skipped> = self.skipped.iter().filter(|s| s.reason.counts()).collect();
        let mut out = Vec::new();
        if !counted.is_empty() {
            let mut message = format!(
                "skipped {} file{} under {} ({})",
                counted.len(),
                if counted.len() == 1 { "" } else { "s" },
                self.dirs.join(", "),
                breakdown(&counted)
            );
            if !verbose {
                message.push_str("; --verbose lists them");
            }
            out.push(Notice {
                kind: "files-skipped",
                message,
                file: None,
                line: None,
                help: None,
            });
        }
        if verbose {
            out.extend(self.skipped.iter().map(|s| Notice {
                kind: "file-skipped",
                message: s.reason.describe(),
                file: Some(s.path.clone()),
                line: None,
                help: None,
            }));
        }
        out
    }

    /// The message when nothing at all is left to check (exit 2): an empty directory, or one
    /// without Redis configuration, must not pass as if it had been checked.
    pub fn nothing_to_check(&self) -> Option<String> {
        if !self.inputs.is_empty() {
            return None;
        }
        let counted: Vec<&Skipped> = self.skipped.iter().filter(|s| s.reason.counts()).collect();
        let dirs = self.dirs.join(", ");
        if counted.is_empty() {
            return Some(format!("nothing to check: found no files under {dirs}"));
        }
        Some(format!(
            "nothing to check: found {} file{} under {dirs}, none of them Redis configuration ({}; --verbose lists them); name a file to check it as a redis.conf, or force a kind with --kind",
            counted.len(),
            if counted.len() == 1 { "" } else { "s" },
            breakdown(&counted)
        ))
    }
}

/// `2 not Redis configuration, 1 unreadable`, in a stable order.
fn breakdown(skipped: &[&Skipped]) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for s in skipped {
        let label = s.reason.label();
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    counts.sort_by_key(|(l, n)| (std::cmp::Reverse(*n), *l));
    counts
        .iter()
        .map(|(l, n)| format!("{n} {l}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A regular file the walk found, before deciding under which path to check it.
struct Found {
    /// The path as walked (shown, and the host path inside `--root`).
    path: PathBuf,
    /// Where it is read from (and `fix` writes to) on this machine: `path`, except below a
    /// link with an absolute target inside `--root`, which points into the root.
    real: PathBuf,
    key: FileKey,
    size: u64,
}

/// State of one directory walk.
#[derive(Default)]
struct DirWalk {
    files: Vec<Found>,
    skipped: Vec<(PathBuf, SkipReason)>,
    /// How many times each directory was walked: a directory reached by several links is
    /// walked through each (so its files are found under the name a user sees, e.g. a visible
    /// `conf -> ..2024_…` beside the hidden original), up to [`MAX_DIR_VISITS`].
    visited: HashMap<FileKey, u32>,
    /// Where symbolic links may lead: the walked directory and `--root`, canonical.
    bounds: Vec<PathBuf>,
    /// `--root`: an absolute link target inside it names the target host's `/`.
    root: Option<PathBuf>,
}

impl DirWalk {
    /// Where a link with an absolute target points on the target host: under `--root`
    /// (`etc/redis/redis.conf -> /opt/redis/conf/redis.conf` in a host image). Anything else
    /// is returned as is.
    fn in_root(&self, path: &Path) -> PathBuf {
        let Some(root) = &self.root else {
            return path.to_path_buf();
        };
        match std::fs::read_link(path) {
            Ok(target) if target.is_absolute() => {
                root.join(target.strip_prefix("/").unwrap_or(&target))
            }
            _ => path.to_path_buf(),
        }
    }

    /// The target of a symbolic link that leads outside the bounds, if it does.
    fn outside(&self, link: &Path) -> Option<PathBuf> {
        let target = link.canonicalize().ok()?;
        (!self.bounds.iter().any(|b| target.starts_with(b))).then_some(target)
    }
}

pub struct Walker<'a> {
    pub root: Option<&'a Path>,
    pub kind: Option<Kind>,
    /// A file inside a mapped directory has the mapped host path (`[paths]`, `--map`).
    pub map: &'a PathMap,
}

impl Walker<'_> {
    /// Every input under the given paths, in a stable order, each file once.
    pub fn inputs(&self, paths: &[PathBuf]) -> Result<Walked, InputError> {
        let mut out = Walked::default();
        // Every file taken, by device and inode: never check one file twice.
        let mut taken: HashMap<FileKey, String> = HashMap::new();
        for path in paths {
            let meta = std::fs::metadata(path)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            if meta.is_dir() {
                out.dirs.push(dir_display(path));
                self.walk_top(path, &meta, &mut taken, &mut out)?;
            } else {
                if let Some(first) = taken.get(&key(&meta)) {
                    out.skipped.push(Skipped {
                        path: self.display(path),
                        reason: SkipReason::SameFile(first.clone()),
                    });
                    continue;
                }
                let bytes = read_bounded(path)
                    .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
                // A file named on the command line is checked: as a redis.conf when nothing
                // says otherwise.
                let kind = self
                    .kind
                    .or_else(|| kind::detect(&self.kind_path(path), &bytes))
                    .unwrap_or(Kind::Redis);
                let display = self.display(path);
                taken.insert(key(&meta), display.clone());
                out.inputs
                    .push((self.input(path, display, bytes, kind), path.clone()));
            }
        }
        Ok(out)
    }

    /// Standard input as if it were the file `name` (`--stdin-filename`): its kind from that
    /// name and the content, its host path (and so its relative includes) from where `name`
    /// is, whether or not such a file exists. Without a name it is `-`, a redis.conf unless
    /// the content or `--kind` says otherwise.
    pub fn stdin(&self, name: Option<&Path>, bytes: Vec<u8>) -> (Input, PathBuf) {
        let Some(name) = name else {
            let kind = self
                .kind
                .or_else(|| kind::detect("-", &bytes))
                .unwrap_or(Kind::Redis);
            let input = Input {
                path: "-".to_string(),
                host_path: None,
                bytes,
                kind,
            };
            return (input, PathBuf::from("-"));
        };
        let kind = self
            .kind
            .or_else(|| kind::detect(&self.kind_path(name), &bytes))
            .unwrap_or(Kind::Redis);
        let display = self.display(name);
        (self.input(name, display, bytes, kind), name.to_path_buf())
    }

    /// Walk one directory PATH and take its files.
    fn walk_top(
        &self,
        dir: &Path,
        meta: &std::fs::Metadata,
        taken: &mut HashMap<FileKey, String>,
        out: &mut Walked,
    ) -> Result<(), InputError> {
        let mut walk = DirWalk {
            bounds: [Some(dir), self.root]
                .into_iter()
                .flatten()
                .filter_map(|p| p.canonicalize().ok())
                .collect(),
            root: self.root.map(Path::to_path_buf),
            ..DirWalk::default()
        };
        walk.visited.insert(key(meta), 1);
        let mut ancestors = vec![key(meta)];
        walk_dir(dir, dir, &mut ancestors, &mut walk)
            .map_err(|e| InputError(format!("{}: {e}", dir.display())))?;
        for (path, reason) in walk.skipped {
            out.skipped.push(Skipped {
                path: self.display(&path),
                reason,
            });
        }
        for (found, aliases) in pick_names(walk.files) {
            let display = self.display(&found.path);
            if let Some(first) = taken.get(&found.key) {
                out.skipped.push(Skipped {
                    path: display,
                    reason: SkipReason::SameFile(first.clone()),
                });
                continue;
            }
            for alias in aliases {
                out.skipped.push(Skipped {
                    path: self.display(&alias),
                    reason: SkipReason::SameFile(display.clone()),
                });
            }
            match self.take(&found) {
                Ok(Some((bytes, kind))) => {
                    taken.insert(found.key, display.clone());
                    let input = self.input(&found.path, display, bytes, kind);
                    out.inputs.push((input, found.real));
                }
                // redlint's own settings file is not a config it skipped.
                Ok(None) if found.path.file_name().is_some_and(|n| n == "redlint.toml") => {}
                Ok(None) => out.skipped.push(Skipped {
                    path: display,
                    reason: SkipReason::NotConfig,
                }),
                Err(e) => out.skipped.push(Skipped {
                    path: display,
                    reason: SkipReason::Unreadable(e),
                }),
            }
        }
        Ok(())
    }

    /// Read a walked file and decide its kind: `None` when it is not a file redlint reads.
    fn take(&self, found: &Found) -> Result<Option<(Vec<u8>, Kind)>, String> {
        let kind_path = self.kind_path(&found.path);
        let named = kind::from_path(&kind_path);
        if self.kind.is_none() && named.is_none() && found.size > MAX_SNIFF {
            return Ok(None);
        }
        let bytes = read_bounded(&found.real).map_err(|e| e.to_string())?;
        let kind = self.kind.or_else(|| kind::detect(&kind_path, &bytes));
        Ok(kind.map(|k| (bytes, k)))
    }

    fn input(&self, file: &Path, display: String, bytes: Vec<u8>, kind: Kind) -> Input {
        Input {
            path: display,
            host_path: self.host_path(file),
            bytes,
            kind,
        }
    }

    /// The path judged for kind detection: inside the root when there is one.
    fn kind_path(&self, file: &Path) -> String {
        self.host_path(file)
            .unwrap_or_else(|| file.to_string_lossy().into_owned())
    }

    /// Displayed path: relative to `--root` when inside it, else as given (a symbolic link
    /// keeps its own name: it is the name the user wrote and Redis is given).
    fn display(&self, file: &Path) -> String {
        if let Some(root) = self.root {
            if let Ok(rel) = file.strip_prefix(root) {
                return rel.to_string_lossy().into_owned();
            }
            if let (Some(f), Ok(r)) = (absolute(file), root.canonicalize()) {
                if let Ok(rel) = f.strip_prefix(&r) {
                    return rel.to_string_lossy().into_owned();
                }
            }
        }
        let s = file.to_string_lossy();
        s.strip_prefix("./").unwrap_or(&s).to_string()
    }

    /// The file's absolute path on the target host: its path inside `--root` as laid out
    /// (a directory link `etc/redis -> ../opt/redis/conf` keeps `/etc/redis/…`, the path Redis
    /// is given), else resolved.
    fn host_path(&self, file: &Path) -> Option<String> {
        let abs = absolute(file)?;
        // A mapped directory says where its files live on the host (it wins over `--root`).
        if let Some(mapped) = self.map.host_path(&abs) {
            return Some(mapped);
        }
        if let Some(rel) = self.root.and_then(|r| file.strip_prefix(r).ok()) {
            return Some(redlint_core::fs::normalize(&rel.to_string_lossy()));
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

/// A directory PATH as the user wrote it (`deploy/`, `.`).
fn dir_display(dir: &Path) -> String {
    let s = dir.to_string_lossy();
    let s = s.strip_prefix("./").filter(|r| !r.is_empty()).unwrap_or(&s);
    s.to_string()
}

/// The absolute path of a file with its directory resolved but its own name kept: a symbolic
/// link to `..data/redis.conf` stays `…/redis.conf`.
fn absolute(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?;
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

/// Walk `dir`, following symbolic links; `ancestors` are the directories the walk is inside.
/// `dir` is the directory as walked (what is shown), `real` where it is on this machine.
fn walk_dir(
    dir: &Path,
    real: &Path,
    ancestors: &mut Vec<FileKey>,
    walk: &mut DirWalk,
) -> std::io::Result<()> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(real)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = dir.join(entry.file_name());
        let real = walk.in_root(&entry.path());
        let meta = match std::fs::metadata(&real) {
            Ok(m) => m,
            Err(e) => {
                let link = entry.file_type().is_ok_and(|t| t.is_symlink());
                let reason = match e.raw_os_error() {
                    // ELOOP: a chain of links that never ends.
                    Some(40) => SkipReason::Loop,
                    _ if link && e.kind() == std::io::ErrorKind::NotFound => SkipReason::BrokenLink,
                    _ => SkipReason::Unreadable(e.to_string()),
                };
                walk.skipped.push((path, reason));
                continue;
            }
        };
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            if let Some(target) = walk.outside(&real) {
                walk.skipped.push((path, SkipReason::Outside(target)));
                continue;
            }
        }
        if meta.is_dir() {
            let name = entry.file_name();
            if SKIP_DIRS.iter().any(|s| name == *s) {
                continue;
            }
            let k = key(&meta);
            if ancestors.contains(&k) {
                walk.skipped.push((path, SkipReason::Loop));
                continue;
            }
            let visits = walk.visited.entry(k).or_insert(0);
            if *visits >= MAX_DIR_VISITS {
                continue;
            }
            *visits += 1;
            ancestors.push(k);
            let result = walk_dir(&path, &real, ancestors, walk);
            ancestors.pop();
            if let Err(e) = result {
                walk.skipped
                    .push((path, SkipReason::Unreadable(e.to_string())));
            }
        } else if meta.is_file() {
            walk.files.push(Found {
                path,
                real,
                key: key(&meta),
                size: meta.len(),
            });
        } else {
            walk.skipped.push((path, SkipReason::NotRegular));
        }
    }
    Ok(())
}

/// Group the paths that reach one file and pick the one a user sees: fewest hidden
/// components (`..data`, `..2024_…` are the ConfigMap's machinery), then the shortest, then
/// the first by name. Returns each file with its other paths, sorted by the chosen path.
fn pick_names(files: Vec<Found>) -> Vec<(Found, Vec<PathBuf>)> {
    let mut groups: HashMap<FileKey, Vec<Found>> = HashMap::new();
    for f in files {
        groups.entry(f.key).or_default().push(f);
    }
    let mut out: Vec<(Found, Vec<PathBuf>)> = groups
        .into_values()
        .map(|mut group| {
            group.sort_by_key(|f| {
                let hidden = f
                    .path
                    .components()
                    .filter(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                    .count();
                (hidden, f.path.components().count(), f.path.clone())
            });
            let mut it = group.into_iter();
            let first = it.next().expect("a group has a file");
            (first, it.map(|f| f.path).collect())
        })
        .collect();
    out.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    out
}
