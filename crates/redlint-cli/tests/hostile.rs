//! Hostile input, run through the real binary: every case ends with findings (exit 0/1) or a
//! clear error (exit 2), never a panic, a hang or unbounded memory. Each child's peak memory
//! (`ru_maxrss` from `wait4`) is asserted against a generous ceiling, and a generous timeout
//! stands for a hang detector (a bound, not a timing).

mod common;

use common::Scratch;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run that has not ended by then is a hang.
const HANG: Duration = Duration::from_secs(300);
/// Peak resident memory no case may exceed.
const CEILING_KB: i64 = 600 * 1024;
/// Most bytes of output kept for the assertions (the rest is counted).
const KEEP: usize = 8 << 20;

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stdout_len: usize,
    stderr: String,
    peak_kb: i64,
}

impl Run {
    fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Read a pipe to its end, keeping the first [`KEEP`] bytes.
fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<(Vec<u8>, usize)> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0;
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
            if kept.len() < KEEP {
                kept.extend_from_slice(&buf[..n.min(KEEP - kept.len())]);
            }
        }
        (kept, total)
    })
}

// The child is reaped by `wait4` (for its own `ru_maxrss`), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn redlint(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_redlint"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redlint");
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: plain syscall on our own child, with valid out-pointers.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("redlint {args:?} did not end within {HANG:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stdout_len) = out.join().unwrap();
    let (stderr, _) = err.join().unwrap();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(
        libc::WIFEXITED(status),
        "redlint {args:?} was killed by signal {} (a crash); stderr: {stderr}",
        libc::WTERMSIG(status)
    );
    let run = Run {
        code: libc::WEXITSTATUS(status),
        stdout,
        stdout_len,
        stderr,
        peak_kb: usage.ru_maxrss,
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflowed its stack"),
        "redlint {args:?} panicked: {}",
        run.stderr
    );
    assert!(
        run.peak_kb < CEILING_KB,
        "redlint {args:?} peaked at {} KB (ceiling {CEILING_KB} KB)",
        run.peak_kb
    );
    assert!(
        (0..=2).contains(&run.code),
        "exit {} for {args:?}",
        run.code
    );
    eprintln!(
        "{args:?}: exit {}, peak {} KB, {} bytes out",
        run.code, run.peak_kb, run.stdout_len
    );
    run
}

/// No raw control character but the line feed (JSON escapes its own; human formats show
/// `\x1b`).
fn assert_no_controls(what: &str, bytes: &[u8]) {
    if let Some(i) = bytes
        .iter()
        .position(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f)
    {
        let lo = i.saturating_sub(60);
        panic!(
            "{what} holds a raw control character {:#04x}: {:?}",
            bytes[i],
            String::from_utf8_lossy(&bytes[lo..(i + 20).min(bytes.len())])
        );
    }
}

/// Every output format of `check` on `target`: none may crash, hang, take unbounded memory or
/// print a raw control character. Returns the concise run.
fn every_format(dir: &Path, target: &str) -> Run {
    for format in ["full", "json"] {
        let r = redlint(dir, &["check", "--format", format, target]);
        assert_no_controls(&format!("{format} stdout"), &r.stdout);
        assert_no_controls(&format!("{format} stderr"), r.stderr.as_bytes());
    }
    let r = redlint(dir, &["check", "--format", "concise", target]);
    assert_no_controls("concise stdout", &r.stdout);
    assert_no_controls("concise stderr", r.stderr.as_bytes());
    r
}

#[test]
fn invalid_utf8_and_nul_bytes_are_findings() {
    let s = Scratch::new("bytes");
    s.write(
        "redis.conf",
        b"port 6379\nfoo\xff\xfe bar\nmaxmemory \xc3\x28mb\n\0\0\0\nport\0 1\nrequirepass \xff\0secret\n",
    );
    let r = every_format(&s.0, "redis.conf");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.out().contains("redis.conf:2:"), "{}", r.out());
    // A megabyte of NULs: one odd line, no blow-up.
    s.write("nul.conf", vec![0u8; 1 << 20]);
    let r = every_format(&s.0, "nul.conf");
    assert!(r.code <= 1, "{}", r.stderr);
}

