//! The target host as the user Redis runs as sees it: who that user is, and whether it may
//! search, read, write or execute a path. Decided from modes, owners and `/etc/passwd` +
//! `/etc/group`, all read through the [`FileSystem`] (so a `--root` host image works); no I/O
//! of its own. Only used by host checks, i.e. on the target host (`--on-host`).
//!
//! Who Redis runs as, in order: `--run-as USER`; the `User=` of the deployment's redis-server
//! systemd unit (and drop-ins); `redis` when the host's `/etc/passwd` has it. Otherwise the
//! user is unknown and only existence is checked, never permissions.

use crate::check::Context;
use crate::fs::{self, FileSystem, FsError, Metadata};

/// Read, write and search/execute, as in `access(2)`'s `R_OK`, `W_OK`, `X_OK`.
pub const R: u32 = 4;
pub const W: u32 = 2;
pub const X: u32 = 1;

/// The user redis-server runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub name: String,
    pub uid: u32,
    /// Primary group first, then the groups `/etc/group` lists the user in.
    pub gids: Vec<u32>,
}

impl RunAs {
    pub fn root() -> RunAs {
        RunAs {
            name: "root".to_string(),
            uid: 0,
            gids: vec![0],
        }
    }
}

/// Who Redis runs as on the target host (see the module documentation); `None` when that
/// cannot be told. Call only with the target host's filesystem.
pub fn run_as(ctx: &Context<'_>, host: &dyn FileSystem) -> Option<RunAs> {
    let name = match &ctx.options.run_as {
        Some(n) => n.clone(),
        None => match super::kernel::service_setting(ctx, "User") {
            Some(unit) => unit.value,
            None => "redis".to_string(),
        },
    };
    let passwd = host.read("/etc/passwd").ok();
    let group = host.read("/etc/group").ok();
    let explicit = ctx.options.run_as.is_some();
    user(
        &name,
        passwd.as_deref().map(String::from_utf8_lossy).as_deref(),
        group.as_deref().map(String::from_utf8_lossy).as_deref(),
    )
    .or_else(|| (explicit && name == "root").then(RunAs::root))
}

/// Look a user up by name (or numeric uid) in `passwd` and `group` texts.
pub fn user(name: &str, passwd: Option<&str>, group: Option<&str>) -> Option<RunAs> {
    if name == "root" || name == "0" {
        return Some(RunAs::root());
    }
    let entry = passwd?.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 4 && (f[0] == name || f[2] == name)).then_some(f)
    })?;
    let uid: u32 = entry[2].parse().ok()?;
    let mut gids = vec![entry[3].parse().ok()?];
    for l in group.unwrap_or_default().lines() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() >= 4 && f[3].split(',').any(|m| m.trim() == entry[0]) {
            if let Ok(g) = f[2].parse::<u32>() {
                if !gids.contains(&g) {
                    gids.push(g);
                }
            }
        }
    }
    Some(RunAs {
        name: entry[0].to_string(),
        uid,
        gids,
    })
}

/// May `user` do `want` (a mix of [`R`], [`W`], [`X`]) on a path with these metadata? The
/// kernel's rule: exactly one class of bits applies (owner, else group, else others); root
/// passes all but execute of a file with no execute bit at all.
pub fn allowed(m: &Metadata, user: &RunAs, want: u32) -> bool {
    if user.uid == 0 {
        return want & X == 0 || m.is_dir() || m.executable();
    }
    let bits = if m.uid == user.uid {
        (m.mode >> 6) & 7
    } else if user.gids.contains(&m.gid) {
        (m.mode >> 3) & 7
    } else {
        m.mode & 7
    };
    bits & want == want
}

/// What became of an access check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Ok(Metadata),
    /// The path (or a directory on the way) does not exist; the errno text Redis prints.
    Missing(&'static str),
    /// The user may not pass `at` (a directory on the way, or the path itself).
    Denied {
        at: String,
        meta: Metadata,
    },
    /// The filesystem could not tell.
    Unknown,
}

/// Directories every Linux host has (FHS), even when a `--root` image leaves them out, with
/// their usual modes.
fn standard_dir(path: &str) -> Option<Metadata> {
    match path {
        "/root" => Some(Metadata::dir(0o700)),
        "/tmp" | "/var/tmp" | "/dev/shm" => Some(Metadata::dir(0o1777)),
        "/" | "/var" | "/var/lib" | "/var/log" | "/var/run" | "/run" | "/etc" | "/usr"
        | "/usr/local" | "/opt" | "/srv" | "/home" | "/mnt" | "/dev" => Some(Metadata::dir(0o755)),
        _ => None,
    }
}

