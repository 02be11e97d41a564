//! Applying fixes: byte-range edits on the lossless documents, repeated until nothing more is
//! fixable, so comments, order and spacing survive and a second run changes nothing.

use std::collections::{BTreeMap, HashMap};

use crate::finding::{Applicability, Edit, FileWrite, Finding};
use crate::fs::{FileSystem, FsError, Metadata};
use crate::{check, Input, Options, Report};

/// A file whose content the fixes changed.
#[derive(Debug, Clone)]
pub struct FixedFile {
    /// Path as reported.
    pub path: String,
    /// Path on the target host, when known (referenced files are only known this way).
    pub host_path: Option<String>,
    pub kind: crate::Kind,
    pub original: Vec<u8>,
    pub fixed: Vec<u8>,
    /// A file the fixes create (it did not exist): e.g. the sidecar of an ACL file's comments.
    pub created: bool,
}

#[derive(Debug)]
pub struct FixOutcome {
    pub files: Vec<FixedFile>,
    /// Number of fixes applied over all passes.
    pub applied: usize,
    /// The check of the fixed files, with the caller's options (secrets redacted as asked).
    pub report: Report,
}

/// A file the fixes create is private (0600): it may hold notes about credentials (the
/// comments moved out of an ACL file).
pub const CREATED_FILE_MODE: u32 = 0o600;

/// One file to write after a fix run. The writes of a run belong together: a front applies
/// all of them or none (the CLI stages every file before renaming any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWrite {
    /// Path as reported (a given file's path, or the display path of a referenced one).
    pub path: String,
    /// Path on the target host, when known: how a front finds a referenced or created file.
    pub host_path: Option<String>,
    pub kind: crate::Kind,
    /// The file's whole new content.
    pub bytes: Vec<u8>,
    /// The content it replaces (empty for a created file).
    pub original: Vec<u8>,
    /// The permission bits the file gets if it does not exist yet; an existing file keeps
    /// its own mode and owner.
    pub new_file_mode: u32,
    /// The fixes create this file.
    pub created: bool,
}

impl FixOutcome {
    /// What to write, in the order of [`FixOutcome::files`]: the one plan every front
    /// executes (the CLI on disk, the browser page in its tabs).
    pub fn write_plan(&self) -> Vec<PlannedWrite> {
        self.files
            .iter()
            .map(|f| PlannedWrite {
                path: f.path.clone(),
                host_path: f.host_path.clone(),
                kind: f.kind,
                bytes: f.fixed.clone(),
                original: f.original.clone(),
                new_file_mode: CREATED_FILE_MODE,
                created: f.created,
            })
            .collect()
    }
}

/// Passes are bounded: a fix that keeps re-triggering cannot loop forever.
const MAX_PASSES: usize = 8;

