//! Following `include` and `aclfile` the way redis-server 7.0 does.
//!
//! Redis loads an included file at the point of the `include` line, recursively, with no cycle
//! detection (a cycle crashes 7.0.15 with SIGSEGV). A pattern containing `*`, `?` or `[` is a
//! glob(3): matches are read in sorted order, dot-files are not matched, and no match is
//! silently fine. A non-glob path that cannot be opened is fatal; a directory is a no-op.
//! Relative paths resolve against the process' working directory, which an earlier `dir`
//! changes; lacking a better guess we start from the main config's directory.

use super::{directive_name, Directive, FileId, Kind, Origin, Server, Workspace};
use crate::check::Diagnostic;
use crate::fs::{self, FileSystem, FsError};
use crate::rules;
use crate::syntax::conf::LineKind;

pub(super) struct Loader<'a> {
    ws: &'a mut Workspace,
    fs: &'a dyn FileSystem,
    diags: &'a mut Vec<Diagnostic>,
    directives: Vec<Directive>,
    included: Vec<FileId>,
    /// Files being loaded, outermost first: a file met again here is a cycle.
    stack: Vec<FileId>,
    /// Working directory as Redis would have it (changed by `dir`).
    cwd: Option<String>,
}

impl<'a> Loader<'a> {
    pub(super) fn new(
        ws: &'a mut Workspace,
        fs: &'a dyn FileSystem,
        main: FileId,
        diags: &'a mut Vec<Diagnostic>,
    ) -> Loader<'a> {
        let cwd = ws
            .file(main)
            .host_path
            .as_deref()
            .map(|p| fs::parent(p).to_string());
        Loader {
            ws,
            fs,
            diags,
            directives: Vec::new(),
            included: Vec::new(),
            stack: Vec::new(),
            cwd,
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
        let targets = if pattern.contains(['*', '?', '[']) {
            expand_glob(self.fs, &path)
        } else {
            match self.fs.metadata(&path) {
                Ok(m) if m.is_dir => Vec::new(),
                Ok(_) => vec![path.clone()],
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
            self.load(id);
        }
    }
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
pub(crate) fn expand_glob(fs: &dyn FileSystem, pattern: &str) -> Vec<String> {
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
            let Ok(mut entries) = fs.read_dir(dir) else {
                continue;
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
    current.retain(|p| fs.metadata(p).is_ok_and(|m| !m.is_dir));
    current
}

/// Find and load the ACL file a server names with `aclfile` (the last one wins).
pub(super) fn load_aclfile(
    ws: &mut Workspace,
    fs: &dyn FileSystem,
    server: &Server,
    cwd: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    let d = server.last("aclfile")?;
    let (f, doc, l) = ws.conf_line(d.file, d.line);
    let t = doc.tokens(l).get(1)?;
    let span = t.span;
    let value = String::from_utf8_lossy(doc.value(&f.source.bytes, t)).into_owned();
    if value.is_empty() {
        return None;
    }
    let path = fs::join(cwd.unwrap_or("/"), &value);
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
