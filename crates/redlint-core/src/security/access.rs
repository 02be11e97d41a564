//! Who can reach a server and as whom: its listeners, protected mode and the users that log
//! in without a password.
//!
//! Protected mode (7.0.15 `networking.c: clientAcceptHandler`) applies when `protected-mode`
//! is `yes` (Sentinel's default is `no`) and the `default` user has the `nopass` flag; it
//! then refuses every TCP client whose address is not `127.0.0.1` or `::1`, whatever `bind`
//! says. With `aclfile`, `requirepass` is ignored and a file without a `default` line gives
//! the built-in `default` user: `on nopass ~* &* +@all`.

use super::listen::Listeners;
use super::{args, line_span};
use crate::acl::{self, LoadedUser, RuleKind, ServerAcl, UsersFrom};
use crate::model::{Directive, FileId, Server, Workspace};
use crate::source::Span;

/// How far a password-less login reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// No TCP listener for other hosts: loopback addresses or the Unix socket only.
    Local,
    /// Other hosts can connect, but protected mode answers them `-DENIED`.
    Protected,
    /// Any host that can route to a listening address.
    Remote,
}

/// The access picture of one server.
pub struct Access<'a> {
    pub server: &'a Server,
    pub listeners: Listeners,
    /// Effective `protected-mode`.
    pub protected_mode: bool,
    /// The winning `protected-mode` line.
    pub protected_mode_at: Option<Directive>,
    pub acl: ServerAcl,
}

impl<'a> Access<'a> {
    pub fn of(ws: &Workspace, server: &'a Server) -> Access<'a> {
        let protected_mode_at = server.last("protected-mode").cloned();
        let protected_mode = protected_mode_at
            .as_ref()
            .and_then(|d| {
                let a = args(ws, d);
                match a.first().map(|(v, _)| v.to_ascii_lowercase()) {
                    Some(v) if v == b"yes" => Some(true),
                    Some(v) if v == b"no" => Some(false),
                    // Anything else is fatal (other rules): judge the default meanwhile.
                    _ => None,
                }
            })
            .unwrap_or(!server.sentinel);
        Access {
            server,
            listeners: Listeners::of(ws, server),
            protected_mode,
            protected_mode_at,
            acl: acl::server_acl(ws, server),
        }
    }

    /// The effective `default` user; `None` when its ACL file could not be read.
    pub fn default_user(&self) -> Option<&LoadedUser> {
        if self.acl.from == UsersFrom::Unknown {
            return None;
        }
        self.acl.users.get(b"default")
    }

    /// Protected mode is active: non-local clients are refused at accept time.
    pub fn protected_mode_active(&self) -> bool {
        self.protected_mode && self.default_user().is_some_and(|u| u.user.nopass)
    }

    /// How far a client that needs no password reaches this server.
    pub fn reach(&self) -> Reach {
        if !self.listeners.remote() {
            Reach::Local
        } else if self.protected_mode_active() {
            Reach::Protected
        } else {
            Reach::Remote
        }
    }

    /// Enabled users that accept any password (the `default` user included).
    pub fn open_users(&self) -> impl Iterator<Item = &LoadedUser> {
        let known = self.acl.from != UsersFrom::Unknown;
        self.acl
            .users
            .iter()
            .filter(move |u| known && u.user.enabled && u.user.nopass)
    }

    /// The `default` user logs in without a password.
    pub fn default_open(&self) -> bool {
        self.default_user()
            .is_some_and(|u| u.user.enabled && u.user.nopass)
    }

    /// Words for who reaches this server over TCP from elsewhere, e.g. "any host that can
    /// reach port 6379 on any interface of this host".
    pub fn who_reaches(&self) -> String {
        let ports = self.listeners.ports_text();
        if self.listeners.wildcards().next().is_some() {
            format!("any host that can reach {ports} on any interface of this host")
        } else {
            let addrs: Vec<String> = self
                .listeners
                .remote_addrs()
                .map(|a| format!("`{}`", a.text.trim_start_matches('-')))
                .collect();
            format!("any host that can reach {ports} on {}", addrs.join(", "))
        }
    }
}

/// Where the `default` user got its `nopass`, for pointing at it.
#[derive(Debug, Clone)]
pub enum NopassOrigin {
    /// A `nopass` rule of a `user default` line (ACL file or redis.conf).
    Rule { file: FileId, span: Span },
    /// The `user default` line itself (no explicit `nopass`).
    Line { file: FileId, span: Span },
    /// `aclfile` names a file without a `default` line; `requirepass`, if any, is ignored.
    AclFileWithoutDefault {
        aclfile: Directive,
        requirepass: Option<Directive>,
    },
    /// `requirepass ""`.
    EmptyRequirepass(Directive),
    /// Nothing sets a password: Redis' built-in default user.
    Builtin,
}

/// Why the server's `default` user has no password.
pub fn default_nopass_origin(ws: &Workspace, access: &Access<'_>) -> NopassOrigin {
    if let Some(decl) = access.default_user().and_then(|u| u.decl.as_ref()) {
        return match nopass_rule(decl) {
            Some(span) => NopassOrigin::Rule {
                file: decl.file,
                span,
            },
            None => NopassOrigin::Line {
                file: decl.file,
                span: decl.decl.line,
            },
        };
    }
    let requirepass = access.server.last("requirepass").cloned();
    if let UsersFrom::AclFile(_) = access.acl.from {
        if let Some(aclfile) = access.server.last("aclfile").cloned() {
            return NopassOrigin::AclFileWithoutDefault {
                aclfile,
                requirepass: requirepass
                    .filter(|d| args(ws, d).first().is_some_and(|(v, _)| !v.is_empty())),
            };
        }
    }
    match requirepass {
        Some(d) if args(ws, &d).first().is_none_or(|(v, _)| v.is_empty()) => {
            NopassOrigin::EmptyRequirepass(d)
        }
        _ => NopassOrigin::Builtin,
    }
}

/// The span of the last `nopass` rule of a user declaration.
pub fn nopass_rule(decl: &acl::load::DeclRef) -> Option<Span> {
    decl.decl
        .rules
        .iter()
        .rev()
        .find(|r| r.kind == RuleKind::NoPass)
        .map(|r| r.span)
}

/// A line to point at for a server-wide fact when no better line exists: the `bind` line,
/// else `port`, else the first directive of the main file, else its start.
pub fn server_anchor(ws: &Workspace, server: &Server) -> (FileId, Span) {
    for name in ["bind", "port"] {
        if let Some(d) = server.last(name) {
            return (d.file, line_span(ws, d));
        }
    }
    match server.directives.iter().find(|d| d.file == server.main) {
        Some(d) => (d.file, line_span(ws, d)),
        None => (server.main, Span::default()),
    }
}