/// Apply every fix of the wanted applicability, pass after pass, until none is left.
pub fn fix(
    inputs: Vec<Input>,
    fs: &dyn FileSystem,
    options: &Options,
    unsafe_fixes: bool,
) -> FixOutcome {
    let mut current = inputs;
    let originals: Vec<Vec<u8>> = current.iter().map(|i| i.bytes.clone()).collect();
    let mut overlay = Overlay {
        base: fs,
        files: HashMap::new(),
    };
    let mut referenced_originals: BTreeMap<String, (String, crate::Kind, Vec<u8>)> =
        BTreeMap::new();
    // Files written whole: host path → (reported path, content before, if it existed).
    let mut created: BTreeMap<String, (String, Option<Vec<u8>>)> = BTreeMap::new();
    let mut applied = 0;
    // Fixes need the real text of secrets (e.g. hashing a password); outputs redact later.
    let internal = Options {
        show_secrets: true,
        ..options.clone()
    };
    for _ in 0..MAX_PASSES {
        let report = check(current.clone(), &overlay, &internal);
        let wanted = |f: &&Finding| {
            f.fix
                .as_ref()
                .is_some_and(|fx| fx.applicability == Applicability::Safe || unsafe_fixes)
        };
        // Choose fixes whose edits overlap no edit already chosen (per file).
        let mut chosen: HashMap<String, Vec<Edit>> = HashMap::new();
        let mut writes: Vec<FileWrite> = Vec::new();
        let mut count = 0;
        for finding in report.findings.iter().filter(wanted) {
            let fix = finding.fix.as_ref().expect("filtered");
            let edits = &fix.edits;
            let clashes = edits.iter().any(|e| {
                chosen
                    .get(&e.file)
                    .is_some_and(|v| v.iter().any(|c| overlaps(c, e)))
            }) || fix
                .writes
                .iter()
                .any(|w| writes.iter().any(|c| c.host_path == w.host_path));
            if clashes || edits.is_empty() && fix.writes.is_empty() {
                continue;
            }
            for e in edits {
                chosen.entry(e.file.clone()).or_default().push(e.clone());
            }
            writes.extend(fix.writes.iter().cloned());
            count += 1;
        }
        for w in writes {
            created
                .entry(w.host_path.clone())
                .or_insert_with(|| (w.file.clone(), overlay.base.read(&w.host_path).ok()));
            overlay.files.insert(w.host_path, w.content.into_bytes());
        }
        if count == 0 {
            break;
        }
        applied += count;
        for (path, edits) in chosen {
            if let Some(input) = current.iter_mut().find(|i| i.path == path) {
                input.bytes = apply_edits(&input.bytes, &edits);
                continue;
            }
            // A referenced file (an include target, the ACL file): fixed through the overlay.
            if let Some(file) = report
                .workspace
                .files
                .iter()
                .find(|f| f.source.path == path)
            {
                if let Some(host) = &file.host_path {
                    referenced_originals
                        .entry(host.clone())
                        .or_insert_with(|| (path.clone(), file.kind, file.source.bytes.clone()));
                    let fixed = apply_edits(&file.source.bytes, &edits);
                    overlay.files.insert(host.clone(), fixed);
                }
            }
        }
    }
    let mut files: Vec<FixedFile> = current
        .iter()
        .zip(originals)
        .filter(|(i, o)| i.bytes != *o)
        .map(|(i, o)| FixedFile {
            path: i.path.clone(),
            host_path: i.host_path.clone(),
            kind: i.kind,
            original: o,
            fixed: i.bytes.clone(),
            created: false,
        })
        .collect();
    for (host, (path, kind, original)) in referenced_originals {
        let fixed = overlay.files.get(&host).cloned().unwrap_or_default();
        if fixed != original {
            files.push(FixedFile {
                path,
                host_path: Some(host),
                kind,
                original,
                fixed,
                created: false,
            });
        }
    }
    for (host, (path, before)) in created {
        let fixed = overlay.files.get(&host).cloned().unwrap_or_default();
        files.push(FixedFile {
            path,
            host_path: Some(host),
            kind: crate::Kind::Acl,
            created: before.is_none(),
            original: before.unwrap_or_default(),
            fixed,
        });
    }
    let report = check(current, &overlay, options);
    FixOutcome {
        files,
        applied,
        report,
    }
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    // Two insertions at the same point also clash: their order would be arbitrary.
    a.file == b.file && (a.start < b.end && b.start < a.end || a.start == b.start)
}

/// Apply non-overlapping edits (any order) to `bytes`.
pub fn apply_edits(bytes: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0usize;
    for e in sorted {
        let (s, t) = (e.start as usize, e.end as usize);
        if s < pos || t > bytes.len() || s > t {
            continue; // overlapping or out of range: skipped, never torn
        }
        out.extend_from_slice(&bytes[pos..s]);
        out.extend_from_slice(e.replacement.as_bytes());
        pos = t;
    }
    out.extend_from_slice(&bytes[pos..]);
    out
}

/// The host as it will be after the fixes: fixed referenced files shadow the base.
struct Overlay<'a> {
    base: &'a dyn FileSystem,
    files: HashMap<String, Vec<u8>>,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        match self.files.get(path) {
            Some(b) => Ok(b.clone()),
            None => self.base.read(path),
        }
    }
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        self.base.metadata(path)
    }
    fn read_dir(&self, path: &str) -> Result<Vec<crate::fs::DirEntry>, FsError> {
        self.base.read_dir(path)
    }
    fn display_path(&self, host_path: &str) -> String {
        self.base.display_path(host_path)
    }
    fn resolves(&self, host: &str) -> Option<bool> {
        self.base.resolves(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemoryFs;

    #[test]
    fn write_plan_has_every_fixed_file_and_creates_the_sidecar_private() {
        let acl = "# the app\nuser app on >app-password-1234567 ~app:* +@read\n";
        let mut fs = MemoryFs::new();
        fs.insert("/etc/redis/users.acl", acl);
        let input = Input {
            path: "users.acl".into(),
            host_path: Some("/etc/redis/users.acl".into()),
            bytes: acl.as_bytes().to_vec(),
            kind: crate::Kind::Acl,
        };
        let outcome = fix(vec![input], &fs, &Options::default(), true);
        let plan = outcome.write_plan();
        assert_eq!(plan.len(), outcome.files.len());
        let acl_write = plan.iter().find(|w| w.path == "users.acl").unwrap();
        assert!(!acl_write.created);
        assert!(!String::from_utf8_lossy(&acl_write.bytes).contains("# the app"));
        let sidecar = plan.iter().find(|w| w.created).unwrap();
        assert_eq!(sidecar.new_file_mode, 0o600);
        assert!(sidecar.original.is_empty());
        assert!(String::from_utf8_lossy(&sidecar.bytes).contains("the app"));
    }
}
