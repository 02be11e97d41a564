//! Following `include` and `aclfile` the way redis-server 7.0 does.
//!
//! Redis loads an included file at the point of the `include` line, recursively, with no cycle
//! detection (a cycle crashes 7.0.15 with SIGSEGV). A pattern containing `*`, `?` or `[` is a
//! glob(3): matches are read in sorted order, dot-files are not matched, and no match is
//! silently fine. A non-glob path that cannot be opened is fatal; a directory is a no-op.
//! Relative paths resolve against the process' working directory, which an earlier `dir`
//! changes; lacking a better guess we start from the main config's directory.
//!
//! A referenced path the filesystem reports as outside the checked tree
//! ([`FsError::OutsideTree`]: not under `--root`, not mapped, not given, and redlint is not on
//! the target host) is neither read nor reported missing: it is recorded as [`NotChecked`] and
//! becomes one notice per path.

use super::container::Container;
use super::{directive_name, Directive, FileId, Kind, NotChecked, Origin, Server, Workspace};
use crate::check::Diagnostic;
use crate::fs::{self, FileSystem, FsError};
use crate::limits;
use crate::rules;
use crate::syntax::conf::LineKind;

pub(super) struct Loader<'a> {
    ws: &'a mut Workspace,
    fs: &'a dyn FileSystem,
    diags: &'a mut Vec<Diagnostic>,
    not_checked: &'a mut Vec<NotChecked>,
    directives: Vec<Directive>,
    included: Vec<FileId>,
    /// Files being loaded, outermost first: a file met again here is a cycle.
    stack: Vec<FileId>,
    /// Working directory as Redis would have it (changed by `dir`).
    cwd: Option<String>,
    /// The container the server runs in (Compose): its paths are container paths, read
    /// through the service's bind mounts.
    container: Option<&'a Container>,
    /// Files loaded so far by includes (a file included twice counts twice, as Redis reads
    /// it twice): see [`limits::MAX_INCLUDE_LOADS`].
    loads: usize,
}

