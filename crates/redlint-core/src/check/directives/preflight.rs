//! The preflight: every host failure redis-server 7.0.15 would reveal one restart at a time,
//! reported at once. Host checks only (they look at the target host through
//! [`Context::host_fs`], so they run only with `--on-host`):
//!
//! - RL017: a path Redis needs does not exist (`dir`, the log file's, Unix socket's, pid
//!   file's and cluster config file's directories, a module);
//! - RL018: the user Redis runs as may not search, read or write it (`dir "/root"`);
//! - RL019: a TLS certificate, key, CA or DH parameters file is missing;
//! - RL025: a `bind` host name does not resolve.
//!
//! What is fatal was found by starting the real server as root and as the `redis` user
//! (`tests/tests/preflight_differential.rs` pins each case).

use std::cell::OnceCell;

use super::server::{last, Entry};
use super::{bind, display};
use crate::check::host::{self, Access, RunAs, R, W, X};
use crate::check::{Context, Diagnostic};
use crate::finding::Severity;
use crate::fs::{self, FileSystem};
use crate::knowledge::directives::cstr;
use crate::knowledge::directives::values::yes_no;
use crate::model::Server;
use crate::rules;

/// The target host as the checks see it: asked once per lookup (so that off-host each
/// lookup counts as a host check not run), with the Redis user found once.
struct Host<'c, 'a> {
    ctx: &'c Context<'a>,
    user: OnceCell<Option<RunAs>>,
}

impl<'a> Host<'_, 'a> {
    fn fs(&self) -> Option<&'a dyn FileSystem> {
        self.ctx.host_fs()
    }
    fn user(&self, fs: &dyn FileSystem) -> Option<&RunAs> {
        self.user
            .get_or_init(|| host::run_as(self.ctx, fs))
            .as_ref()
    }
    /// `access(path, want)` as the Redis user.
    fn access(&self, path: &str, want: u32) -> Access {
        match self.fs() {
            Some(fs) => host::access(fs, self.user(fs), path, want),
            None => Access::Unknown,
        }
    }
    /// Creating (or rewriting) a file as the Redis user.
    fn create(&self, path: &str, replace: bool) -> Access {
        match self.fs() {
            Some(fs) => host::create(fs, self.user(fs), path, replace),
            None => Access::Unknown,
        }
    }
    /// Who is denied, for messages.
    fn who(&self) -> String {
        match self.user.get().and_then(Option::as_ref) {
            Some(u) => format!("the user `{}`", u.name),
            None => "the Redis user".to_string(),
        }
    }
}

/// A path argument as Redis resolves it: absolute, or relative to the `dir` in effect (`cwd`);
/// `None` when it is relative to the directory Redis is started in, which we do not know.
fn resolve(arg: &[u8], cwd: Option<&str>) -> Option<String> {
    let value = String::from_utf8_lossy(cstr(arg));
    if value.starts_with('/') {
        Some(fs::normalize(&value))
    } else {
        cwd.map(|base| fs::join(base, &value))
    }
}

/// The last accepted, non-empty value of a path directive, resolved.
fn path_of<'e, 'a>(
    entries: &'e [Entry<'a>],
    name: &str,
    cwd: Option<&str>,
) -> Option<(&'e Entry<'a>, String)> {
    let e = last(entries, name)?;
    if cstr(e.vals[1]).is_empty() {
        return None;
    }
    Some((e, resolve(e.vals[1], cwd)?))
}

const PERMISSION_HELP: &str = "give the user Redis runs as access (`chown redis:redis …`, or search permission `chmod o+x` on each directory on the way), or point the directive elsewhere; redlint judges as the user from `--run-as`, the systemd unit's `User=`, else `redis`";

fn denied(
    e: &Entry<'_>,
    hostv: &Host<'_, '_>,
    at: &str,
    meta: &crate::fs::Metadata,
    what: String,
    consequence: &str,
) -> Diagnostic {
    Diagnostic::new(
        &rules::PERMISSION_DENIED,
        e.file,
        e.span(1),
        format!(
            "{what}: {} is refused at {}: {consequence}",
            hostv.who(),
            host::describe(at, meta)
        ),
    )
    .help(PERMISSION_HELP)
}

