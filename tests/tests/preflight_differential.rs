//! Differential test of the preflight (the host checks, `--on-host`): for each case, a host
//! state is built under a temporary directory on this machine, and the same config is given to
//! redlint (core API, on-host, this machine's disk and resolver) and to the real
//! redis-server / redis-sentinel 7.0.15, started as root or as the `redis` user (`setpriv`, so
//! the PID is the server's own and it is stopped by PID).
//!
//! Asserted for every case: the server refuses to start exactly when redlint reports a fatal
//! finding on the line the case blames; when it refuses, what the server printed contains the
//! case's text and so does redlint's message; the expected rule (and severity, for the cases
//! where Redis starts but the finding stands) is the one reported. Each case also states the
//! verdict we expect, so a change in the server's behaviour shows up as such.

use std::os::unix::fs::{chown, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redlint_core::{Finding, Input, Kind, Options, Severity};
use redlint_tests::host::RootFs;
use redlint_tests::redis::{command, pick_port, require_redis, stop_child, TempDir};

/// Who the server runs as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum As {
    Root,
    Redis,
}

struct Case {
    name: &'static str,
    user: As,
    sentinel: bool,
    /// Config lines; `{T}` is the case's temporary host directory, `{P}` a free port.
    conf: &'static str,
    /// Builds the host state under `{T}` (runs as root).
    setup: fn(&Path),
    /// Does the server start?
    starts: bool,
    /// The line redlint must blame (a substring of it), and the rule.
    blame: Option<(&'static str, &'static str)>,
    /// Text both the server's output (when it refuses) and redlint's message contain.
    says: &'static str,
    /// Severity of the finding when Redis starts anyway (`None`: no finding at all).
    severity: Option<Severity>,
    /// The config file stays root's (0644) even when the server runs as `redis`.
    conf_root: bool,
}

/// The host checks this test pins.
const HOST_RULES: &[&str] = &["RL017", "RL018", "RL019", "RL025", "RL033"];

fn redis_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == "redis").then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn mkdir(p: &Path, mode: u32, redis_owned: bool) {
    std::fs::create_dir_all(p).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    if redis_owned {
        let (u, g) = redis_ids().expect("a redis user");
        chown(p, Some(u), Some(g)).unwrap();
    }
}