impl<'a> Loader<'a> {
    pub(super) fn new(
        ws: &'a mut Workspace,
        fs: &'a dyn FileSystem,
        main: FileId,
        diags: &'a mut Vec<Diagnostic>,
        not_checked: &'a mut Vec<NotChecked>,
        container: Option<&'a Container>,
    ) -> Loader<'a> {
        let cwd = match container {
            Some(c) => Some(fs::parent(&c.target).to_string()),
            None => ws
                .file(main)
                .host_path
                .as_deref()
                .map(|p| fs::parent(p).to_string()),
        };
        Loader {
            ws,
            fs,
            diags,
            not_checked,
            directives: Vec::new(),
            included: Vec::new(),
            stack: Vec::new(),
            cwd,
            container,
            loads: 0,
        }
    }

    pub(super) fn finish(self) -> (Vec<Directive>, Vec<FileId>, Option<String>) {
        (self.directives, self.included, self.cwd)
    }

    pub(super) fn load(&mut self, file: FileId) {
        self.stack.push(file);
        let line_count = self.ws.file(file).conf().map_or(0, |d| d.lines.len());
        for line in 0..line_count as u32 {
            let (_, _, l) = self.ws.conf_line(file, line);
            if l.kind != LineKind::Directive {
                continue;
            }
            let name = directive_name(self.ws, file, line);
            match name.as_str() {
                "include" => self.include(file, line),
                "dir" => {
                    if let Some(v) = self.arg(file, line, 1) {
                        let base = self.cwd.clone().unwrap_or_else(|| "/".to_string());
                        self.cwd = Some(fs::join(&base, &v));
                    }
                }
                _ => {}
            }
            let depth = self.stack.len().saturating_sub(1) as u32;
            self.directives.push(Directive {
                file,
                line,
                name,
                depth,
            });
        }
        self.stack.pop();
    }

    /// Record a cap of [`limits`] hit at an include line (once per message).
    fn over_limit(&mut self, file: FileId, span: crate::source::Span, why: String) {
        let f = self.ws.file(file);
        let line = f.source.position(span.start).line;
        let message = format!("{}:{line}: {why}", f.source.path);
        if !self.ws.limits.contains(&message) {
            self.ws.limits.push(message);
        }
    }

    fn arg(&self, file: FileId, line: u32, i: usize) -> Option<String> {
        let (f, doc, l) = self.ws.conf_line(file, line);
        let t = doc.tokens(l).get(i)?;
        Some(String::from_utf8_lossy(doc.value(&f.source.bytes, t)).into_owned())
    }

    fn include(&mut self, file: FileId, line: u32) {
        let (f, doc, l) = self.ws.conf_line(file, line);
        let tokens = doc.tokens(l);
        if tokens.len() != 2 {
            return; // arity is reported by the directive checks
        }
        let arg_span = tokens[1].span;
        let pattern = String::from_utf8_lossy(doc.value(&f.source.bytes, &tokens[1])).into_owned();
        let cwd = self.cwd.clone().unwrap_or_else(|| "/".to_string());
        let path = fs::join(&cwd, &pattern);
        // Redis opens it like any file and reads nothing: an empty include, not an error (and
        // never part of a checked tree, so it is not looked up).
        if path == "/dev/null" {
            return;
        }
        let Some(path) = in_tree(self.container, path, file, arg_span, self.not_checked) else {
            return;
        };
        if self.stack.len() >= limits::MAX_INCLUDE_DEPTH {
            self.over_limit(file, arg_span, format!(
                "includes nested deeper than {} levels: `{path}` and what it includes were not checked (real include trees are two or three levels deep; Redis 7.0 itself crashes on deep chains, redlint stops here)",
                limits::MAX_INCLUDE_DEPTH
            ));
            return;
        }
        let targets = if pattern.contains(['*', '?', '[']) {
            match expand_glob(self.fs, &path) {
                Ok(mut targets) => {
                    if targets.len() > limits::MAX_GLOB_MATCHES {
                        self.over_limit(file, arg_span, format!(
                            "the include glob `{path}` matches {} files, over the limit of {}: only the first {} were checked (the cap keeps the run bounded)",
                            targets.len(),
                            limits::MAX_GLOB_MATCHES,
                            limits::MAX_GLOB_MATCHES
                        ));
                        targets.truncate(limits::MAX_GLOB_MATCHES);
                    }
                    targets
                }
                Err(outside) => {
                    self.not_checked
                        .push(NotChecked::outside(outside, file, arg_span));
                    return;
                }
            }
        } else {
            match self.fs.metadata(&path) {
                Ok(m) if m.is_dir() => Vec::new(),
                Ok(_) => vec![path.clone()],
                Err(FsError::OutsideTree) => {
                    self.not_checked
                        .push(NotChecked::outside(path, file, arg_span));
                    return;
                }
                Err(e) => {
                    self.diags.push(
                        Diagnostic::new(&rules::INCLUDE_MISSING, file, arg_span, format!("cannot open included file `{path}`: {e}"))
                            .fatal()
                            .help("Redis refuses to start when a non-glob include cannot be opened; fix the path or use a glob (a glob that matches nothing is ignored)"),
                    );
                    return;
                }
            }
        };
        for target in targets {
            let id = match self.ws.by_host_path(&target) {
                Some(id) => id,
                None => match self.fs.read(&target) {
                    Ok(bytes) => {
                        let kind = if self.ws.file(file).kind == Kind::Sentinel {
                            Kind::Sentinel
                        } else {
                            Kind::Redis
                        };
                        self.ws.add(
                            self.fs.display_path(&target),
                            Some(target.clone()),
                            bytes,
                            kind,
                            Origin::Referenced,
                        )
                    }
                    Err(FsError::IsADirectory) => continue,
                    Err(FsError::OutsideTree) => {
                        self.not_checked
                            .push(NotChecked::outside(target.clone(), file, arg_span));
                        continue;
                    }
                    Err(e) => {
                        self.diags.push(
                            Diagnostic::new(
                                &rules::INCLUDE_MISSING,
                                file,
                                arg_span,
                                format!("cannot read included file `{target}`: {e}"),
                            )
                            .fatal(),
                        );
                        continue;
                    }
                },
            };
            if self.ws.file(id).conf().is_none() {
                continue;
            }
            if let Some(pos) = self.stack.iter().position(|f| *f == id) {
                let chain: Vec<String> = self.stack[pos..]
                    .iter()
                    .map(|f| self.ws.file(*f).source.path.clone())
                    .chain(std::iter::once(self.ws.file(id).source.path.clone()))
                    .collect();
                // Cut here, at the edge that closes the cycle: the rest is still analysed.
                self.diags.push(
                    Diagnostic::new(&rules::INCLUDE_CYCLE, file, arg_span, format!("this include closes an include cycle ({}): Redis 7.0.15 follows it until it crashes (SIGSEGV); redlint cuts the cycle here and checks the rest as if this line were not there", chain.join(" → ")))
                        .fatal()
                        .help("Redis 7.0 has no cycle detection: remove this include (or another include of the cycle)"),
                );
                continue;
            }
            if !self.included.contains(&id) {
                self.included.push(id);
            }
            self.loads += 1;
            if self.loads > limits::MAX_INCLUDE_LOADS {
                self.over_limit(file, arg_span, format!(
                    "this server loads more than {} included files (counting repeats): the rest were not checked (includes that each include the next several times grow exponentially; the cap keeps the run bounded)",
                    limits::MAX_INCLUDE_LOADS
                ));
                return;
            }
            self.load(id);
        }
    }
}

