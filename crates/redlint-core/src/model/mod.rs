//! The deployment model: every file found, parsed once, and the servers they make up (the
//! effective redis config after includes, with the origin of every value). Rules only query
//! this model; they never re-parse text and never do I/O.

pub mod container;
mod include;
pub mod kernel;
pub mod kind;
pub mod secrets;
pub mod sentinel;

use std::collections::HashMap;

pub use kind::Kind;

use crate::check::Diagnostic;
use crate::fs::FileSystem;
use crate::knowledge::directives;
use crate::source::{SourceFile, Span};
use crate::syntax::{acl, conf, sysctl, yaml};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug, Clone)]
pub enum Syntax {
    Conf(conf::ConfDocument),
    Acl(acl::AclDocument),
    Sysctl(sysctl::SysctlDocument),
    /// Helm values.
    Yaml(yaml::YamlDocument),
    /// Kinds redlint reads as plain text (systemd units, limits.d).
    Text,
}

/// Why a file is in the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named on the command line or found by walking a directory.
    Given,
    /// Pulled in by a reference in another file (`include`, `aclfile`).
    Referenced,
}

#[derive(Debug, Clone)]
pub struct File {
    pub source: SourceFile,
    /// Path on the target host (absolute), when known.
    pub host_path: Option<String>,
    pub kind: Kind,
    pub syntax: Syntax,
    /// Spans of passwords, hashes and other secrets, sorted; redacted in every output.
    pub secrets: Vec<Span>,
    /// The texts to mask wherever they are copied (see [`crate::redact::Redactor`]).
    pub secret_texts: Vec<Vec<u8>>,
    pub origin: Origin,
}

impl File {
    pub fn conf(&self) -> Option<&conf::ConfDocument> {
        match &self.syntax {
            Syntax::Conf(d) => Some(d),
            _ => None,
        }
    }
    pub fn acl(&self) -> Option<&acl::AclDocument> {
        match &self.syntax {
            Syntax::Acl(d) => Some(d),
            _ => None,
        }
    }
    pub fn sysctl(&self) -> Option<&sysctl::SysctlDocument> {
        match &self.syntax {
            Syntax::Sysctl(d) => Some(d),
            _ => None,
        }
    }
    pub fn yaml(&self) -> Option<&yaml::YamlDocument> {
        match &self.syntax {
            Syntax::Yaml(d) => Some(d),
            _ => None,
        }
    }
    /// True if `span` overlaps a secret.
    pub fn is_secret(&self, span: Span) -> bool {
        crate::redact::overlaps(&self.secrets, span)
    }
}