/// The metadata of a host path; standard directories a host image lacks are assumed.
pub fn stat(host: &dyn FileSystem, path: &str) -> Result<Metadata, FsError> {
    match host.metadata(path) {
        Err(FsError::NotFound) => standard_dir(path).ok_or(FsError::NotFound),
        other => other,
    }
}

/// `access(path, want)` for `user` (`None`: unknown, only existence is checked): every
/// directory on the way must exist and be searchable, then the path must allow `want`.
pub fn access(host: &dyn FileSystem, user: Option<&RunAs>, path: &str, want: u32) -> Access {
    let path = fs::normalize(path);
    let mut at = String::new();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut dirs = vec!["/".to_string()];
    for p in &parts[..parts.len().saturating_sub(1)] {
        at.push('/');
        at.push_str(p);
        dirs.push(at.clone());
    }
    for d in dirs {
        match stat(host, &d) {
            Ok(m) if !m.is_dir() => return Access::Missing("Not a directory"),
            Ok(m) => {
                if user.is_some_and(|u| !allowed(&m, u, X)) {
                    return Access::Denied { at: d, meta: m };
                }
            }
            Err(FsError::NotFound) => return Access::Missing("No such file or directory"),
            Err(_) => return Access::Unknown,
        }
    }
    match stat(host, &path) {
        Ok(m) if user.is_some_and(|u| !allowed(&m, u, want)) => {
            Access::Denied { at: path, meta: m }
        }
        Ok(m) => Access::Ok(m),
        Err(FsError::NotFound) => Access::Missing("No such file or directory"),
        Err(_) => Access::Unknown,
    }
}

/// Can `user` create or rewrite the file at `path` (`open(O_WRONLY|O_CREAT)`, `bind` of a
/// socket)? An existing file must be writable; a new one needs a writable directory.
/// `replace`: the old file is removed first (a Unix socket), so only the directory counts.
pub fn create(host: &dyn FileSystem, user: Option<&RunAs>, path: &str, replace: bool) -> Access {
    let path = fs::normalize(path);
    let dir = fs::parent(&path).to_string();
    match access(host, user, &dir, W | X) {
        Access::Ok(m) | Access::Denied { meta: m, .. } if !m.is_dir() => {
            Access::Missing("Not a directory")
        }
        Access::Ok(m) if !replace => match access(host, user, &path, W) {
            Access::Ok(f) if f.is_dir() => Access::Missing("Is a directory"),
            Access::Missing(_) => Access::Ok(m),
            other => other,
        },
        // The directory is not writable, but an existing writable file still opens.
        Access::Denied { at, meta } if !replace && at == dir => {
            match access(host, user, &path, W) {
                ok @ Access::Ok(_) => ok,
                _ => Access::Denied { at, meta },
            }
        }
        other => other,
    }
}

