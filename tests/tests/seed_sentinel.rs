//! The seed deployment's Sentinel and replication mistakes (tests/fixtures/seed/README.md) are
//! reported at their lines by RL601–RL603 and RL207–RL209, and no secret is shown.

use std::path::{Path, PathBuf};

use redlint_core::fs::{DirEntry, FileSystem, FsError, Metadata};
use redlint_core::model::kind;
use redlint_core::{check, Finding, Input, Options};

/// A seed folder seen as the target host's filesystem root.
struct RootFs(PathBuf);

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
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(self.real(path)).map_err(io)?;
        Ok(Metadata {
            is_dir: m.is_dir(),
            executable: m.permissions().mode() & 0o111 != 0,
        })
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
}

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/seed")
        .join(name)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("seed dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Check a seed folder as `redlint check --root <folder> <folder>` would.
fn check_seed(name: &str, options: &Options) -> Vec<Finding> {
    let root = seed(name);
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut inputs = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .expect("inside root")
            .to_string_lossy()
            .into_owned();
        let host = format!("/{rel}");
        let Some(kind) = kind::from_path(&host) else {
            continue;
        };
        inputs.push(Input {
            path: rel,
            host_path: Some(host),
            bytes: std::fs::read(&f).expect("read"),
            kind,
        });
    }
    check(inputs, &RootFs(root), options).findings
}

fn at(findings: &[Finding], code: &str) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| (f.file.clone(), f.line))
        .collect();
    v.sort();
    v
}

fn sentinels(line: u32) -> Vec<(String, u32)> {
    (1..=3)
        .map(|n| (format!("opt/redis/sentinel/conf/sentinel-{n}.conf"), line))
        .collect()
}

#[test]
fn bare_metal_sentinel_rows() {
    let f = check_seed("bare-metal", &Options::default());
    // Three Sentinels on one host, all on port 26379.
    assert_eq!(at(&f, "RL209"), sentinels(2));
    // auth-user monitor with the default user's password: no login.
    assert_eq!(at(&f, "RL602"), sentinels(8));
    // ... and monitor lacks the commands and channel Sentinel needs.
    assert_eq!(at(&f, "RL601"), sentinels(19));
    // The reconfig script on one Sentinel of three.
    assert_eq!(
        at(&f, "RL207"),
        [("opt/redis/sentinel/conf/sentinel-1.conf".to_string(), 22)]
    );
    // The monitored master has no masterauth for after a failover.
    assert_eq!(at(&f, "RL603"), [("etc/redis/redis.conf".to_string(), 7)]);
    // Quorum 2 of 3 is fine.
    assert!(at(&f, "RL208").is_empty());
    for x in f
        .iter()
        .filter(|x| x.code.starts_with("RL6") || x.code.starts_with("RL20"))
    {
        assert!(!x.fatal, "{x:?}");
        for secret in ["AI_Platform", "Monitor_Redis", "Admin_Redis"] {
            assert!(!x.message.contains(secret), "{}", x.message);
        }
    }
    let rl601 = f.iter().find(|x| x.code == "RL601").expect("RL601");
    for r in [
        "+subscribe",
        "+publish",
        "+slaveof",
        "+script|kill",
        "&__sentinel__:hello",
    ] {
        assert!(rl601.message.contains(r), "{}", rl601.message);
    }
}

#[test]
fn other_seed_folders_have_no_sentinel_group_findings() {
    for name in ["compose-sentinel", "docker-dev", "docker-opt", "kubernetes"] {
        let f = check_seed(name, &Options::default());
        let mine: Vec<_> = f
            .iter()
            .filter(|x| ["RL601", "RL602", "RL603", "RL207", "RL208", "RL209"].contains(&x.code))
            .collect();
        assert!(mine.is_empty(), "{name}: {mine:#?}");
    }
}