#[test]
fn a_10_mb_line_is_elided_in_human_formats() {
    let s = Scratch::new("longline");
    let mut line = b"unknown-directive ".to_vec();
    line.extend(std::iter::repeat_n(b'x', 10 << 20));
    line.push(b'\n');
    s.write("redis.conf", &line);
    for format in ["full", "concise"] {
        let r = redlint(&s.0, &["check", "--format", format, "redis.conf"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stdout_len < 64 << 10,
            "{format} wrote {} bytes for one finding",
            r.stdout_len
        );
    }
    let r = redlint(&s.0, &["check", "--format", "json", "redis.conf"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_million_lines_are_refused_naming_the_cap() {
    let s = Scratch::new("million");
    s.write("redis.conf", "port 6379\n".repeat(1_000_000));
    let r = redlint(&s.0, &["check", "--format", "json", "redis.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("200000 lines per file"), "{}", r.stderr);
}

#[test]
fn lines_up_to_the_cap_take_bounded_memory_and_output() {
    let s = Scratch::new("manylines");
    let text: String = (0..190_000).map(|i| format!("unknown{i} x\n")).collect();
    s.write("redis.conf", text);
    let r = redlint(&s.0, &["check", "--format", "concise", "redis.conf"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // One rule, one file, 190,000 times: the human formats say it a few times and count the rest.
    assert!(
        r.stdout_len < 64 << 10,
        "concise wrote {} bytes",
        r.stdout_len
    );
    assert!(r.out().contains("more"), "{}", r.out());
    // Machine formats keep every finding.
    let r = redlint(&s.0, &["check", "--format", "json", "redis.conf"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout_len > 190_000 * 100,
        "json wrote {} bytes",
        r.stdout_len
    );
}

#[test]
fn a_huge_sparse_file_is_refused_before_reading() {
    let s = Scratch::new("sparse");
    let f = std::fs::File::create(s.0.join("redis.conf")).unwrap();
    f.set_len(600 << 20).unwrap();
    let r = redlint(&s.0, &["check", "redis.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("33554432 bytes"), "{}", r.stderr);
    // Refused from the metadata: nothing near the file's size was ever in memory.
    assert!(r.peak_kb < 64 * 1024, "peak {} KB", r.peak_kb);
}

#[test]
fn cr_only_line_endings_are_one_line() {
    let s = Scratch::new("cr");
    s.write(
        "redis.conf",
        "port 6379\rmaxmemory 1mb\rbind 0.0.0.0\r".repeat(10_000),
    );
    let r = every_format(&s.0, "redis.conf");
    assert!(r.code <= 1, "{}", r.stderr);
}

#[test]
fn an_include_cycle_is_a_finding() {
    let s = Scratch::new("cycle");
    s.write("a.conf", format!("include {}\nport 1\n", s.path("b.conf")));
    s.write("b.conf", format!("include {}\n", s.path("a.conf")));
    let r = every_format(&s.0, "a.conf");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.out().contains("include cycle"), "{}", r.out());
}

#[test]
fn a_10000_deep_include_chain_stops_at_the_depth_cap() {
    let s = Scratch::new("chain");
    for i in 0..10_000 {
        s.write(
            &format!("c{i}.conf"),
            if i < 9_999 {
                format!("include {}\n", s.path(&format!("c{}.conf", i + 1)))
            } else {
                "port 1\n".to_string()
            },
        );
    }
    let r = redlint(&s.0, &["check", "c0.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("deeper than 32 levels"), "{}", r.stderr);
}

#[test]
fn exponential_includes_stop_at_the_load_cap() {
    // Each file includes the next one ten times: 10^12 loads without a cap, and no cycle.
    let s = Scratch::new("fanout");
    for i in 0..12 {
        let next = s.path(&format!("f{}.conf", i + 1));
        s.write(
            &format!("f{i}.conf"),
            format!("include {next}\n").repeat(10),
        );
    }
    s.write("f12.conf", "port 1\n");
    let r = redlint(&s.0, &["check", "f0.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("more than 10000 included files"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_include_glob_over_10000_files_is_capped() {
    let s = Scratch::new("glob");
    for i in 0..10_000 {
        s.write(&format!("d/{i:05}.conf"), "maxmemory 1mb\n");
    }
    s.write("redis.conf", format!("include {}/*.conf\n", s.path("d")));
    let r = redlint(&s.0, &["check", "redis.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("matches 10000 files, over the limit of 1000"),
        "{}",
        r.stderr
    );
}

#[test]
fn symlink_loops_are_errors_not_hangs() {
    let s = Scratch::new("symloop");
    std::os::unix::fs::symlink(s.0.join("b.conf"), s.0.join("a.conf")).unwrap();
    std::os::unix::fs::symlink(s.0.join("a.conf"), s.0.join("b.conf")).unwrap();
    std::fs::create_dir(s.0.join("dir")).unwrap();
    std::os::unix::fs::symlink(&s.0, s.0.join("dir/up")).unwrap();
    s.write(
        "redis.conf",
        format!("include {}\nport 1\n", s.path("a.conf")),
    );
    let r = every_format(&s.0, "redis.conf");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.out().contains("a.conf"), "{}", r.out());
    // Named directly, and walked.
    let r = redlint(&s.0, &["check", "a.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = redlint(&s.0, &["check", "."]);
    assert!(r.code <= 1, "{}", r.stderr);
}

#[test]
fn directories_fifos_and_devices_are_never_read() {
    let s = Scratch::new("special");
    std::fs::create_dir(s.0.join("adir")).unwrap();
    let fifo = std::ffi::CString::new(s.path("pipe.conf")).unwrap();
    // SAFETY: a valid C string; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let conf = format!(
        "include {}\ninclude {}\ninclude /dev/null\nport 1\n",
        s.path("adir"),
        s.path("pipe.conf")
    );
    s.write("redis.conf", conf);
    // A FIFO nobody writes to would block a reader forever: it is refused without opening.
    let r = every_format(&s.0, "redis.conf");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.out().contains("not a regular file"), "{}", r.out());
    for arg in ["pipe.conf", "adir/", "/dev/zero", "/dev/urandom"] {
        let r = redlint(&s.0, &["check", "--kind", "redis", arg]);
        assert_eq!(r.code, 2, "{arg}: {}", r.stderr);
        assert!(r.stderr.starts_with("redlint:"), "{arg}: {}", r.stderr);
    }
}

#[test]
fn devices_as_include_targets_are_refused_without_reading() {
    for dev in ["/dev/zero", "/dev/urandom"] {
        let s = Scratch::new(&dev[5..]);
        s.write("redis.conf", format!("include {dev}\nport 1\n"));
        let r = redlint(
            &s.0,
            &["check", "--on-host", "--format", "concise", "redis.conf"],
        );
        assert_eq!(r.code, 1, "{dev}: {}", r.stderr);
        assert!(r.out().contains("not a regular file"), "{dev}: {}", r.out());
    }
    let s = Scratch::new("devnull");
    s.write("redis.conf", "include /dev/null\nport 1\n");
    let r = redlint(&s.0, &["check", "--on-host", "redis.conf"]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert!(!r.out().contains("RL008"), "{}", r.out());
}

#[test]
fn unreadable_paths_name_the_file() {
    let s = Scratch::new("unreadable");
    let p = s.write("redis.conf", "port 1\n");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("running as root: permissions do not stop reads here; the core tests cover unreadable files with a failing FileSystem (model::include tests)");
        return;
    }
    let r = redlint(&s.0, &["check", "redis.conf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("redis.conf"), "{}", r.stderr);
}

#[test]
fn ten_thousand_acl_users_with_100_selectors_each() {
    let s = Scratch::new("acl");
    let users = |n: usize| -> String {
        let mut text = String::new();
        for u in 0..n {
            text.push_str(&format!("user u{u} on nopass"));
            for k in 0..100 {
                text.push_str(&format!(" (~k{k}:* +get)"));
            }
            text.push('\n');
        }
        text
    };
    // A million selectors: refused, naming the cap.
    s.write("users.acl", users(10_000));
    let r = redlint(&s.0, &["check", "--format", "concise", "users.acl"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("over the limit of 100000 per file"),
        "{}",
        r.stderr
    );
    let r = redlint(
        &s.0,
        &["acl", "dryrun", "users.acl", "u9999", "get", "k99:x"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("over the limit of 100000 per file"),
        "{}",
        r.stderr
    );
    // At the cap: checked, within the memory ceiling.
    s.write("users.acl", users(1_000));
    let r = redlint(&s.0, &["check", "--format", "concise", "users.acl"]);
    assert!(r.code <= 1, "{}", r.stderr);
}

#[test]
fn terminal_escapes_in_every_echoed_field_are_escaped() {
    let s = Scratch::new("escapes");
    let e = "\x1b]0;pwned\x07\x1b[2J\r\x08";
    let conf = format!(
        "unknown{e}dir v{e}\nport {e}\nmaxmemory 1{e}mb\nbind 1.2.3.4{e}\ninclude /nowhere/{e}.conf\nrename-command CONFIG \"a{e}\"\nuser x{e} on >p{e} ~{e}\nrequirepass \"s{e}\"\ndir /tmp/{e}\n\"{e}\" x\n",
    );
    s.write(&format!("redis{e}.conf"), &conf);
    s.write("redis.conf", &conf);
    s.write(
        "users.acl",
        format!("user a{e} on >x{e} ~k{e} +get{e} &{e}\nuser{e}\n"),
    );
    s.write(
        "sentinel.conf",
        format!("sentinel monitor m{e} 1.2.3.4{e} 6379 2\nsentinel auth-pass m{e} p{e}\n"),
    );
    let r = every_format(&s.0, "redis.conf");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = every_format(&s.0, ".");
    assert!(r.code <= 1, "{}", r.stderr);
    for args in [
        vec!["fix", "--diff", "."],
        vec!["acl", "dryrun", "users.acl", "a\x1b[2J", "get", "k\x1b[2J"],
    ] {
        let r = redlint(&s.0, &args);
        assert_no_controls("stdout", &r.stdout);
        assert_no_controls("stderr", r.stderr.as_bytes());
    }
}
