//! Loading users the two ways redis-server 7.0.15 does: an ACL file (`ACLLoadFromFile`) or
//! the `user` lines of redis.conf (`ACLAppendUserForLoading` while the config is read, then
//! `ACLLoadConfiguredUsers` at startup). Every problem that makes Redis refuse to start is
//! recorded with its place; the users are built as far as their rules apply.

use std::collections::HashMap;

use super::decl::{acl_file_line, conf_user_line, AclFileLine, UserDecl};
use super::rule::{has_spaces, AclError, RuleKind};
use super::user::{failing_selector_op, AclUser, Env};
use crate::model::FileId;
use crate::source::Span;
use crate::syntax::acl::{AclDocument, AclLineKind};
use crate::syntax::conf::ConfDocument;

/// Where a user was declared.
#[derive(Debug, Clone)]
pub struct DeclRef {
    pub file: FileId,
    /// Line index in the file's document.
    pub line: u32,
    pub decl: UserDecl,
}

/// A user and where it comes from (`None`: Redis' built-in `default`).
#[derive(Debug, Clone)]
pub struct LoadedUser {
    pub user: AclUser,
    pub decl: Option<DeclRef>,
}

/// The users of a server, in the order they were defined (`default` where Redis puts it).
#[derive(Debug, Clone, Default)]
pub struct UserSet {
    pub users: Vec<LoadedUser>,
    by_name: HashMap<Vec<u8>, usize>,
}