/// The host path a referenced path is read at: itself, or for a server in a container, the
/// bind-mounted source holding it. A container path no bind mount provides is the image's own
/// file: recorded as not checked, `None`.
fn in_tree(
    container: Option<&Container>,
    path: String,
    file: FileId,
    span: crate::source::Span,
    not_checked: &mut Vec<NotChecked>,
) -> Option<String> {
    let Some(c) = container else {
        return Some(path);
    };
    let host = c.host_path(&path);
    if host.is_none() {
        not_checked.push(NotChecked {
            path,
            file,
            span,
            container: Some(c.service.clone()),
        });
    }
    host
}

/// Which given files are servers of their own (`true`) rather than fragments of another: a
/// file included by another given file is a fragment, except in an include cycle, where every
/// file includes every other: the first given file of the cycle is its server, and the
/// cycle is cut at the edge that closes back onto it.
pub(super) fn mains(servers: &[&Server]) -> Vec<bool> {
    servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            !servers.iter().enumerate().any(|(j, t)| {
                j != i && t.included.contains(&s.main) && (j < i || !s.included.contains(&t.main))
            })
        })
        .collect()
}

/// Expand a glob(3) pattern over the host filesystem: component by component, sorted
/// bytewise (the C locale's order), dot-files only when the pattern component starts with `.`.
/// `Err(dir)` when a directory the pattern needs is outside the checked tree: what it would
/// match cannot be known (an empty match would wrongly look like "nothing to include").
pub(crate) fn expand_glob(fs: &dyn FileSystem, pattern: &str) -> Result<Vec<String>, String> {
    let mut current = vec![String::new()];
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for (i, comp) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for base in &current {
            if !comp.contains(['*', '?', '[']) {
                next.push(format!("{base}/{comp}"));
                continue;
            }
            let Ok(pat) = glob::Pattern::new(comp) else {
                continue;
            };
            let dir = if base.is_empty() { "/" } else { base.as_str() };
            let mut entries = match fs.read_dir(dir) {
                Ok(entries) => entries,
                Err(FsError::OutsideTree) => return Err(dir.to_string()),
                Err(_) => continue,
            };
            entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
            for e in entries {
                if e.name.starts_with('.') && !comp.starts_with('.') {
                    continue;
                }
                if (last || e.is_dir) && pat.matches(&e.name) {
                    next.push(format!("{base}/{}", e.name));
                }
            }
        }
        current = next;
    }
    current.retain(|p| fs.metadata(p).is_ok_and(|m| !m.is_dir()));
    Ok(current)
}

