//! Atomic writes that keep mode and owner: nothing a user wrote is ever lost or torn.
//!
//! Every new content is first written to a temporary file beside its target (same directory,
//! so the rename cannot cross filesystems), synced, given the target's mode and owner; only when
//! all temporaries exist are they renamed over their targets. A failure before that point
//! removes the temporaries and leaves every file as it was.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One file of the core's write plan, found on this machine.
pub struct Write {
    pub target: PathBuf,
    pub bytes: Vec<u8>,
    /// Mode of the file if it does not exist yet (an existing one keeps its own).
    pub new_file_mode: u32,
    /// What the target must still hold when it is replaced.
    pub original: Original,
}

/// What a target held when redlint read it: one that no longer holds it was changed by
/// someone else meanwhile, and is not overwritten.
pub enum Original {
    /// It did not exist.
    Absent,
    /// These bytes (a config redlint read and fixed).
    Held(Vec<u8>),
    /// Whatever it holds: redlint's own output (a report, a diff) replaces it, so it is not
    /// read back to be compared.
    Unchecked,
}

/// Why `w`'s target may not be replaced: it no longer holds what was read.
fn changed_since_read(w: &Write) -> Option<String> {
    let expected = match &w.original {
        Original::Unchecked => return None,
        Original::Absent => None,
        Original::Held(bytes) => Some(bytes),
    };
    let now = match fs::read(&w.target) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Some(e.to_string()),
    };
    if now.as_ref() == expected {
        return None;
    }
    Some(match (expected, now) {
        (None, _) => "was created by someone else since redlint looked".to_string(),
        (Some(_), None) => "was deleted by someone else since redlint read it".to_string(),
        (Some(_), Some(_)) => "was changed by someone else since redlint read it".to_string(),
    })
}

pub fn write_all_atomically(files: &[Write]) -> Result<(), String> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let unstage = |staged: &[(PathBuf, PathBuf)]| {
        for (temp, _) in staged {
            let _ = fs::remove_file(temp);
        }
    };
    for w in files {
        if let Some(why) = changed_since_read(w) {
            return Err(format!(
                "{}: {why}; run redlint again on the new content (no file was changed)",
                w.target.display()
            ));
        }
    }
    for Write {
        target,
        bytes,
        new_file_mode,
        ..
    } in files
    {
        match stage(target, bytes, *new_file_mode) {
            Ok(temp) => staged.push((temp, target.clone())),
            Err(e) => {
                unstage(&staged);
                return Err(format!("{}: {e} (no file was changed)", target.display()));
            }
        }
    }
    // Checked again last thing before the renames: the window for a lost edit is as small as
    // it can be without locking other editors out.
    for w in files {
        if let Some(why) = changed_since_read(w) {
            unstage(&staged);
            return Err(format!(
                "{}: {why}; run redlint again on the new content (no file was changed)",
                w.target.display()
            ));
        }
    }
    for (i, (temp, target)) in staged.iter().enumerate() {
        let real = fs::canonicalize(target).unwrap_or_else(|_| target.clone());
        if let Err(e) = fs::rename(temp, &real) {
            for (t, _) in &staged[i..] {
                let _ = fs::remove_file(t);
            }
            return Err(format!(
                "{}: {e} (files before it were fixed, it and the rest were left as they were)",
                target.display()
            ));
        }
        if let Some(dir) = real.parent() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(())
}