/// Every file of the deployment, parsed.
#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<File>,
    by_host: HashMap<String, FileId>,
    /// Caps of [`crate::limits`] this run hit, one message each: the run did not check
    /// everything it was given.
    pub limits: Vec<String>,
    /// Bytes admitted so far (see [`crate::limits::MAX_TOTAL_BYTES`]).
    total_bytes: usize,
    /// Files offered so far (see [`crate::limits::MAX_FILES`]).
    offered: usize,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    /// Add a file, parse it by kind, and return its id. A host path already present returns
    /// the existing file.
    pub fn add(
        &mut self,
        path: String,
        host_path: Option<String>,
        bytes: Vec<u8>,
        kind: Kind,
        origin: Origin,
    ) -> FileId {
        if let Some(h) = &host_path {
            if let Some(id) = self.by_host.get(h) {
                return *id;
            }
        }
        let bytes = self.admit(&path, bytes);
        let file = parse_file(path, host_path, bytes, kind, origin);
        let file = self.selectors_capped(file);
        self.insert(file)
    }

    /// An ACL file with more selectors than [`crate::limits::MAX_ACL_SELECTORS`] is kept
    /// empty (each selector is a full permission set when loaded), and the cap recorded.
    fn selectors_capped(&mut self, file: File) -> File {
        let Some(doc) = file.acl() else {
            return file;
        };
        let Some(why) =
            crate::limits::selector_refusal(crate::limits::acl_selectors(&file.source.bytes, doc))
        else {
            return file;
        };
        self.limits.push(format!("`{}` {why}", file.source.path));
        parse_file(
            file.source.path,
            file.host_path,
            Vec::new(),
            file.kind,
            file.origin,
        )
    }

    /// The bytes of a file if they are within [`crate::limits`], else nothing (the file is
    /// kept, empty, so references to it still resolve) and the cap is recorded.
    fn admit(&mut self, path: &str, bytes: Vec<u8>) -> Vec<u8> {
        use crate::limits;
        self.offered += 1;
        let refusal = if self.offered > limits::MAX_FILES {
            Some(format!(
                "was not read: the run already holds {} files, the limit (a deployment has tens; the cap keeps memory bounded)",
                limits::MAX_FILES
            ))
        } else if self.total_bytes + bytes.len() > limits::MAX_TOTAL_BYTES {
            Some(format!(
                "was not parsed: the files of this run would exceed {} bytes in all, the limit (the cap keeps memory bounded)",
                limits::MAX_TOTAL_BYTES
            ))
        } else {
            limits::file_refusal(bytes.len(), limits::line_count(&bytes))
        };
        match refusal {
            Some(why) => {
                self.limits.push(format!("`{path}` {why}"));
                Vec::new()
            }
            None => {
                self.total_bytes += bytes.len();
                bytes
            }
        }
    }

    /// Add many given files, parsing them in parallel where threads exist (not in the browser
    /// build, where the same code runs on one thread).
    pub fn add_given(&mut self, inputs: Vec<crate::Input>) {
        let inputs: Vec<crate::Input> = inputs
            .into_iter()
            .map(|mut i| {
                i.bytes = self.admit(&i.path, std::mem::take(&mut i.bytes));
                i
            })
            .collect();
        let parse =
            |i: crate::Input| parse_file(i.path, i.host_path, i.bytes, i.kind, Origin::Given);
        #[cfg(not(target_arch = "wasm32"))]
        let parsed: Vec<File> = {
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(8);
            if threads > 1 && inputs.len() > 1 {
                let chunk = inputs.len().div_ceil(threads);
                let mut chunks: Vec<Vec<crate::Input>> = Vec::new();
                let mut it = inputs.into_iter().peekable();
                while it.peek().is_some() {
                    chunks.push(it.by_ref().take(chunk).collect());
                }
                std::thread::scope(|scope| {
                    let handles: Vec<_> = chunks
                        .into_iter()
                        .map(|c| {
                            scope.spawn(move || c.into_iter().map(parse).collect::<Vec<File>>())
                        })
                        .collect();
                    // A parser never panics on input (property-tested); if one did, the join
                    // error is re-raised rather than silently losing files.
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                        .collect()
                })
            } else {
                inputs.into_iter().map(parse).collect()
            }
        };
        #[cfg(target_arch = "wasm32")]
        let parsed: Vec<File> = inputs.into_iter().map(parse).collect();
        for file in parsed {
            let file = self.selectors_capped(file);
            let dup = file
                .host_path
                .as_ref()
                .is_some_and(|h| self.by_host.contains_key(h));
            if !dup {
                self.insert(file);
            }
        }
    }

    fn insert(&mut self, file: File) -> FileId {
        let id = FileId(self.files.len() as u32);
        if let Some(h) = &file.host_path {
            self.by_host.insert(h.clone(), id);
        }
        self.files.push(file);
        id
    }

    pub fn file(&self, id: FileId) -> &File {
        &self.files[id.0 as usize]
    }

    pub fn by_host_path(&self, host_path: &str) -> Option<FileId> {
        self.by_host.get(host_path).copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> {
        (0..self.files.len() as u32).map(FileId)
    }

    /// The line of a conf file.
    pub fn conf_line(&self, file: FileId, line: u32) -> (&File, &conf::ConfDocument, &conf::Line) {
        let f = self.file(file);
        let doc = f.conf().expect("conf file");
        (f, doc, &doc.lines[line as usize])
    }
}

/// Parse one file by kind and find its secrets: pure, so files can be parsed in parallel.
fn parse_file(
    path: String,
    host_path: Option<String>,
    bytes: Vec<u8>,
    kind: Kind,
    origin: Origin,
) -> File {
    let syntax = match kind {
        Kind::Redis | Kind::Sentinel => Syntax::Conf(conf::parse(&bytes)),
        Kind::Acl => Syntax::Acl(acl::parse(&bytes)),
        Kind::Sysctl => Syntax::Sysctl(sysctl::parse(&bytes)),
        Kind::Helm | Kind::Compose => Syntax::Yaml(yaml::parse(&bytes)),
        Kind::Systemd | Kind::Limits => Syntax::Text,
    };
    let secrets = crate::redact::find(kind, &bytes, &syntax);
    File {
        source: SourceFile::new(path, bytes),
        host_path,
        kind,
        syntax,
        secrets: secrets.spans,
        secret_texts: secrets.texts,
        origin,
    }
}

/// One directive line of a server's effective configuration, in load order.
#[derive(Debug, Clone)]
pub struct Directive {
    pub file: FileId,
    /// Index into the file's `ConfDocument::lines`.
    pub line: u32,
    /// Lower-case primary name (aliases resolved).
    pub name: String,
    /// Include nesting: 0 in the main file, 1 in a file it includes, … (the `include` line
    /// that loaded a line at depth d is the next directive at depth d − 1).
    pub depth: u32,
}

/// A redis-server or Sentinel process: its main file and everything it loads.
#[derive(Debug, Clone)]
pub struct Server {
    pub main: FileId,
    pub sentinel: bool,
    /// Every directive line in load order, includes expanded where they stand.
    pub directives: Vec<Directive>,
    /// Canonical name → indices into `directives`, in load order.
    index: HashMap<String, Vec<u32>>,
    /// Files this server loads through `include`, in load order (each at most once).
    pub included: Vec<FileId>,
    /// The ACL file named by `aclfile`, when it could be read.
    pub aclfile: Option<FileId>,
}