fn file(p: &Path, text: &[u8], mode: u32) {
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `{T}/data`: a data directory the server may use.
fn data(t: &Path) {
    mkdir(&t.join("data"), 0o755, true);
}

/// `{T}/tls`: a self-signed certificate (as server, client and CA), key readable by root only
/// (0600) and a copy of the key readable by all (0644).
fn tls(t: &Path) {
    data(t);
    let d = t.join("tls");
    mkdir(&d, 0o755, false);
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(d.join("r.key"))
        .arg("-out")
        .arg(d.join("r.crt"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl could not make a test certificate");
    std::fs::copy(d.join("r.crt"), d.join("ca.crt")).unwrap();
    std::fs::copy(d.join("r.key"), d.join("open.key")).unwrap();
    std::fs::set_permissions(d.join("r.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(d.join("open.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(d.join("r.crt"), std::fs::Permissions::from_mode(0o644)).unwrap();
}

fn cases() -> Vec<Case> {
    let fatal = |name, user, conf, setup: fn(&Path), blame, says| Case {
        name,
        user,
        sentinel: false,
        conf,
        setup,
        starts: false,
        blame: Some(blame),
        says,
        severity: None,
        conf_root: false,
    };
    let starts = |name, user, conf, setup: fn(&Path), blame, says, severity| Case {
        name,
        user,
        sentinel: false,
        conf,
        setup,
        starts: true,
        blame,
        says,
        severity,
        conf_root: false,
    };
    vec![
        // dir
        starts("dir exists, owned by redis", As::Redis, "dir {T}/data\n", data, None, "", None),
        fatal("dir missing", As::Root, "dir {T}/nope\n", data, ("dir {T}/nope", "RL017"), "No such file or directory"),
        fatal("dir is a file", As::Root, "dir {T}/f\n", |t| file(&t.join("f"), b"", 0o644), ("dir {T}/f", "RL017"), "Not a directory"),
        fatal("dir 0700 root, as redis", As::Redis, "dir {T}/private\n", |t| mkdir(&t.join("private"), 0o700, false), ("dir {T}/private", "RL018"), "Permission denied"),
        fatal("dir under a 0700 directory, as redis", As::Redis, "dir {T}/private/data\n", |t| { mkdir(&t.join("private/data"), 0o777, false); mkdir(&t.join("private"), 0o700, false) }, ("dir {T}/private/data", "RL018"), "Permission denied"),
        starts("dir 0700 root, as root", As::Root, "dir {T}/private\n", |t| mkdir(&t.join("private"), 0o700, false), None, "", None),
        starts("dir 0711 root (search only), as redis, snapshots on", As::Redis, "dir {T}/ro\n", |t| mkdir(&t.join("ro"), 0o711, false), Some(("dir {T}/ro", "RL018")), "for saving: Permission denied", Some(Severity::Error)),
        starts("dir 0755 root, as redis, no persistence", As::Redis, "dir {T}/ro\nsave \"\"\n", |t| mkdir(&t.join("ro"), 0o755, false), Some(("dir {T}/ro", "RL018")), "cannot write", Some(Severity::Warning)),
        fatal("dir 0755 root, as redis, appendonly yes", As::Redis, "dir {T}/ro\nappendonly yes\n", |t| mkdir(&t.join("ro"), 0o755, false), ("dir {T}/ro", "RL018"), "Can't open or create append-only dir appendonlydir: Permission denied"),
        fatal("dir /root, as redis", As::Redis, "dir /root\n", data, ("dir /root", "RL018"), "Permission denied"),
        starts("dir 0770 root:redis (group), as redis", As::Redis, "dir {T}/shared\n", |t| { mkdir(&t.join("shared"), 0o770, false); let (_, g) = redis_ids().unwrap(); chown(t.join("shared"), None, Some(g)).unwrap() }, None, "", None),
        fatal("dir 0077 redis-owned (owner bits apply), as redis", As::Redis, "dir {T}/odd\n", |t| { mkdir(&t.join("odd"), 0o077, true) }, ("dir {T}/odd", "RL018"), "Permission denied"),
        // logfile
        fatal("logfile directory missing", As::Root, "dir {T}/data\nlogfile {T}/nolog/redis.log\n", data, ("logfile", "RL017"), "Can't open the log file: No such file or directory"),
        fatal("logfile directory not writable, as redis", As::Redis, "dir {T}/data\nlogfile {T}/log/redis.log\n", |t| { data(t); mkdir(&t.join("log"), 0o755, false) }, ("logfile", "RL018"), "Can't open the log file: Permission denied"),
        fatal("logfile exists, not writable, as redis", As::Redis, "dir {T}/data\nlogfile {T}/redis.log\n", |t| { data(t); file(&t.join("redis.log"), b"", 0o644) }, ("logfile", "RL018"), "Can't open the log file: Permission denied"),
        starts("logfile owned by redis in a root directory, as redis", As::Redis, "dir {T}/data\nlogfile {T}/log/redis.log\n", |t| { data(t); mkdir(&t.join("log"), 0o755, false); file(&t.join("log/redis.log"), b"", 0o644); let (u, g) = redis_ids().unwrap(); chown(t.join("log/redis.log"), Some(u), Some(g)).unwrap() }, None, "", None),
        starts("logfile in a directory owned by redis", As::Redis, "dir {T}/data\nlogfile {T}/data/redis.log\n", data, None, "", None),
        // unixsocket
        fatal("unixsocket directory missing", As::Root, "dir {T}/data\nunixsocket {T}/run/redis.sock\n", data, ("unixsocket", "RL017"), "Failed opening Unix socket: bind: No such file or directory"),
        fatal("unixsocket directory not writable, as redis", As::Redis, "dir {T}/data\nunixsocket {T}/run/redis.sock\n", |t| { data(t); mkdir(&t.join("run"), 0o755, false) }, ("unixsocket", "RL018"), "Failed opening Unix socket: bind: Permission denied"),
        starts("unixsocket in a directory owned by redis", As::Redis, "dir {T}/data\nunixsocket {T}/data/redis.sock\n", data, None, "", None),
        // pidfile: Redis starts and says nothing
        starts("pidfile directory missing", As::Root, "dir {T}/data\npidfile {T}/run/redis.pid\n", data, Some(("pidfile", "RL017")), "writes no pid file", Some(Severity::Warning)),
        starts("pidfile directory not writable, as redis", As::Redis, "dir {T}/data\npidfile {T}/run/redis.pid\n", |t| { data(t); mkdir(&t.join("run"), 0o755, false) }, Some(("pidfile", "RL018")), "writes no pid file", Some(Severity::Warning)),
        // cluster-config-file
        fatal("cluster-config-file directory missing", As::Root, "dir {T}/data\ncluster-enabled yes\ncluster-config-file {T}/cluster/nodes.conf\n", data, ("cluster-config-file", "RL017"), "in order to acquire a lock: No such file or directory"),
        fatal("cluster-config-file directory not writable, as redis", As::Redis, "dir {T}/data\ncluster-enabled yes\ncluster-config-file {T}/cluster/nodes.conf\n", |t| { data(t); mkdir(&t.join("cluster"), 0o755, false) }, ("cluster-config-file", "RL018"), "in order to acquire a lock: Permission denied"),
        starts("cluster-config-file directory missing, cluster off", As::Root, "dir {T}/data\ncluster-config-file {T}/cluster/nodes.conf\n", data, None, "", None),
        // aclfile
        fatal("aclfile 0600 root, as redis", As::Redis, "dir {T}/data\naclfile {T}/users.acl\n", |t| { data(t); file(&t.join("users.acl"), b"user default on nopass ~* &* +@all\n", 0o600) }, ("aclfile", "RL018"), "Error loading ACLs, opening file"),
        starts("aclfile 0600 root, as root", As::Root, "dir {T}/data\naclfile {T}/users.acl\n", |t| { data(t); file(&t.join("users.acl"), b"user default on nopass ~* &* +@all\n", 0o600) }, None, "", None),
        // TLS
        starts("TLS files all there", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\n", tls, None, "", None),
        fatal("tls-cert-file missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/none.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\n", tls, ("tls-cert-file", "RL019"), "Failed to load certificate"),
        fatal("tls-key-file missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/none.key\ntls-ca-cert-file {T}/tls/ca.crt\n", tls, ("tls-key-file", "RL019"), "Failed to load private key"),
        fatal("tls-key-file 0600 root, as redis", As::Redis, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\n", tls, ("tls-key-file", "RL018"), "Failed to load private key"),
        fatal("tls-ca-cert-file missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/none.crt\n", tls, ("tls-ca-cert-file", "RL019"), "Failed to configure CA certificate(s) file/directory"),
        fatal("tls-dh-params-file missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\ntls-dh-params-file {T}/tls/none.dh\n", tls, ("tls-dh-params-file", "RL019"), "Failed to load"),
        fatal("tls-client-cert-file missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\ntls-client-cert-file {T}/tls/none.crt\ntls-client-key-file {T}/tls/open.key\n", tls, ("tls-client-cert-file", "RL019"), "Failed to load certificate"),
        fatal("TLS files missing with tls-replication yes", As::Root, "dir {T}/data\ntls-replication yes\ntls-cert-file {T}/tls/none.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-file {T}/tls/ca.crt\n", tls, ("tls-cert-file", "RL019"), "Failed to load certificate"),
        starts("TLS files missing, TLS not in use", As::Root, "dir {T}/data\ntls-cert-file {T}/tls/none.crt\ntls-key-file {T}/tls/none.key\n", tls, None, "", None),
        starts("tls-ca-cert-dir missing", As::Root, "dir {T}/data\ntls-port {P2}\ntls-cert-file {T}/tls/r.crt\ntls-key-file {T}/tls/r.key\ntls-ca-cert-dir {T}/tls/nodir\n", tls, Some(("tls-ca-cert-dir", "RL019")), "cannot verify", Some(Severity::Warning)),
        // bind
        fatal("bind a name that does not resolve", As::Root, "dir {T}/data\nbind 127.0.0.1 redlint-test.invalid\n", data, ("bind 127.0.0.1 redlint", "RL025"), "Name or service not known"),
        fatal("bind an optional name that does not resolve", As::Root, "dir {T}/data\nbind 127.0.0.1 -redlint-test.invalid\n", data, ("bind 127.0.0.1 -redlint", "RL025"), "Name or service not known"),
        starts("bind localhost", As::Root, "dir {T}/data\nbind localhost\n", data, None, "", None),
        // Sentinel scripts, judged as the user
        Case {
            name: "sentinel script 0744 root, as redis",
            user: As::Redis,
            sentinel: true,
            conf: "dir {T}/data\nsentinel monitor m 127.0.0.1 {P2} 2\nsentinel notification-script m {T}/notify.sh\n",
            setup: |t| { data(t); file(&t.join("notify.sh"), b"#!/bin/sh\nexit 0\n", 0o744) },
            starts: false,
            blame: Some(("notification-script", "RL033")),
            says: "Notification script seems non existing or non executable.",
            severity: None,
            conf_root: false,
        },
        Case {
            name: "sentinel script 0744 root, as root",
            user: As::Root,
            sentinel: true,
            conf: "dir {T}/data\nsentinel monitor m 127.0.0.1 {P2} 2\nsentinel notification-script m {T}/notify.sh\n",
            setup: |t| { data(t); file(&t.join("notify.sh"), b"#!/bin/sh\nexit 0\n", 0o744) },
            starts: true,
            blame: None,
            says: "",
            severity: None,
            conf_root: false,
        },
        Case {
            name: "sentinel script 0755 in a 0700 directory, as redis",
            user: As::Redis,
            sentinel: true,
            conf: "dir {T}/data\nsentinel monitor m 127.0.0.1 {P2} 2\nsentinel client-reconfig-script m {T}/private/reconfig.sh\n",
            setup: |t| { data(t); mkdir(&t.join("private"), 0o700, false); file(&t.join("private/reconfig.sh"), b"#!/bin/sh\nexit 0\n", 0o755) },
            starts: false,
            blame: Some(("client-reconfig-script", "RL033")),
            says: "Client reconfiguration script seems non existing or non executable.",
            severity: None,
            conf_root: false,
        },
        Case {
            name: "sentinel config 0644 root, as redis",
            user: As::Redis,
            sentinel: true,
            conf: "dir {T}/data\nsentinel monitor m 127.0.0.1 {P2} 2\n",
            setup: data,
            starts: false,
            blame: Some(("port ", "RL018")),
            says: "is not writable: Permission denied. Exiting...",
            severity: None,
            conf_root: true,
        },
    ]
}

/// What the server did: started (and was stopped), or refused with this output.
fn run_server(
    conf: &Path,
    user: As,
    sentinel: bool,
    port: u16,
    cwd: &Path,
    out: &Path,
) -> Result<(), String> {
    let bin = if sentinel {
        "redis-sentinel"
    } else {
        "redis-server"
    };
    let mut cmd = match user {
        As::Root => Command::new(bin),
        As::Redis => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=redis", "--regid=redis", "--init-groups", bin]);
            c
        }
    };
    let log = std::fs::File::create(out).unwrap();
    cmd.arg(conf)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child: Child = cmd.spawn().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(std::fs::read_to_string(out).unwrap_or_default());
        }
        if command(port, &["PING"]).is_ok() {
            stop_child(&mut child);
            return Ok(());
        }
        if Instant::now() > deadline {
            stop_child(&mut child);
            return Err(format!(
                "no answer within 5 s\n{}",
                std::fs::read_to_string(out).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn redlint(conf_path: &Path, text: &str, sentinel: bool, user: As) -> Vec<Finding> {
    let host_path = conf_path.to_string_lossy().into_owned();
    let input = Input {
        path: host_path.trim_start_matches('/').to_string(),
        host_path: Some(host_path),
        bytes: text.as_bytes().to_vec(),
        kind: if sentinel {
            Kind::Sentinel
        } else {
            Kind::Redis
        },
    };
    let options = Options {
        on_host: true,
        run_as: Some(match user {
            As::Root => "root".to_string(),
            As::Redis => "redis".to_string(),
        }),
        ..Options::default()
    };
    redlint_core::check(vec![input], &RootFs("/".into()), &options).findings
}

#[test]
fn preflight_agrees_with_redis_server() {
    if !require_redis() {
        return;
    }
    if redis_ids().is_none() {
        eprintln!("SKIPPED: no `redis` user on this machine");
        return;
    }
    let mut failures = Vec::new();
    for case in cases() {
        let t = TempDir::new("preflight");
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        (case.setup)(t.path());
        let port = pick_port();
        let text = case
            .conf
            .replace("{T}", &t.path().to_string_lossy())
            .replace("{P2}", &pick_port().to_string());
        // The harness' lines first: the case's own lines (bind included) come later and win.
        let text = format!("port {port}\nbind 127.0.0.1\ndaemonize no\n{text}");
        let conf_dir = t.path().join("conf");
        mkdir(&conf_dir, 0o755, case.user == As::Redis);
        let conf = conf_dir.join(if case.sentinel {
            "sentinel.conf"
        } else {
            "redis.conf"
        });
        file(&conf, text.as_bytes(), 0o644);
        if case.user == As::Redis && !case.conf_root {
            // Sentinel rewrites its config: it must be the user's.
            let (u, g) = redis_ids().unwrap();
            chown(&conf, Some(u), Some(g)).unwrap();
        }
        let findings = redlint(&conf, &text, case.sentinel, case.user);
        let out_dir = TempDir::new("preflight-out");
        let server = run_server(
            &conf,
            case.user,
            case.sentinel,
            port,
            t.path(),
            &out_dir.path().join("out.txt"),
        );
        let blamed_line = case.blame.map(|(needle, _)| {
            let needle = needle.replace("{T}", &t.path().to_string_lossy());
            text.lines()
                .position(|l| l.contains(&needle))
                .expect("blamed line in the config")
                + 1
        });
        let on_line: Vec<&Finding> = findings
            .iter()
            .filter(|f| Some(f.line as usize) == blamed_line)
            .collect();
        let fatal: Vec<String> = findings
            .iter()
            .filter(|f| f.fatal)
            .map(|f| format!("{}:{} {}", f.line, f.code, f.message))
            .collect();
        let mut fail = |why: String| {
            failures.push(format!(
                "{} ({:?}): {why}\n  findings: {:#?}",
                case.name,
                case.user,
                findings
                    .iter()
                    .map(|f| format!(
                        "{}:{} {} {:?} fatal={} {}",
                        f.file, f.line, f.code, f.severity, f.fatal, f.message
                    ))
                    .collect::<Vec<_>>()
            ))
        };
        match (&server, case.starts) {
            (Ok(()), false) => fail("expected the server to refuse, it started".into()),
            (Err(out), true) => fail(format!("expected the server to start, it refused:\n{out}")),
            _ => {}
        }
        match &server {
            Err(out) => {
                if !out.contains(case.says) {
                    fail(format!("the server did not print `{}`:\n{out}", case.says));
                }
                let (_, code) = case.blame.expect("a refused case blames a line");
                if !on_line
                    .iter()
                    .any(|f| f.fatal && f.code == code && f.message.contains(case.says))
                {
                    fail(format!(
                        "no fatal {code} naming `{}` on line {blamed_line:?}",
                        case.says
                    ));
                }
                // One problem, one finding.
                let host = on_line
                    .iter()
                    .filter(|f| HOST_RULES.contains(&f.code))
                    .count();
                if host != 1 {
                    fail(format!(
                        "{host} host findings on line {blamed_line:?}, expected one"
                    ));
                }
            }
            Ok(()) => {
                if !fatal.is_empty() {
                    fail(format!(
                        "the server started, but redlint reports fatal findings: {fatal:?}"
                    ));
                }
                if let (Some((_, code)), Some(sev)) = (case.blame, case.severity) {
                    if !on_line.iter().any(|f| {
                        f.code == code && f.severity == sev && f.message.contains(case.says)
                    }) {
                        fail(format!(
                            "no {sev:?} {code} naming `{}` on line {blamed_line:?}",
                            case.says
                        ));
                    }
                } else {
                    let host: Vec<&Finding> = findings
                        .iter()
                        .filter(|f| HOST_RULES.contains(&f.code))
                        .collect();
                    if !host.is_empty() {
                        fail("the host is fine, but redlint reports a host finding".into());
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