fn stage(target: &Path, bytes: &[u8], new_file_mode: u32) -> std::io::Result<PathBuf> {
    // Write beside the real file when the target is a symlink, so the link survives. A file
    // that does not exist yet gets the plan's mode (private: it may hold notes about
    // credentials).
    let (real, meta) = match fs::canonicalize(target) {
        Ok(real) => {
            let meta = fs::metadata(&real)?;
            (real, Some(meta))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (target.to_path_buf(), None),
        Err(e) => return Err(e),
    };
    let dir = real.parent().unwrap_or(Path::new("."));
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 0u32;
    let (temp, mut file) = loop {
        let candidate = dir.join(format!(".{name}.redlint-{}-{n}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&candidate)
        {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        let Some(meta) = &meta else {
            fs::set_permissions(&temp, fs::Permissions::from_mode(new_file_mode))?;
            return Ok(());
        };
        // Owner first (it may clear set-id bits), then the mode.
        if let Err(e) = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid())) {
            if e.kind() != std::io::ErrorKind::PermissionDenied {
                return Err(e);
            }
        }
        fs::set_permissions(&temp, fs::Permissions::from_mode(meta.permissions().mode()))?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(target: &Path, bytes: &[u8]) -> Write {
        Write {
            target: target.to_path_buf(),
            bytes: bytes.to_vec(),
            new_file_mode: 0o600,
            original: fs::read(target).map_or(Original::Absent, Original::Held),
        }
    }

    #[test]
    fn keeps_mode_and_replaces_content() {
        let dir = std::env::temp_dir().join(format!("redlint-write-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.conf");
        fs::write(&a, b"old\n").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.join("link.conf");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        write_all_atomically(&[w(&link, b"new\n")]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new\n");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::metadata(&a).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // A failure while staging changes nothing.
        let missing = dir.join("nope/b.conf");
        let err = write_all_atomically(&[w(&a, b"newer\n"), w(&missing, b"x")]);
        assert!(err.is_err());
        assert_eq!(fs::read(&a).unwrap(), b"new\n");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_overwritten() {
        let dir = std::env::temp_dir().join(format!("redlint-race-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.conf");
        let b = dir.join("b.conf");
        fs::write(&a, b"old a\n").unwrap();
        fs::write(&b, b"old b\n").unwrap();
        let plan = [w(&a, b"new a\n"), w(&b, b"new b\n")];
        // Someone edits b after redlint read it: nothing is written, the error names b.
        fs::write(&b, b"their edit\n").unwrap();
        let err = write_all_atomically(&plan).unwrap_err();
        assert!(
            err.contains("b.conf") && err.contains("changed by someone else"),
            "{err}"
        );
        assert_eq!(fs::read(&a).unwrap(), b"old a\n");
        assert_eq!(fs::read(&b).unwrap(), b"their edit\n");
        // Deleted meanwhile, or created where redlint planned a new file: refused too.
        fs::remove_file(&b).unwrap();
        let err = write_all_atomically(&plan).unwrap_err();
        assert!(err.contains("deleted by someone else"), "{err}");
        let c = dir.join("c.conf");
        let create = [w(&c, b"mine\n")];
        fs::write(&c, b"theirs\n").unwrap();
        let err = write_all_atomically(&create).unwrap_err();
        assert!(err.contains("created by someone else"), "{err}");
        assert_eq!(fs::read(&c).unwrap(), b"theirs\n");
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A disk that fills up half-way through the write (a 64 KiB tmpfs, when this process may
    /// mount one): the error names the file, and the file keeps every byte it had.
    #[test]
    fn a_full_disk_half_way_loses_nothing() {
        use std::process::Command;
        let dir = std::env::temp_dir().join(format!("redlint-full-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            eprintln!("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): skipped");
            let _ = fs::remove_dir_all(&dir);
            return;
        }
        let a = dir.join("redis.conf");
        let old = vec![b'#'; 40 * 1024];
        fs::write(&a, &old).unwrap();
        let err = write_all_atomically(&[w(&a, &vec![b'x'; 40 * 1024])]).unwrap_err();
        let leftovers = fs::read_dir(&dir).unwrap().count();
        let kept = fs::read(&a).unwrap();
        // The same file on a read-only filesystem (root ignores a file's own mode bits).
        let small = dir.join("small.conf");
        fs::write(&small, b"port 1\n").unwrap();
        let plan = [w(&small, b"port 2\n")];
        let ro = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        let ro_err = ro.then(|| write_all_atomically(&plan));
        let ro_kept = fs::read(&small).unwrap();
        let _ = Command::new("umount").arg(&dir).status();
        let _ = fs::remove_dir_all(&dir);
        assert!(
            err.contains("redis.conf") && err.contains("no file was changed"),
            "{err}"
        );
        assert!(kept == old, "the file was changed by a failed write");
        assert_eq!(leftovers, 1, "a temporary file was left behind");
        if let Some(r) = ro_err {
            let err = r.unwrap_err();
            assert!(
                err.contains("small.conf") && err.contains("Read-only"),
                "{err}"
            );
            assert_eq!(ro_kept, b"port 1\n");
        }
    }
}
