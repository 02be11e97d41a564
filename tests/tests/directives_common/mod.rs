//! Shared by the directive differential and corpus tests: redlint over the real disk, and two
//! fast oracles on top of the real redis-server 7.0.15.
//!
//! - [`parse_verdict`]: the parser alone. `<config>\n__redlint_probe_end__ x\n` is piped into
//!   `redis-server -`; Redis parses line by line and stops at the first refusal, and the last
//!   line is always refused, so "refused at the probe-end line" means every line of the config
//!   was accepted. No port is opened, no server started.
//! - [`startup_verdict`]: a real start from stdin with a loopback `bind`, a picked port and the
//!   config's own lines after that preamble (so they win), watched until "Ready to accept
//!   connections" or exit; stopped by PID.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redlint_core::fs::{DirEntry, FileSystem, FsError, Metadata};
use redlint_core::{Finding, Input, Kind, Options};
use redlint_tests::redis::{pick_port, redis_server, TempDir};

/// The host as the target: Redis runs on this machine too.
pub struct DiskFs;

fn fs_error(e: std::io::Error) -> FsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound,
        std::io::ErrorKind::PermissionDenied => FsError::PermissionDenied,
        _ => FsError::Other(e.to_string()),
    }
}

impl FileSystem for DiskFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let m = std::fs::metadata(path).map_err(fs_error)?;
        if m.is_dir() {
            return Err(FsError::IsADirectory);
        }
        std::fs::read(path).map_err(fs_error)
    }
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let m = std::fs::metadata(path).map_err(fs_error)?;
        Ok(Metadata::from_std(&m))
    }
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path).map_err(fs_error)? {
            let e = e.map_err(fs_error)?;
            out.push(DirEntry {
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir: e.path().is_dir(),
            });
        }
        Ok(out)
    }
}

/// A filesystem that can answer nothing (every lookup fails with an unknown error), for
/// configs from another host: no finding may then depend on the disk.
pub struct UnknownFs;

impl FileSystem for UnknownFs {
    fn read(&self, _: &str) -> Result<Vec<u8>, FsError> {
        Err(FsError::Other("not available".into()))
    }
    fn metadata(&self, _: &str) -> Result<Metadata, FsError> {
        Err(FsError::Other("not available".into()))
    }
    fn read_dir(&self, _: &str) -> Result<Vec<DirEntry>, FsError> {
        Err(FsError::Other("not available".into()))
    }
}

/// redlint's findings for one config file.
pub fn redlint(config: &[u8], kind: Kind, fs: &dyn FileSystem) -> Vec<Finding> {
    let input = Input {
        path: "redis.conf".into(),
        host_path: None,
        bytes: config.to_vec(),
        kind,
    };
    // The server runs on this machine: it is the target host.
    // The server runs as root here: judge permissions as root.
    let options = Options {
        on_host: true,
        run_as: Some("root".to_string()),
        ..Options::default()
    };
    redlint_core::check(vec![input], fs, &options).findings
}

pub fn fatal_findings(config: &[u8], kind: Kind, fs: &dyn FileSystem) -> Vec<Finding> {
    redlint(config, kind, fs)
        .into_iter()
        .filter(|f| f.fatal)
        .collect()
}

pub const PROBE_END: &str = "__redlint_probe_end__ x";

/// Blank lines after the config: a NUL byte swallows the newline of its line and glues the
/// next line on; these absorb that so the probe-end line stays a line of its own.
pub const GUARD: &[u8] = b"\n\n\n\n";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parse {
    Accepted,
    /// The server's error text.
    Refused(String),
}

/// The parser's verdict on `config` (which should end with [`GUARD`]), run in `cwd`.
pub fn parse_verdict(config: &[u8], cwd: &std::path::Path) -> Parse {
    let bin = redis_server().expect("redis-server");
    let mut child = Command::new(bin)
        .arg("-")
        // Only read if every stdin line was accepted, which cannot happen: defence in depth.
        .args(["--port", "0", "--daemonize", "no"])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redis-server");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let mut input = config.to_vec();
        input.extend_from_slice(PROBE_END.as_bytes());
        input.push(b'\n');
        let _ = stdin.write_all(&input);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
            return Parse::Refused("timeout".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    if err.contains(&format!(">>> '{PROBE_END}'")) {
        Parse::Accepted
    } else {
        let mut out = String::new();
        if let Some(mut o) = child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        Parse::Refused(summary(&format!("{err}\n{out}")))
    }
}

/// The interesting lines of a server's output.
pub fn summary(text: &str) -> String {
    let keep: Vec<&str> = text
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains(">>>")
                || l.contains("fatal")
                || l.contains("abort")
                || l.contains("could not")
                || l.contains("can't")
                || l.contains("exiting")
                || l.contains("failed")
                || l.contains("no tls")
                || l.contains("must be")
                || l.contains("too high")
                || l.starts_with("bad directive")
                || l.contains("argument")
                || l.contains("invalid")
                || l.contains("no such")
        })
        .collect();
    if keep.is_empty() {
        text.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
    } else {
        keep.join(" | ")
    }
}

/// Start a real server from stdin: `bind 127.0.0.1`, a picked port, `save ""`, then the
/// config. Accepted when it logs "Ready to accept connections" (or is still running after
/// two seconds, when the config sends its log elsewhere).
pub fn startup_verdict(config: &[u8]) -> Result<(), String> {
    let bin = redis_server().expect("redis-server");
    let dir = TempDir::new("directives");
    let port = pick_port();
    let mut input = format!("bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly no\n").into_bytes();
    input.extend_from_slice(config);
    input.extend_from_slice(GUARD);
    let mut child = Command::new(bin)
        .arg("-")
        .args(["--daemonize", "no"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redis-server");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let _ = stdin.write_all(&input);
    }
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut log = String::new();
    let result = loop {
        while let Ok(line) = rx.try_recv() {
            let ready = line.contains("Ready to accept connections");
            log.push_str(&line);
            log.push('\n');
            if ready {
                break;
            }
        }
        if log.contains("Ready to accept connections") {
            break Ok(());
        }
        if let Ok(Some(_)) = child.try_wait() {
            // Drain what is left.
            std::thread::sleep(Duration::from_millis(20));
            while let Ok(line) = rx.try_recv() {
                log.push_str(&line);
                log.push('\n');
            }
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            break Err(summary(&format!("{err}\n{log}")));
        }
        if Instant::now() > deadline {
            break Ok(());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if let Ok(None) = child.try_wait() {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let stop = Instant::now() + Duration::from_secs(3);
        while Instant::now() < stop {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = reader.join();
    result
}

/// Bytes for a report line: control bytes escaped.
pub fn show(bytes: &[u8]) -> String {
    let mut s = String::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    s
}