/// How a denial is explained: `` `/root` (mode 0700, owner 0:0) ``.
pub fn describe(at: &str, meta: &Metadata) -> String {
    format!(
        "`{at}` (mode {:04o}, owner {}:{})",
        meta.mode & 0o7777,
        meta.uid,
        meta.gid
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemoryFs;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\nredis:x:102:105::/var/lib/redis:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\nredis:x:105:\nssl-cert:x:110:redis\n";

    fn redis() -> RunAs {
        user("redis", Some(PASSWD), Some(GROUP)).unwrap()
    }

    #[test]
    fn users_come_from_passwd_and_group() {
        assert_eq!(
            redis(),
            RunAs {
                name: "redis".into(),
                uid: 102,
                gids: vec![105, 110]
            }
        );
        assert_eq!(user("root", None, None), Some(RunAs::root()));
        assert_eq!(user("redis", None, None), None);
        assert_eq!(user("nobody", Some(PASSWD), None), None);
        assert_eq!(user("102", Some(PASSWD), None).unwrap().name, "redis");
    }

    #[test]
    fn one_class_of_bits_applies() {
        let r = redis();
        let mut m = Metadata::dir(0o070);
        m.gid = 105;
        // Owner class applies to the owner, even when the group would allow.
        m.uid = 102;
        assert!(!allowed(&m, &r, X));
        m.uid = 0;
        assert!(allowed(&m, &r, R | W | X));
        // Supplementary groups count.
        let mut key = Metadata::file(0o640);
        key.gid = 110;
        assert!(allowed(&key, &r, R));
        assert!(!allowed(&key, &r, W));
        // Root passes everything but executing a file without any x bit.
        assert!(allowed(&Metadata::dir(0), &RunAs::root(), R | W | X));
        assert!(!allowed(&Metadata::file(0o644), &RunAs::root(), X));
        assert!(allowed(&Metadata::file(0o744), &RunAs::root(), X));
    }

    #[test]
    fn every_directory_on_the_way_must_be_searchable() {
        let mut fs = MemoryFs::new();
        fs.insert_dir("/srv/private/data");
        fs.set_mode("/srv/private", 0o700);
        let r = redis();
        assert!(matches!(
            access(&fs, Some(&r), "/srv/private/data", X),
            Access::Denied { at, .. } if at == "/srv/private"
        ));
        assert!(matches!(
            access(&fs, Some(&r), "/root", X),
            Access::Denied { at, .. } if at == "/root"
        ));
        assert!(matches!(access(&fs, None, "/root", X), Access::Ok(_)));
        assert!(matches!(
            access(&fs, Some(&RunAs::root()), "/srv/private/data", W | X),
            Access::Ok(_)
        ));
        assert_eq!(
            access(&fs, Some(&r), "/srv/nope/x", X),
            Access::Missing("No such file or directory")
        );
    }

    #[test]
    fn creating_needs_a_writable_directory_or_a_writable_file() {
        let mut fs = MemoryFs::new();
        fs.insert_dir("/var/log/redis");
        fs.insert("/var/log/redis/old.log", "");
        fs.set_owner("/var/log/redis/old.log", 102, 105);
        let r = redis();
        assert!(matches!(
            create(&fs, Some(&r), "/var/log/redis/new.log", false),
            Access::Denied { at, .. } if at == "/var/log/redis"
        ));
        assert!(matches!(
            create(&fs, Some(&r), "/var/log/redis/old.log", false),
            Access::Ok(_)
        ));
        // A socket is unlinked and bound again: the directory decides.
        assert!(matches!(
            create(&fs, Some(&r), "/var/log/redis/old.log", true),
            Access::Denied { .. }
        ));
        fs.set_owner("/var/log/redis", 102, 105);
        assert!(matches!(
            create(&fs, Some(&r), "/var/log/redis/new.log", false),
            Access::Ok(_)
        ));
        assert_eq!(
            create(&fs, Some(&r), "/var/log/nope/new.log", false),
            Access::Missing("No such file or directory")
        );
        // A file where the directory should be, for root and for the user.
        for u in [Some(&RunAs::root()), Some(&r)] {
            assert_eq!(
                create(&fs, u, "/var/log/redis/old.log/x.log", false),
                Access::Missing("Not a directory")
            );
        }
    }

    /// The RL018 findings of a check on the target host.
    fn denied_lines(inputs: Vec<crate::Input>, fs: &MemoryFs, run_as: Option<&str>) -> Vec<String> {
        let options = crate::Options {
            on_host: true,
            run_as: run_as.map(str::to_string),
            ..crate::Options::default()
        };
        crate::check(inputs, fs, &options)
            .findings
            .into_iter()
            .filter(|f| f.code == "RL018")
            .map(|f| f.message)
            .collect()
    }

    fn input(path: &str, text: &str, kind: crate::Kind) -> crate::Input {
        crate::Input {
            path: path.trim_start_matches('/').to_string(),
            host_path: Some(path.to_string()),
            bytes: text.as_bytes().to_vec(),
            kind,
        }
    }

    #[test]
    fn the_user_comes_from_run_as_then_the_unit_then_redis() {
        let mut fs = MemoryFs::new();
        fs.insert(
            "/etc/passwd",
            format!("{PASSWD}valkey:x:103:106::/var/lib/valkey:/usr/sbin/nologin\n"),
        );
        fs.insert("/etc/group", GROUP);
        fs.insert_dir("/var/lib/redis");
        fs.set_owner("/var/lib/redis", 102, 105);
        fs.set_mode("/var/lib/redis", 0o700);
        let conf = || {
            input(
                "/etc/redis/redis.conf",
                "dir /var/lib/redis\n",
                crate::Kind::Redis,
            )
        };
        let unit = || {
            input(
                "/etc/systemd/system/redis-server.service.d/override.conf",
                "[Service]\nUser=valkey\n",
                crate::Kind::Systemd,
            )
        };
        // `redis` owns the directory: fine for the default user.
        assert!(denied_lines(vec![conf()], &fs, None).is_empty());
        // The unit runs Redis as `valkey`.
        let m = denied_lines(vec![conf(), unit()], &fs, None);
        assert!(m.len() == 1 && m[0].contains("the user `valkey`"), "{m:?}");
        // `--run-as` wins over the unit.
        assert!(denied_lines(vec![conf(), unit()], &fs, Some("redis")).is_empty());
        assert!(denied_lines(vec![conf(), unit()], &fs, Some("root")).is_empty());
        // Without `/etc/passwd`, permissions are not judged.
        let mut bare = MemoryFs::new();
        bare.insert_dir("/var/lib/redis");
        bare.set_mode("/var/lib/redis", 0o700);
        assert!(denied_lines(vec![conf()], &bare, None).is_empty());
    }
}