pub(super) fn check(
    ctx: &Context<'_>,
    server: &Server,
    entries: &[Entry<'_>],
    out: &mut Vec<Diagnostic>,
) {
    // Mounted into a container: its paths name the container's filesystem (the image's and
    // the mounts'), which the host tree does not show.
    if ctx.deployment.container(server.main).is_some() {
        return;
    }
    let h = Host {
        ctx,
        user: OnceCell::new(),
    };
    let cwd = dir_lines(&h, entries, out);
    // Sentinel writes nothing into its working directory (its config file is rewritten where
    // it is).
    if let (Some((e, path, true)), false) = (cwd.as_ref(), server.sentinel) {
        dir_writable(&h, entries, e, path, out);
    }
    let cwd = cwd.map(|(_, p, _)| p);
    let cwd = cwd.as_deref();
    if !server.sentinel {
        modules(&h, entries, cwd, out);
        cluster_config(&h, entries, cwd, out);
        aclfile(&h, entries, cwd, out);
    }
    if server.sentinel {
        sentinel_config(&h, server, out);
    }
    logfile(&h, entries, cwd, out);
    unixsocket(&h, entries, cwd, out);
    pidfile(&h, entries, cwd, out);
    tls_files(&h, entries, cwd, out);
    bind_names(&h, server, entries, out);
}

/// RL017/RL018 on every `dir` line: Redis `chdir`s into each while reading the file. Returns
/// the last one (the working directory Redis runs in), when known, and whether the host
/// showed it to be a directory the Redis user can enter.
fn dir_lines<'e, 'a>(
    h: &Host<'_, '_>,
    entries: &'e [Entry<'a>],
    out: &mut Vec<Diagnostic>,
) -> Option<(&'e Entry<'a>, String, bool)> {
    let mut cwd: Option<(&Entry<'_>, String, bool)> = None;
    for e in entries.iter().filter(|e| e.ok && e.name == "dir") {
        let Some(path) = resolve(e.vals[1], cwd.as_ref().map(|(_, p, _)| p.as_str())) else {
            continue;
        };
        let shown = display(e.vals[1]);
        // Existence first (a file is `Not a directory` even to root), then search permission.
        let access = match h.access(&path, 0) {
            Access::Ok(m) if !m.is_dir() => Access::Missing("Not a directory"),
            Access::Ok(_) => h.access(&path, X),
            other => other,
        };
        let entered = matches!(access, Access::Ok(_));
        match access {
            Access::Missing(why) => out.push(missing_dir(e, &shown, &path, why)),
            Access::Denied { at, meta } => out.push(
                denied(e, h, &at, &meta, format!("`dir {shown}`"), "Redis changes into the directory while reading the file and refuses to start (`Permission denied`)").fatal(),
            ),
            _ => {}
        }
        cwd = Some((e, path, entered));
    }
    cwd
}

fn missing_dir(e: &Entry<'_>, shown: &str, path: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        &rules::DIR_MISSING,
        e.file,
        e.span(1),
        format!("`dir {shown}`: `{path}` is not a directory on the target host, and Redis changes into it while reading the file: it refuses to start (`{why}`)"),
    )
    .fatal()
    .help("create the directory (owned by the user Redis runs as) before starting Redis, or point `dir` at an existing one; with `--root`, the tree stands for the host's `/`, so the directory must exist in it too")
}