/// Find and load the ACL file a server names with `aclfile` (the last one wins).
pub(super) fn load_aclfile(
    ws: &mut Workspace,
    fs: &dyn FileSystem,
    server: &Server,
    cwd: Option<&str>,
    diags: &mut Vec<Diagnostic>,
    not_checked: &mut Vec<NotChecked>,
    container: Option<&Container>,
) -> Option<FileId> {
    let d = server.last("aclfile")?;
    let (f, doc, l) = ws.conf_line(d.file, d.line);
    let t = doc.tokens(l).get(1)?;
    let span = t.span;
    let value = String::from_utf8_lossy(doc.value(&f.source.bytes, t)).into_owned();
    if value.is_empty() {
        return None;
    }
    let path = in_tree(
        container,
        fs::join(cwd.unwrap_or("/"), &value),
        d.file,
        span,
        not_checked,
    )?;
    if let Some(id) = ws.by_host_path(&path) {
        return Some(id);
    }
    match fs.read(&path) {
        Ok(bytes) => Some(ws.add(
            fs.display_path(&path),
            Some(path),
            bytes,
            Kind::Acl,
            Origin::Referenced,
        )),
        Err(FsError::OutsideTree) => {
            not_checked.push(NotChecked::outside(path, d.file, span));
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::new(&rules::ACLFILE_MISSING, d.file, span, format!("cannot open the ACL file `{path}`: {e}"))
                    .fatal()
                    .help("Redis aborts at startup when the aclfile cannot be read (`Error loading ACLs, opening file`)"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use crate::fs::{DirEntry, FileSystem, FsError, MemoryFs, Metadata};
    use crate::{Input, Kind, Options};

    /// A filesystem that remembers every path it answered with content or metadata.
    struct Recording {
        inner: MemoryFs,
        answered: Mutex<Vec<String>>,
        asked: Mutex<Vec<String>>,
    }

    impl Recording {
        fn note<T>(&self, path: &str, r: Result<T, FsError>) -> Result<T, FsError> {
            self.asked.lock().unwrap().push(path.to_string());
            if r.is_ok() {
                self.answered.lock().unwrap().push(path.to_string());
            }
            r
        }
    }

    impl FileSystem for Recording {
        fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
            self.note(path, self.inner.read(path))
        }
        fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
            self.note(path, self.inner.metadata(path))
        }
        fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
            self.note(path, self.inner.read_dir(path))
        }
    }

    /// This machine holds a Redis of its own under /etc/redis and /srv; the checked tree is
    /// /repo. Off-host, nothing outside /repo is read, and each outside reference is said once.
    fn machine() -> Recording {
        let mut fs = MemoryFs::new();
        fs.insert("/etc/redis/redis.conf", "port 7777\nrequirepass machine\n");
        fs.insert("/etc/redis/users.acl", "user default on nopass ~* +@all\n");
        fs.insert("/etc/redis/conf.d/a.conf", "maxmemory 1mb\n");
        fs.insert("/srv/redis-data/dump.rdb", "x");
        fs.insert("/repo/local.conf", "timeout 5\n");
        fs.cover("/repo");
        Recording {
            inner: fs,
            answered: Mutex::new(Vec::new()),
            asked: Mutex::new(Vec::new()),
        }
    }

    fn given(text: &str) -> Input {
        Input {
            path: "repo/redis.conf".into(),
            host_path: Some("/repo/redis.conf".into()),
            bytes: text.as_bytes().to_vec(),
            kind: Kind::Redis,
        }
    }

    #[test]
    fn nothing_outside_the_tree_is_read_off_host() {
        let fs = machine();
        let conf = "include /etc/redis/redis.conf\ninclude /etc/redis/conf.d/*.conf\ninclude local.conf\n\
                    aclfile /etc/redis/users.acl\ninclude /etc/redis/redis.conf\ndir /srv/redis-data\n";
        let report = crate::check(vec![given(conf)], &fs, &Options::default());
        let answered = fs.answered.lock().unwrap().clone();
        assert!(
            answered.iter().all(|p| p.starts_with("/repo/")),
            "read outside the tree: {answered:?}"
        );
        assert!(answered.contains(&"/repo/local.conf".to_string()));
        // The host check on `dir` is not even asked off-host.
        assert!(!fs
            .asked
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.starts_with("/srv")));
        // Nothing from the machine's files: no finding about its port or password.
        assert!(report
            .findings
            .iter()
            .all(|f| f.file == "repo/redis.conf" || f.file.ends_with("local.conf")));
        assert!(
            !report.findings.iter().any(|f| f.fatal),
            "{:#?}",
            report.findings
        );
        let refs: Vec<(&str, Option<u32>)> = report
            .notices
            .iter()
            .filter(|n| n.kind == "reference-not-checked")
            .map(|n| (n.message.as_str(), n.line))
            .collect();
        assert_eq!(refs.len(), 3, "{refs:?}");
        assert!(refs[0].0.contains("`/etc/redis/redis.conf`") && refs[0].1 == Some(1));
        assert!(refs[1].0.contains("`/etc/redis/conf.d`") && refs[1].1 == Some(2));
        assert!(refs[2].0.contains("`/etc/redis/users.acl`") && refs[2].1 == Some(4));
        let help = report.notices[1].help.as_deref().unwrap_or("");
        assert!(
            help.contains("--map /etc/redis=") && help.contains("[paths]"),
            "{help}"
        );
    }

    #[test]
    fn missing_inside_the_tree_stays_a_finding() {
        let fs = machine();
        let conf = "include /repo/absent.conf\naclfile /repo/users.acl\n";
        let report = crate::check(vec![given(conf)], &fs, &Options::default());
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
        assert!(
            codes.contains(&"RL008") && codes.contains(&"RL024"),
            "{codes:?}"
        );
        assert!(report
            .notices
            .iter()
            .all(|n| n.kind != "reference-not-checked"));
    }

    /// A filesystem whose files vanish or turn unreadable between the look-up and the read
    /// (a file deleted by someone else while redlint runs, a path root cannot read here).
    struct Faulty {
        inner: MemoryFs,
        read_error: FsError,
    }

    impl FileSystem for Faulty {
        fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
            if path.starts_with("/repo/gone") {
                return Err(self.read_error.clone());
            }
            self.inner.read(path)
        }
        fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
            self.inner.metadata(path)
        }
        fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
            self.inner.read_dir(path)
        }
    }

    #[test]
    fn files_failing_between_discovery_and_read_are_findings_naming_them() {
        for error in [FsError::NotFound, FsError::PermissionDenied] {
            let mut inner = MemoryFs::new();
            inner.insert("/repo/gone.conf", "port 1\n");
            inner.insert("/repo/gone-d/a.conf", "port 2\n");
            inner.insert("/repo/gone.acl", "user x on\n");
            let fs = Faulty {
                inner,
                read_error: error.clone(),
            };
            let conf =
                "include /repo/gone.conf\ninclude /repo/gone-d/*.conf\naclfile /repo/gone.acl\n";
            let report = crate::check(vec![given(conf)], &fs, &Options::default());
            let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
            for path in ["/repo/gone.conf", "/repo/gone-d/a.conf", "/repo/gone.acl"] {
                assert!(
                    messages
                        .iter()
                        .any(|m| m.contains(path) && m.contains(&error.to_string())),
                    "{error:?}: nothing names {path}: {messages:#?}"
                );
            }
        }
    }

    #[test]
    fn a_deep_include_chain_stops_at_the_cap_without_recursing_further() {
        let mut fs = MemoryFs::new();
        for i in 0..5_000 {
            fs.insert(
                format!("/repo/c{i}.conf"),
                format!("include /repo/c{}.conf\n", i + 1),
            );
        }
        let report = crate::check(
            vec![given("include /repo/c0.conf\n")],
            &fs,
            &Options::default(),
        );
        let limits: Vec<&str> = report
            .notices
            .iter()
            .filter(|n| n.kind == crate::limits::NOTICE_KIND)
            .map(|n| n.message.as_str())
            .collect();
        assert_eq!(limits.len(), 1, "{limits:?}");
        assert!(limits[0].contains("deeper than 32 levels"), "{}", limits[0]);
        assert!(report.files <= crate::limits::MAX_INCLUDE_DEPTH + 2);
    }
}