impl UserSet {
    pub fn get(&self, name: &[u8]) -> Option<&LoadedUser> {
        self.by_name.get(name).map(|i| &self.users[*i])
    }
    fn get_mut(&mut self, name: &[u8]) -> Option<&mut LoadedUser> {
        self.by_name.get(name).map(|i| &mut self.users[*i])
    }
    pub fn insert(&mut self, user: LoadedUser) {
        match self.by_name.get(&user.user.name) {
            Some(&i) => self.users[i] = user,
            None => {
                self.by_name
                    .insert(user.user.name.clone(), self.users.len());
                self.users.push(user);
            }
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &LoadedUser> {
        self.users.iter()
    }
    pub fn len(&self) -> usize {
        self.users.len()
    }
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// Why Redis refuses a user line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// ACL file: the line is not `user <name> …` (comments included).
    NotUserLine,
    /// ACL file: the name holds whitespace; redis.conf: "Spaces not allowed in ACL usernames".
    BadUserName,
    /// The name was already defined; `first` is where.
    DuplicateUser { first: (FileId, Span) },
    /// A `(` without its `)`. `crash`: the ACL file loader of 7.0.15 crashes (SIGSEGV).
    UnmatchedSelector { crash: bool },
    /// A rule Redis refuses, with its error.
    Rule(AclError),
    /// redis.conf: a bare `user` line ("Bad directive or wrong number of arguments").
    BareUser,
    /// ACL file: a NUL byte. Redis reads the file with `fgets` and appends each chunk as a C
    /// string, so the rest of that line is lost and the next line is glued on; what results
    /// does not load.
    NulByte,
}

impl ProblemKind {
    /// What Redis says (or does) about it.
    pub fn message(&self) -> String {
        match self {
            ProblemKind::NotUserLine => {
                "should start with user keyword followed by the username".to_string()
            }
            ProblemKind::BadUserName => "the user name contains whitespace".to_string(),
            ProblemKind::DuplicateUser { .. } => "Duplicate user".to_string(),
            ProblemKind::UnmatchedSelector { crash: true } => {
                "unmatched parenthesis (redis-server 7.0.15 crashes)".to_string()
            }
            ProblemKind::UnmatchedSelector { crash: false } => {
                "Unmatched parenthesis in selector definition".to_string()
            }
            ProblemKind::Rule(e) => e.message().to_string(),
            ProblemKind::BareUser => "Bad directive or wrong number of arguments".to_string(),
            ProblemKind::NulByte => {
                "a NUL byte cuts the line and joins it with the next one".to_string()
            }
        }
    }
}

/// One reason the server refuses to start, located.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: FileId,
    /// Line index in the file's document.
    pub line: u32,
    /// The token (or line) at fault.
    pub span: Span,
    pub kind: ProblemKind,
    /// For `Rule`: the failing rule's text as Redis read it (may be a secret); for names, the
    /// name.
    pub text: Vec<u8>,
    /// The failing rule is inside a `(...)` selector.
    pub in_selector: bool,
}

/// The result of loading users: the users, and every problem (any problem is fatal).
#[derive(Debug, Clone, Default)]
pub struct AclLoad {
    pub users: UserSet,
    pub problems: Vec<Problem>,
}

impl AclLoad {
    pub fn loads(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Apply a declaration's rules to `user`; return each rule Redis refuses (by index) with its
/// problem. A failing rule changes nothing, as in Redis.
fn apply_rules(
    user: &mut AclUser,
    decl: &UserDecl,
    env: &Env<'_>,
    file: FileId,
    line: u32,
) -> Vec<(usize, Problem)> {
    let mut out = Vec::new();
    for (i, rule) in decl.rules.iter().enumerate() {
        if let Err(e) = user.apply(env, rule) {
            // Inside a selector, point at the rule that fails.
            let (span, text) = match &rule.kind {
                RuleKind::Selector(ops) => failing_selector_op(env, ops)
                    .map_or((rule.span, rule.text.clone()), |(op, _)| {
                        (op.span, op.text.clone())
                    }),
                _ => (rule.span, rule.text.clone()),
            };
            let in_selector = matches!(rule.kind, RuleKind::Selector(_));
            out.push((
                i,
                Problem {
                    file,
                    line,
                    span,
                    kind: ProblemKind::Rule(e),
                    text,
                    in_selector,
                },
            ));
        }
    }
    out
}

/// Load an ACL file as `ACLLoadFromFile` (at startup, or `ACL LOAD`) does.
pub fn load_acl_file(file: FileId, source: &[u8], doc: &AclDocument, env: &Env<'_>) -> AclLoad {
    if let Some(nul) = source.iter().position(|&b| b == 0) {
        // What Redis actually reads; its lines no longer match the file's.
        let text = as_read_by_fgets(source);
        let mut load = load_acl_lines(file, &text, &crate::syntax::acl::parse(&text), env);
        if !load.problems.is_empty() {
            let line = doc
                .lines
                .iter()
                .position(|l| l.span.end as usize > nul)
                .unwrap_or(0) as u32;
            load.problems = vec![Problem {
                file,
                line,
                span: Span::new(nul, nul + 1),
                kind: ProblemKind::NulByte,
                text: Vec::new(),
                in_selector: false,
            }];
        }
        return load;
    }
    load_acl_lines(file, source, doc, env)
}

/// The text `ACLLoadFromFile` builds: `fgets` chunks (up to a newline, at most 1023 bytes),
/// each appended as a C string, so a NUL drops the rest of its chunk.
pub fn as_read_by_fgets(source: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        let mut n = rest
            .iter()
            .take(1023)
            .position(|&b| b == b'\n')
            .map_or(rest.len().min(1023), |i| i + 1);
        n = n.max(1);
        let chunk = &rest[..n];
        out.extend_from_slice(chunk.split(|&b| b == 0).next().unwrap_or_default());
        rest = &rest[n..];
    }
    out
}

fn load_acl_lines(file: FileId, source: &[u8], doc: &AclDocument, env: &Env<'_>) -> AclLoad {
    let mut load = AclLoad::default();
    let mut first_seen: HashMap<Vec<u8>, Span> = HashMap::new();
    for (i, line) in doc.lines.iter().enumerate() {
        if line.kind == AclLineKind::Blank {
            continue;
        }
        let line_no = i as u32;
        match acl_file_line(doc, line, source, env.table) {
            AclFileLine::NotUser { first_word } => load.problems.push(Problem {
                file,
                line: line_no,
                span: first_word,
                kind: ProblemKind::NotUserLine,
                text: Vec::new(),
                in_selector: false,
            }),
            AclFileLine::BadName { name } => load.problems.push(Problem {
                file,
                line: line_no,
                span: name,
                kind: ProblemKind::BadUserName,
                text: source[name.range()].to_vec(),
                in_selector: false,
            }),
            AclFileLine::User(decl) => {
                if let Some(first) = first_seen.get(&decl.name) {
                    load.problems.push(Problem {
                        file,
                        line: line_no,
                        span: decl.name_span,
                        kind: ProblemKind::DuplicateUser {
                            first: (file, *first),
                        },
                        text: decl.name.clone(),
                        in_selector: false,
                    });
                    continue;
                }
                first_seen.insert(decl.name.clone(), decl.name_span);
                let mut user = AclUser::new(&decl.name, env);
                if let Some(u) = decl.unmatched {
                    load.problems.push(Problem {
                        file,
                        line: line_no,
                        span: u.span,
                        kind: ProblemKind::UnmatchedSelector {
                            crash: u.after_rules,
                        },
                        text: Vec::new(),
                        in_selector: false,
                    });
                } else {
                    load.problems.extend(
                        apply_rules(&mut user, &decl, env, file, line_no)
                            .into_iter()
                            .map(|(_, p)| p),
                    );
                }
                load.users.insert(LoadedUser {
                    user,
                    decl: Some(DeclRef {
                        file,
                        line: line_no,
                        decl,
                    }),
                });
            }
        }
    }
    if load.users.get(b"default").is_none() {
        load.users.insert(LoadedUser {
            user: AclUser::builtin_default(env),
            decl: None,
        });
    }
    load
}

/// One `user` line of a redis.conf/sentinel.conf, in the server's load order.
#[derive(Debug, Clone, Copy)]
pub struct ConfUserLine<'a> {
    pub file: FileId,
    pub line: u32,
    pub source: &'a [u8],
    pub doc: &'a ConfDocument,
    /// `acl-pubsub-default` as set when Redis reads this line (rules are validated then).
    pub pubsub_allchannels: bool,
}

/// Load redis.conf `user` lines. `env` holds the final `acl-pubsub-default`; `requirepass` is
/// the password the built-in default user gets before the lines apply.
pub fn load_conf_users(
    lines: &[ConfUserLine<'_>],
    env: &Env<'_>,
    requirepass: Option<&[u8]>,
) -> AclLoad {
    let mut load = AclLoad::default();
    let mut default = AclUser::builtin_default(env);
    if let Some(pw) = requirepass.filter(|p| !p.is_empty()) {
        let _ = default.apply_kind(env, &RuleKind::ResetPass);
        let _ = default.apply_kind(env, &RuleKind::AddPassword(super::sha256::hex_digest(pw)));
    }
    load.users.insert(LoadedUser {
        user: default,
        decl: None,
    });

    // While the config is read: arity, duplicates, selectors, every rule error but unknown names.
    let mut appended: Vec<(ConfUserLine<'_>, UserDecl, Vec<bool>)> = Vec::new();
    let mut first_seen: HashMap<Vec<u8>, (FileId, Span)> = HashMap::new();
    for l in lines {
        let line = &l.doc.lines[l.line as usize];
        let Some(decl) = conf_user_line(l.doc, line, l.source, env.table) else {
            let span = l.doc.tokens(line).first().map_or(line.content, |t| t.span);
            load.problems.push(Problem {
                file: l.file,
                line: l.line,
                span,
                kind: ProblemKind::BareUser,
                text: Vec::new(),
                in_selector: false,
            });
            continue;
        };
        if let Some(first) = first_seen.get(&decl.name) {
            load.problems.push(Problem {
                file: l.file,
                line: l.line,
                span: decl.name_span,
                kind: ProblemKind::DuplicateUser { first: *first },
                text: decl.name.clone(),
                in_selector: false,
            });
            continue;
        }
        first_seen.insert(decl.name.clone(), (l.file, decl.name_span));
        if let Some(u) = decl.unmatched {
            load.problems.push(Problem {
                file: l.file,
                line: l.line,
                span: u.span,
                kind: ProblemKind::UnmatchedSelector { crash: false },
                text: Vec::new(),
                in_selector: false,
            });
            continue;
        }
        let here = Env {
            table: env.table,
            pubsub_allchannels: l.pubsub_allchannels,
        };
        let mut fake = AclUser::new(b"", &here);
        let mut failed = vec![false; decl.rules.len()];
        for (i, p) in apply_rules(&mut fake, &decl, &here, l.file, l.line) {
            // Unknown names are only reported at startup: modules could still add commands.
            if p.kind != ProblemKind::Rule(AclError::UnknownName) {
                failed[i] = true;
                load.problems.push(p);
            }
        }
        appended.push((*l, decl, failed));
    }

    // At startup, with the final configuration: names with spaces, then every rule again.
    for (l, decl, failed) in appended {
        if has_spaces(&decl.name) {
            load.problems.push(Problem {
                file: l.file,
                line: l.line,
                span: decl.name_span,
                kind: ProblemKind::BadUserName,
                text: decl.name.clone(),
                in_selector: false,
            });
        }
        let mut user = match load.users.get_mut(&decl.name) {
            Some(existing) => {
                // Only `default` can already exist: Redis resets it, dropping requirepass.
                let mut u = existing.user.clone();
                let _ = u.apply_kind(env, &RuleKind::Reset);
                u
            }
            None => AclUser::new(&decl.name, env),
        };
        let at_startup = apply_rules(&mut user, &decl, env, l.file, l.line);
        load.problems.extend(
            at_startup
                .into_iter()
                .filter(|(i, _)| !failed[*i])
                .map(|(_, p)| p),
        );
        load.users.insert(LoadedUser {
            user,
            decl: Some(DeclRef {
                file: l.file,
                line: l.line,
                decl,
            }),
        });
    }
    load
}

/// The built-in users when nothing defines any: only `default`, with `requirepass` if set.
pub fn builtin_users(env: &Env<'_>, requirepass: Option<&[u8]>) -> AclLoad {
    load_conf_users(&[], env, requirepass)
}
