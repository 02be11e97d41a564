//! Starting the real redis-server / redis-sentinel on a config and reading what it decides.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// The redis-server binary, if installed.
pub fn redis_server() -> Option<PathBuf> {
    ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Returns false (and says why) when the server is missing outside CI; panics in CI.
pub fn require_redis() -> bool {
    if redis_server().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("redis-server is not installed: the test command installs it (apt-get install redis-server redis-sentinel)");
    }
    eprintln!("SKIPPED: redis-server not installed");
    false
}

static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// A port for this process: a per-process base (from the PID) plus a counter, in 20000..55000
/// (a cluster bus port is the port + 10000 and must stay below 65536).
pub fn pick_port() -> u16 {
    let base = 20000 + (std::process::id() % 1000) as u16 * 15;
    loop {
        let n = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
        let port = base.wrapping_add(n % 15000);
        if (20000..55000).contains(&port)
            && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
}

/// What the server did with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It started and answered PING.
    Accept,
    /// It exited (or never answered); the text is its stderr + log.
    Reject(String),
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        matches!(self, Verdict::Accept)
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU16 = AtomicU16::new(0);
        let p = std::env::temp_dir().join(format!(
            "redlint-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server, stopped (by PID) on drop.
pub struct Running {
    pub child: Child,
    pub port: u16,
    pub dir: TempDir,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Send one command (RESP) and return the raw reply.
    pub fn command(&self, args: &[&str]) -> std::io::Result<String> {
        command(self.port, args)
    }
    pub fn stop(mut self) {
        stop(&mut self.child);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Send one command to 127.0.0.1:port and read one reply (enough for tests).
pub fn command(port: u16, args: &[&str]) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
    }
    s.write_all(req.as_bytes())?;
    let mut buf = vec![0u8; 65536];
    let mut out = Vec::new();
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if reply_complete(&out) {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn reply_complete(b: &[u8]) -> bool {
    !b.is_empty() && reply_end(b, 0).is_some()
}

/// Where the RESP2 reply starting at `i` ends, if it is complete.
fn reply_end(b: &[u8], i: usize) -> Option<usize> {
    fn parse(b: &[u8], i: usize) -> Option<usize> {
        let end = b[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let head = std::str::from_utf8(&b[i + 1..end]).unwrap_or("");
        match b.get(i)? {
            b'+' | b'-' | b':' => Some(end + 2),
            b'$' => {
                let n: i64 = head.parse().ok()?;
                if n < 0 {
                    Some(end + 2)
                } else {
                    let stop = end + 2 + n as usize + 2;
                    (b.len() >= stop).then_some(stop)
                }
            }
            b'*' => {
                let n: i64 = head.parse().ok()?;
                let mut j = end + 2;
                for _ in 0..n.max(0) {
                    j = parse(b, j)?;
                }
                Some(j)
            }
            _ => None,
        }
    }
    parse(b, i)
}

/// Send many commands (binary-safe) on one connection, pipelined in batches, and return each
/// raw reply in order.
pub fn pipeline(port: u16, commands: &[Vec<Vec<u8>>]) -> std::io::Result<Vec<Vec<u8>>> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut replies = Vec::with_capacity(commands.len());
    let (mut buf, mut chunk) = (Vec::new(), vec![0u8; 1 << 16]);
    for batch in commands.chunks(256) {
        let mut req = Vec::new();
        for args in batch {
            req.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
            for a in args {
                req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                req.extend_from_slice(a);
                req.extend_from_slice(b"\r\n");
            }
        }
        s.write_all(&req)?;
        let want = replies.len() + batch.len();
        while replies.len() < want {
            match reply_end(&buf, 0) {
                Some(end) if !buf.is_empty() => replies.push(buf.drain(..end).collect()),
                _ => {
                    let n = s.read(&mut chunk)?;
                    if n == 0 {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "server closed the connection",
                        ));
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }
    Ok(replies)
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Start {
    /// Run as Sentinel (`--sentinel`).
    pub sentinel: bool,
    /// Append `--bind 127.0.0.1` (on by default: tests never listen elsewhere). Turn it off
    /// only for configs whose own bind lines are loopback-only.
    pub force_loopback: bool,
    /// Extra files to write into the server's directory before starting: (relative path, bytes, mode).
    pub files: Vec<(String, Vec<u8>, u32)>,
}

impl Default for Start {
    fn default() -> Start {
        Start {
            sentinel: false,
            force_loopback: true,
            files: Vec::new(),
        }
    }
}

/// Start the server on `config` (written as `redis.conf` in a fresh directory, which is also the
/// working directory). Returns the running server, or its rejection.
pub fn start(config: &[u8], opts: &Start) -> Result<Running, String> {
    let bin = redis_server().ok_or("redis-server not installed")?;
    let dir = TempDir::new(if opts.sentinel { "sentinel" } else { "redis" });
    for (rel, bytes, mode) in &opts.files {
        let p = dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, bytes).map_err(|e| e.to_string())?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode))
            .map_err(|e| e.to_string())?;
    }
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, config).map_err(|e| e.to_string())?;
    let port = pick_port();
    let log = dir.path().join("log.txt");
    let mut cmd = Command::new(&bin);
    cmd.arg(&conf);
    if opts.sentinel {
        cmd.arg("--sentinel");
    }
    cmd.args(["--port", &port.to_string(), "--daemonize", "no"]);
    cmd.arg("--logfile").arg(&log);
    if opts.force_loopback {
        cmd.args(["--bind", "127.0.0.1"]);
    }
    cmd.current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let logtext = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("exit {status}\n{err}\n{logtext}"));
        }
        if let Ok(reply) = command(port, &["PING"]) {
            if reply.starts_with("+PONG") || reply.starts_with("-NOAUTH") || reply.starts_with("-")
            {
                return Ok(Running { child, port, dir });
            }
        }
        if Instant::now() > deadline {
            stop(&mut child);
            let logtext = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("no answer within 5 s\n{logtext}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The server's verdict on a config: does it start?
pub fn verdict(config: &[u8], opts: &Start) -> Verdict {
    match start(config, opts) {
        Ok(running) => {
            running.stop();
            Verdict::Accept
        }
        Err(e) => Verdict::Reject(e),
    }
}

/// `n` consecutive free ports on 127.0.0.1.
pub fn pick_consecutive_ports(n: u16) -> u16 {
    loop {
        let first = pick_port();
        if first > 65000 {
            continue;
        }
        if (1..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", first + i)).is_ok()) {
            // Skip past them so the next pick does not hand them out again.
            for _ in 1..n {
                let _ = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
            }
            return first;
        }
    }
}

/// Start redis-server (or Sentinel) on a config file that already names its own port and
/// 127.0.0.1-only bind; wait until it answers PING (any reply, NOAUTH included) on `port`.
/// `log` receives its log. The process is stopped by PID when the returned value drops.
pub fn start_file(conf: &Path, port: u16, sentinel: bool, log: &Path) -> Result<Child, String> {
    let bin = redis_server().ok_or("redis-server not installed")?;
    let mut cmd = Command::new(bin);
    cmd.arg(conf);
    if sentinel {
        cmd.arg("--sentinel");
    }
    cmd.args(["--daemonize", "no"]).arg("--logfile").arg(log);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Err(format!(
                "exit {status}\n{err}\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        if command(port, &["PING"]).is_ok() {
            return Ok(child);
        }
        if Instant::now() > deadline {
            stop(&mut child);
            return Err(format!(
                "no answer within 10 s\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Stop a child started by [`start_file`] (SIGTERM by PID, then SIGKILL).
pub fn stop_child(child: &mut Child) {
    stop(child);
}

/// A persistent connection for many commands (e.g. AUTH then ACL DRYRUN).
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    pub fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Connection {
            stream,
            buf: Vec::new(),
        })
    }

    /// Send one command, return one raw reply.
    pub fn call(&mut self, args: &[&[u8]]) -> std::io::Result<String> {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&req)?;
        let mut chunk = vec![0u8; 65536];
        loop {
            if let Some(end) = (!self.buf.is_empty())
                .then(|| reply_end(&self.buf, 0))
                .flatten()
            {
                let reply: Vec<u8> = self.buf.drain(..end).collect();
                return Ok(String::from_utf8_lossy(&reply).into_owned());
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub fn call_str(&mut self, args: &[&str]) -> std::io::Result<String> {
        let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.call(&bytes)
    }
}