impl Server {
    /// Every line of a directive, in load order.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.index
            .get(name)
            .into_iter()
            .flatten()
            .map(move |i| &self.directives[*i as usize])
    }
    /// The line that wins for a single-valued directive.
    pub fn last(&self, name: &str) -> Option<&Directive> {
        self.index
            .get(name)
            .and_then(|v| v.last())
            .map(|i| &self.directives[*i as usize])
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }
}

/// Facts about the target host, from flags or detection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostFacts {
    /// Bytes of memory available to Redis (host or container limit).
    pub memory: Option<u64>,
    pub cpus: Option<u32>,
    /// The open-files limit the service gets.
    pub nofile: Option<u64>,
}

/// The whole deployment, built once from the workspace.
#[derive(Debug, Default)]
pub struct Deployment {
    pub servers: Vec<Server>,
    pub host: HostFacts,
    /// Config files mounted into Redis containers (Docker Compose), by file.
    pub containers: HashMap<FileId, container::Container>,
    /// References to configs outside the checked tree, not read (in the order met).
    pub not_checked: Vec<NotChecked>,
}

/// A referenced config (`include`, `aclfile`) outside the checked tree: not read, because this
/// machine's file of that name is not the target host's. Said once per path as a notice.
#[derive(Debug, Clone)]
pub struct NotChecked {
    /// The host path (for a glob, the directory that could not be listed).
    pub path: String,
    /// The referencing line's file and argument.
    pub file: FileId,
    pub span: Span,
    /// For a config in a container: the Compose service, when no bind mount provides the path
    /// (`path` is then a path in the container).
    pub container: Option<String>,
}

impl NotChecked {
    /// A host path outside the checked tree, referenced at `span` of `file`.
    pub fn outside(path: String, file: FileId, span: Span) -> NotChecked {
        NotChecked {
            path,
            file,
            span,
            container: None,
        }
    }
}

impl Deployment {
    /// The container a config file runs in, when a Compose file here mounts it into one.
    pub fn container(&self, file: FileId) -> Option<&container::Container> {
        self.containers.get(&file)
    }
}

impl Deployment {
    /// Build the model; problems found while resolving references (missing or cyclic
    /// includes, unreadable ACL files) are returned as diagnostics.
    pub fn build(
        ws: &mut Workspace,
        fs: &dyn FileSystem,
        host: HostFacts,
    ) -> (Deployment, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut not_checked = Vec::new();
        let mut servers = Vec::new();
        let given: Vec<FileId> = ws
            .ids()
            .filter(|id| {
                matches!(ws.file(*id).kind, Kind::Redis | Kind::Sentinel)
                    && ws.file(*id).origin == Origin::Given
            })
            .collect();
        // Which given configs run in containers: their references are container paths.
        let in_containers: HashMap<FileId, container::Container> =
            container::containers(ws).into_iter().collect();
        // Each given file's server, with what its loader found.
        let mut loaded: Vec<(Server, Vec<Diagnostic>)> = Vec::new();
        for main in given {
            let sentinel = ws.file(main).kind == Kind::Sentinel;
            let mut found = Vec::new();
            let mut loader = include::Loader::new(
                ws,
                fs,
                main,
                &mut found,
                &mut not_checked,
                in_containers.get(&main),
            );
            loader.load(main);
            let (directives, included, dir) = loader.finish();
            let mut index: HashMap<String, Vec<u32>> = HashMap::new();
            for (i, d) in directives.iter().enumerate() {
                index.entry(d.name.clone()).or_default().push(i as u32);
            }
            let mut server = Server {
                main,
                sentinel,
                directives,
                index,
                included,
                aclfile: None,
            };
            server.aclfile = include::load_aclfile(
                ws,
                fs,
                &server,
                dir.as_deref(),
                &mut found,
                &mut not_checked,
                in_containers.get(&main),
            );
            loaded.push((server, found));
        }
        let keep = include::mains(&loaded.iter().map(|(s, _)| s).collect::<Vec<_>>());
        for ((server, found), keep) in loaded.into_iter().zip(keep) {
            // A fragment's own loading repeats its server's (an include cycle would be
            // reported once per file of the cycle): only servers speak.
            if keep {
                servers.push(server);
                diags.extend(found);
            }
        }
        let containers = container::containers(ws).into_iter().collect();
        (
            Deployment {
                servers,
                host,
                containers,
                not_checked,
            },
            diags,
        )
    }
}

/// The decoded name of a directive line (the first token).
pub fn directive_name(ws: &Workspace, file: FileId, line: u32) -> String {
    let (f, doc, l) = ws.conf_line(file, line);
    let tokens = doc.tokens(l);
    directives::canonical_name(doc.value(&f.source.bytes, &tokens[0])).into_owned()
}