/// Whether RDB snapshots are on: the default save points, unless the last `save` is `""`.
fn saves(entries: &[Entry<'_>]) -> bool {
    last(entries, "save").is_none_or(|e| e.split_values().iter().any(|v| !v.is_empty()))
}

/// RL018: the working directory must be writable by the Redis user for everything Redis
/// writes there. Fatal only when the append-only directory has to be created at startup;
/// snapshots fail later (and with them the save at shutdown); otherwise a warning. Only for a
/// `dir` the user can enter (anything else is reported on the `dir` line).
fn dir_writable(
    h: &Host<'_, '_>,
    entries: &[Entry<'_>],
    e: &Entry<'_>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Access::Denied { at, meta } = h.access(path, W | X) else {
        return;
    };
    let shown = format!("`dir {}`", display(e.vals[1]));
    let aof = last(entries, "appendonly").is_some_and(|a| yes_no(a.vals[1]) == Some(true));
    let aof_dir = last(entries, "appenddirname")
        .map(|a| String::from_utf8_lossy(cstr(a.vals[1])).into_owned())
        .unwrap_or_else(|| "appendonlydir".to_string());
    let d = if aof && matches!(h.access(&fs::join(path, &aof_dir), X), Access::Missing(_)) {
        denied(e, h, &at, &meta, format!("{shown} is not writable"), &format!("with `appendonly yes` Redis creates `{aof_dir}` there and refuses to start (`Can't open or create append-only dir {aof_dir}: Permission denied`)")).fatal()
    } else if saves(entries) {
        denied(e, h, &at, &meta, format!("{shown} is not writable"), "Redis starts, but every snapshot fails (`Failed opening the temp RDB file … for saving: Permission denied`), and so does the save at shutdown, so Redis refuses to stop (`Error trying to save the DB, can't exit.`)")
    } else {
        denied(e, h, &at, &meta, format!("{shown} is not writable"), "Redis starts, but cannot write anything there (`SAVE`, `BGSAVE`, a later `appendonly yes` or `CONFIG REWRITE` of a relative path fail)").severity(Severity::Warning)
    };
    out.push(d);
}

/// RL017: a module that is not a file (Redis aborts after reading the configuration).
fn modules(h: &Host<'_, '_>, entries: &[Entry<'_>], cwd: Option<&str>, out: &mut Vec<Diagnostic>) {
    for e in entries.iter().filter(|e| e.ok && e.name == "loadmodule") {
        let Some(path) = resolve(e.vals[1], cwd) else {
            continue;
        };
        let why = match h.access(&path, 0) {
            Access::Missing(why) => why,
            Access::Ok(m) if m.is_dir() => "Is a directory",
            _ => continue,
        };
        out.push(
            Diagnostic::new(
                &rules::DIR_MISSING,
                e.file,
                e.span(1),
                format!("the module `{path}` is not a file on the target host ({why}): Redis aborts at startup (`Module {} failed to load`)", display(e.vals[1])),
            )
            .fatal()
            .help("install the module at that path, fix the path, or remove the `loadmodule` line (and the module's options)"),
        );
    }
}

/// A file Redis creates or opens for writing: missing directory → RL017, no permission →
/// RL018, with what Redis prints (`{}` is the errno text).
struct Created<'s> {
    directive: &'s str,
    /// What Redis does when it fails, with `{}` for the errno text.
    refusal: &'s str,
    fatal: bool,
    /// The file is removed first (a Unix socket): only the directory counts.
    replace: bool,
    help: &'s str,
}

fn created(
    h: &Host<'_, '_>,
    entries: &[Entry<'_>],
    cwd: Option<&str>,
    c: &Created<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some((e, path)) = path_of(entries, c.directive, cwd) else {
        return;
    };
    let what = format!("`{} {}`", c.directive, display(e.vals[1]));
    let mut d = match h.create(&path, c.replace) {
        Access::Missing(why) => Diagnostic::new(
            &rules::DIR_MISSING,
            e.file,
            e.span(1),
            format!(
                "{what}: {}: {}",
                no_dir(fs::parent(&path), why),
                c.refusal.replace("{}", why)
            ),
        )
        .help(c.help),
        Access::Denied { at, meta } => denied(
            e,
            h,
            &at,
            &meta,
            what,
            &c.refusal.replace("{}", "Permission denied"),
        ),
        _ => return,
    };
    d = if c.fatal {
        d.fatal()
    } else {
        d.severity(Severity::Warning)
    };
    out.push(d);
}

/// Why the directory of a file is not there: missing, or not a directory.
fn no_dir(dir: &str, why: &str) -> String {
    match why {
        "No such file or directory" => {
            format!("the directory `{dir}` does not exist on the target host")
        }
        _ => format!(
            "`{dir}` (or a directory above it) is not a directory on the target host ({why})"
        ),
    }
}

fn logfile(h: &Host<'_, '_>, entries: &[Entry<'_>], cwd: Option<&str>, out: &mut Vec<Diagnostic>) {
    created(h, entries, cwd, &Created {
        directive: "logfile",
        refusal: "Redis refuses to start (`Can't open the log file: {}`)",
        fatal: true,
        replace: false,
        help: "create the log directory (writable by the user Redis runs as), or use `logfile \"\"` to log to standard output (the journal under systemd)",
    }, out);
}

fn unixsocket(
    h: &Host<'_, '_>,
    entries: &[Entry<'_>],
    cwd: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    created(h, entries, cwd, &Created {
        directive: "unixsocket",
        refusal: "Redis aborts at startup (`Failed opening Unix socket: bind: {}`)",
        fatal: true,
        replace: true,
        help: "create the socket's directory, writable by the user Redis runs as (systemd: `RuntimeDirectory=redis` gives `/run/redis`)",
    }, out);
}

fn pidfile(h: &Host<'_, '_>, entries: &[Entry<'_>], cwd: Option<&str>, out: &mut Vec<Diagnostic>) {
    created(h, entries, cwd, &Created {
        directive: "pidfile",
        refusal: "Redis starts but writes no pid file, without a word in its log (`{}`); a service manager that waits for it (`Type=forking` with `PIDFile=`) reports the start as failed",
        fatal: false,
        replace: false,
        help: "create the pid file's directory, writable by the user Redis runs as (systemd: `RuntimeDirectory=redis`), or drop `pidfile` when Redis is not daemonized",
    }, out);
}

/// RL017/RL018: with `cluster-enabled yes`, Redis opens (creating) and locks the cluster
/// config file at startup; relative to `dir`.
fn cluster_config(
    h: &Host<'_, '_>,
    entries: &[Entry<'_>],
    cwd: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    if last(entries, "cluster-enabled").is_none_or(|e| yes_no(e.vals[1]) != Some(true)) {
        return;
    }
    let (e, written) = match last(entries, "cluster-config-file") {
        Some(e) => (
            Some(e),
            String::from_utf8_lossy(cstr(e.vals[1])).into_owned(),
        ),
        None => (None, "nodes.conf".to_string()),
    };
    let Some(path) = resolve(written.as_bytes(), cwd) else {
        return;
    };
    // Without the directive, the finding goes on the `cluster-enabled` line.
    let Some(e) = e.or_else(|| last(entries, "cluster-enabled")) else {
        return;
    };
    let what = format!("the cluster config file `{written}`");
    let refusal = |why: &str| {
        format!("Redis refuses to start (`Can't open {written} in order to acquire a lock: {why}`)")
    };
    let d = match h.create(&path, false) {
        Access::Missing(why) => Diagnostic::new(
            &rules::DIR_MISSING,
            e.file,
            e.span(1),
            format!("{what}: {}: {}", no_dir(fs::parent(&path), why), refusal(why)),
        )
        .help("create the directory, writable by the user Redis runs as, or set `cluster-config-file` to a file in `dir`"),
        Access::Denied { at, meta } => denied(e, h, &at, &meta, what, &refusal("Permission denied")),
        _ => return,
    };
    out.push(d.fatal());
}

/// RL018: Sentinel rewrites its own config file, and refuses to start when it may not
/// (`sentinel.c: sentinelCheckConfigFile`, `access(W_OK)`). Reported on the file's first line.
fn sentinel_config(h: &Host<'_, '_>, server: &Server, out: &mut Vec<Diagnostic>) {
    let file = h.ctx.ws.file(server.main);
    let Some(path) = file.host_path.as_deref() else {
        return;
    };
    let Some(fs) = h.fs() else { return };
    let user = h.user(fs);
    if let Access::Denied { at, meta } = host::access(fs, user, path, W) {
        let end = file
            .source
            .bytes
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(file.source.bytes.len());
        out.push(
            Diagnostic::new(
                &rules::PERMISSION_DENIED,
                server.main,
                crate::source::Span::new(0, end),
                format!(
                    "the Sentinel config file `{path}` is not writable: {} is refused at {}: Sentinel refuses to start (`Sentinel config file {path} is not writable: Permission denied. Exiting...`)",
                    h.who(),
                    host::describe(&at, &meta)
                ),
            )
            .fatal()
            .help("Sentinel rewrites its config file (state, discovered replicas and Sentinels): make it owned by the user Sentinel runs as (`chown redis: sentinel.conf`)"),
        );
    }
}

/// RL018: the ACL file must be readable by the Redis user (a missing one is RL024).
fn aclfile(h: &Host<'_, '_>, entries: &[Entry<'_>], cwd: Option<&str>, out: &mut Vec<Diagnostic>) {
    let Some((e, path)) = path_of(entries, "aclfile", cwd) else {
        return;
    };
    if let Access::Denied { at, meta } = h.access(&path, R) {
        out.push(
            denied(e, h, &at, &meta, format!("`aclfile {}` is not readable", display(e.vals[1])), &format!("Redis refuses to start (`Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '{path}': Permission denied`)"))
            .fatal(),
        );
    }
}

/// The TLS files Redis loads at startup when TLS is in use, with what it prints when one
/// cannot be read (`{p}`: the path; `{}`: the errno text).
const TLS_FILES: &[(&str, &str)] = &[
    ("tls-cert-file", "Failed to load certificate: {p}: … {}"),
    ("tls-key-file", "Failed to load private key: {p}: … {}"),
    (
        "tls-client-cert-file",
        "Failed to load certificate: {p}: … {}",
    ),
    (
        "tls-client-key-file",
        "Failed to load private key: {p}: … {}",
    ),
    (
        "tls-ca-cert-file",
        "Failed to configure CA certificate(s) file/directory: … {}",
    ),
    ("tls-dh-params-file", "Failed to load {p}: {}"),
];

/// Whether Redis configures TLS at startup (`tls-port`, `tls-replication` or `tls-cluster`).
fn tls_in_use(entries: &[Entry<'_>]) -> bool {
    let on =
        |name| last(entries, name).is_some_and(|e: &Entry<'_>| yes_no(e.vals[1]) == Some(true));
    let port = last(entries, "tls-port").is_some_and(|e| {
        std::str::from_utf8(cstr(e.vals[1]))
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|p| p != 0)
    });
    port || on("tls-replication") || on("tls-cluster")
}

/// RL019/RL018: TLS files missing or unreadable when TLS is in use (Redis: `Failed to configure
/// TLS`). A missing `tls-ca-cert-dir` does not stop Redis (OpenSSL looks certificates up there
/// only when verifying a peer): a warning.
fn tls_files(
    h: &Host<'_, '_>,
    entries: &[Entry<'_>],
    cwd: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    if !tls_in_use(entries) {
        return;
    }
    for (name, printed) in TLS_FILES {
        let Some((e, path)) = path_of(entries, name, cwd) else {
            continue;
        };
        let said = |why: &str| {
            printed
                .replace("{p}", &String::from_utf8_lossy(cstr(e.vals[1])))
                .replace("{}", why)
        };
        let what = format!("`{name} {}`", display(e.vals[1]));
        let d = match h.access(&path, R) {
            Access::Missing(why) => Diagnostic::new(
                &rules::TLS_FILE_MISSING,
                e.file,
                e.span(1),
                format!("{what}: `{path}` does not exist on the target host: Redis refuses to start (`{}`, then `Failed to configure TLS. Check logs for more info.`)", said(why)),
            )
            .help("install the file at that path on every host (or fix the path) before starting Redis"),
            Access::Ok(m) if m.is_dir() => Diagnostic::new(
                &rules::TLS_FILE_MISSING,
                e.file,
                e.span(1),
                format!("{what}: `{path}` is a directory, not a file: Redis refuses to start (`Failed to configure TLS. Check logs for more info.`)"),
            )
            .help("name the file itself"),
            Access::Denied { at, meta } => denied(e, h, &at, &meta, format!("{what} is not readable"), &format!("Redis refuses to start (`{}`, then `Failed to configure TLS. Check logs for more info.`)", said("Permission denied"))),
            _ => continue,
        };
        out.push(d.fatal());
    }
    if let Some((e, path)) = path_of(entries, "tls-ca-cert-dir", cwd) {
        let what = format!("`tls-ca-cert-dir {}`", display(e.vals[1]));
        let d = match h.access(&path, R | X) {
            Access::Missing(why) => Diagnostic::new(
                &rules::TLS_FILE_MISSING,
                e.file,
                e.span(1),
                format!("{what}: `{path}` does not exist on the target host ({why}): Redis starts, but cannot verify any peer certificate against it"),
            )
            .help("install the CA directory (hashed with `openssl rehash`) or fix the path"),
            Access::Denied { at, meta } => denied(e, h, &at, &meta, format!("{what} is not readable"), "Redis starts, but cannot verify any peer certificate against it"),
            _ => return,
        };
        out.push(d.severity(Severity::Warning));
    }
}

/// RL025: a `bind` host name the target host cannot resolve: Redis aborts when it listens
/// (even for a `-`-optional address). Addresses and CIDR (RL007) are config-alone.
fn bind_names(h: &Host<'_, '_>, server: &Server, entries: &[Entry<'_>], out: &mut Vec<Diagnostic>) {
    let Some(e) = last(entries, "bind") else {
        return;
    };
    let port = last(entries, "port")
        .and_then(|p| {
            std::str::from_utf8(cstr(p.vals[1]))
                .ok()?
                .parse::<u16>()
                .ok()
        })
        .unwrap_or(if server.sentinel { 26379 } else { 6379 });
    for (name, span) in bind::host_names(e.tokens, &e.vals) {
        let Some(fs) = h.fs() else { continue };
        if fs.resolves(&name) != Some(false) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &rules::BIND_HOSTNAME_UNRESOLVED,
                e.file,
                span,
                format!("`{name}` does not resolve on the target host: Redis aborts at startup (`Could not create server TCP listening socket {name}:{port}: Name or service not known`), even when the address is marked optional with `-`"),
            )
            .fatal()
            .help("bind this host's interface addresses (e.g. `bind 127.0.0.1 10.0.4.7`), or make the name resolve here (`/etc/hosts`, DNS) before Redis starts"),
        );
    }
}
