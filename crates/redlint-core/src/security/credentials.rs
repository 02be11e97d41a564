//! Every password of the deployment, with the principal it authenticates and where it is
//! written: `requirepass`, `masterauth`, ACL users (`>password` and `#<sha256>`, in ACL files
//! and `user` lines), and Sentinel's `auth-pass` and `sentinel-pass`.
//!
//! Passwords are compared by SHA-256 (what Redis stores, and what `#<hash>` rules give), so a
//! hashed entry matches the same password written in clear elsewhere.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::{args, line_span};
use crate::acl::decl::{acl_file_line, conf_user_line, AclFileLine, UserDecl};
use crate::acl::RuleKind;
use crate::knowledge::commands;
use crate::model::{Deployment, Directive, FileId, Kind, Workspace};
use crate::source::Span;
use crate::syntax::acl::AclLineKind;
use crate::syntax::conf::LineKind;

/// Whose users a principal belongs to: the data servers, or the Sentinels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Realm {
    Redis,
    Sentinel,
}

/// What a password is configured for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `>password` / `#hash` of a user (ACL file or `user` line).
    AclUser { hashed: bool },
    /// `requirepass`: the `default` user's password.
    Requirepass,
    /// `masterauth`: a replica's password on its master (as `masteruser`).
    Masterauth,
    /// `sentinel auth-pass <master>`: Sentinel's password on a master (as `auth-user`).
    SentinelAuthPass { master: Vec<u8> },
    /// `sentinel sentinel-pass`: a Sentinel's password towards the other Sentinels.
    SentinelPass,
    /// A Helm values entry (`auth.password`): the chart's `default` user password.
    Helm { key: String },
}

/// One password, where it is written, and what it is for.
#[derive(Debug, Clone)]
pub struct Credential {
    pub file: FileId,
    /// Line index in the file's document.
    pub line: u32,
    /// The token: `>password`, `#hash`, or the directive's password argument.
    pub span: Span,
    /// The password itself, when written in clear.
    pub plain: Option<Vec<u8>>,
    pub digest: [u8; 32],
    pub role: Role,
    /// The principal: realm and user name it authenticates as.
    pub realm: Realm,
    pub user: Vec<u8>,
    /// Lines that decide whether this password is used: the line that overrides it, the
    /// `aclfile` that makes Redis ignore it. Shown as related locations.
    pub notes: Vec<(FileId, Span, &'static str)>,
    /// The user's name gives a password away (it is one, or nearly): messages show `***`.
    pub user_hidden: bool,
}

impl Credential {
    pub fn principal(&self) -> (Realm, &[u8]) {
        (self.realm, &self.user)
    }

    /// A client's password towards a server (`masterauth`, Sentinel's `auth-pass` and
    /// `sentinel-pass`): it says which user it logs in as, not what that user's password is.
    pub fn is_client(&self) -> bool {
        matches!(
            self.role,
            Role::Masterauth | Role::SentinelAuthPass { .. } | Role::SentinelPass
        )
    }

    /// The user name for a message, or `***` when it would give a password away.
    pub fn user_text(&self) -> String {
        if self.user_hidden {
            "***".to_string()
        } else {
            super::show(&self.user)
        }
    }

    /// Words for this password in a message, e.g. "the password of user `app`". Never the
    /// password itself.
    pub fn describe(&self) -> String {
        let user = self.user_text();
        match &self.role {
            Role::AclUser { .. } if self.realm == Realm::Sentinel => {
                format!("the password of Sentinel user `{user}`")
            }
            Role::AclUser { .. } => format!("the password of user `{user}`"),
            Role::Requirepass if self.realm == Realm::Sentinel => {
                "Sentinel's `requirepass` (its `default` user's password)".to_string()
            }
            Role::Requirepass => "`requirepass` (the `default` user's password)".to_string(),
            Role::Masterauth => {
                format!("`masterauth` (this replica's password as user `{user}` on its master)")
            }
            Role::SentinelAuthPass { master } => format!(
                "Sentinel's `auth-pass` for master `{}` (its password as user `{user}`)",
                super::show(master)
            ),
            Role::SentinelPass => {
                format!("Sentinel's `sentinel-pass` (its password as user `{user}` on the other Sentinels)")
            }
            Role::Helm { key } => {
                format!("the chart's `{key}` (the `default` user's password)")
            }
        }
    }

    /// Shorter words for a related location: "user `app`", "`requirepass`".
    pub fn label(&self) -> String {
        let user = self.user_text();
        match &self.role {
            Role::AclUser { .. } if self.realm == Realm::Sentinel => {
                format!("same password: Sentinel user `{user}`")
            }
            Role::AclUser { .. } => format!("same password: user `{user}`"),
            Role::Requirepass => "same password: `requirepass`".to_string(),
            Role::Masterauth => format!("same password: `masterauth` (as `{user}`)"),
            Role::SentinelAuthPass { .. } => {
                format!("same password: Sentinel `auth-pass` (as `{user}`)")
            }
            Role::SentinelPass => "same password: `sentinel-pass`".to_string(),
            Role::Helm { key } => format!("same password: the chart's `{key}`"),
        }
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn hex(digest: &[u8; 32]) -> String {
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// A `#<hash>` value: exactly 64 lower-case hex digits (what Redis accepts).
pub fn parse_hash(h: &[u8]) -> Option<[u8; 32]> {
    if h.len() != 64 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in h.chunks(2).enumerate() {
        out[i] = nib(pair[0])? << 4 | nib(pair[1])?;
    }
    Some(out)
}

struct Collector<'a> {
    ws: &'a Workspace,
    out: Vec<Credential>,
    seen: HashSet<(FileId, Span)>,
}

impl Collector<'_> {
    /// Add a credential; its index, or `None` when this token was already collected.
    fn push(&mut self, c: Credential) -> Option<usize> {
        if self.seen.insert((c.file, c.span)) {
            self.out.push(c);
            Some(self.out.len() - 1)
        } else {
            None
        }
    }

    fn plain(
        &mut self,
        d: &Directive,
        value: &[u8],
        span: Span,
        role: Role,
        realm: Realm,
        user: &[u8],
    ) -> Option<usize> {
        if value.is_empty() {
            return None;
        }
        self.push(Credential {
            file: d.file,
            line: d.line,
            span,
            plain: Some(value.to_vec()),
            digest: sha256(value),
            role,
            realm,
            user: user.to_vec(),
            notes: Vec::new(),
            user_hidden: false,
        })
    }

    fn user_decl(&mut self, file: FileId, line: u32, decl: &UserDecl, realm: Realm) {
        for rule in &decl.rules {
            let (plain, digest, hashed) = match &rule.kind {
                RuleKind::AddPassword(_) => {
                    let pw = rule.text.get(1..).unwrap_or_default();
                    (Some(pw.to_vec()), sha256(pw), false)
                }
                RuleKind::AddHash(_) => match parse_hash(rule.text.get(1..).unwrap_or_default()) {
                    Some(d) => (None, d, true),
                    None => continue,
                },
                _ => continue,
            };
            self.push(Credential {
                file,
                line,
                span: rule.span,
                plain,
                digest,
                role: Role::AclUser { hashed },
                realm,
                user: decl.name.clone(),
                notes: Vec::new(),
                user_hidden: false,
            });
        }
    }

    /// The passwords of a sequence of conf directives (one server's, in load order).
    fn conf_unit(&mut self, directives: &[Directive], sentinel: bool) {
        let realm = if sentinel {
            Realm::Sentinel
        } else {
            Realm::Redis
        };
        // Who each client-side password logs in as: the last line of each setting wins.
        let mut masteruser: Vec<u8> = b"default".to_vec();
        let mut auth_user: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        let mut sentinel_user: Vec<u8> = b"default".to_vec();
        // What decides whether a `requirepass`/`masterauth` line is used.
        let mut last: HashMap<&str, &Directive> = HashMap::new();
        let mut aclfile: Option<&Directive> = None;
        let mut user_default: Option<&Directive> = None;
        for d in directives {
            let a = args(self.ws, d);
            if matches!(d.name.as_str(), "requirepass" | "masterauth") {
                last.insert(d.name.as_str(), d);
            }
            match (d.name.as_str(), a.as_slice()) {
                ("aclfile", [(v, _)]) => aclfile = (!v.is_empty()).then_some(d),
                ("user", [(name, _), ..]) if *name == b"default" => user_default = Some(d),
                ("masteruser", [(v, _)]) if !v.is_empty() => masteruser = v.to_vec(),
                ("sentinel", [(sub, _), (m, _), (u, _)])
                    if sub.eq_ignore_ascii_case(b"auth-user") =>
                {
                    auth_user.insert(m.to_vec(), u.to_vec());
                }
                ("sentinel", [(sub, _), (u, _)])
                    if sub.eq_ignore_ascii_case(b"sentinel-user") && !u.is_empty() =>
                {
                    sentinel_user = u.to_vec();
                }
                _ => {}
            }
        }
        let table = commands::table(sentinel);
        for d in directives {
            let a = args(self.ws, d);
            match (d.name.as_str(), a.as_slice()) {
                ("requirepass", [(v, span)]) => {
                    let Some(i) = self.plain(d, v, *span, Role::Requirepass, realm, b"default")
                    else {
                        continue;
                    };
                    let mut notes = Vec::new();
                    if let Some(a) = aclfile {
                        notes.push((
                            a.file,
                            line_span(self.ws, a),
                            "`requirepass` is ignored: the users come from this ACL file",
                        ));
                    } else if let Some(u) = user_default {
                        notes.push((
                            u.file,
                            line_span(self.ws, u),
                            "this `user default` line replaces the `requirepass` password",
                        ));
                    }
                    if let Some(w) = last.get("requirepass").filter(|w| !same(w, d)) {
                        notes.push((
                            w.file,
                            line_span(self.ws, w),
                            "the last `requirepass` line wins",
                        ));
                    }
                    self.out[i].notes = notes;
                }
                ("masterauth", [(v, span)]) if !sentinel => {
                    let user = masteruser.clone();
                    let Some(i) = self.plain(d, v, *span, Role::Masterauth, Realm::Redis, &user)
                    else {
                        continue;
                    };
                    if let Some(w) = last.get("masterauth").filter(|w| !same(w, d)) {
                        self.out[i].notes.push((
                            w.file,
                            line_span(self.ws, w),
                            "the last `masterauth` line wins",
                        ));
                    }
                }
                ("sentinel", [(sub, _), (m, _), (v, span)])
                    if sub.eq_ignore_ascii_case(b"auth-pass") =>
                {
                    let user = auth_user
                        .get(*m)
                        .cloned()
                        .unwrap_or_else(|| b"default".to_vec());
                    let role = Role::SentinelAuthPass { master: m.to_vec() };
                    self.plain(d, v, *span, role, Realm::Redis, &user);
                }
                ("sentinel", [(sub, _), (v, span)])
                    if sub.eq_ignore_ascii_case(b"sentinel-pass") =>
                {
                    let user = sentinel_user.clone();
                    self.plain(d, v, *span, Role::SentinelPass, Realm::Sentinel, &user);
                }
                ("user", _) => {
                    let (f, doc, l) = self.ws.conf_line(d.file, d.line);
                    if let Some(decl) = conf_user_line(doc, l, &f.source.bytes, table) {
                        self.user_decl(d.file, d.line, &decl, realm);
                    }
                }
                _ => {}
            }
        }
    }
}

fn same(a: &Directive, b: &Directive) -> bool {
    a.file == b.file && a.line == b.line
}

/// Helm values that set the `default` user's password (Bitnami's redis chart).
const HELM_PASSWORDS: &[&str] = &["auth.password", "global.redis.password"];

/// Every password of the deployment, each once (a file loaded by two servers is read once).
pub fn collect(ws: &Workspace, deployment: &Deployment) -> Vec<Credential> {
    let mut c = Collector {
        ws,
        out: Vec::new(),
        seen: HashSet::new(),
    };
    let mut covered: HashSet<FileId> = HashSet::new();
    let mut sentinel_acl: HashSet<FileId> = HashSet::new();
    for server in &deployment.servers {
        c.conf_unit(&server.directives, server.sentinel);
        covered.extend(server.directives.iter().map(|d| d.file));
        covered.insert(server.main);
        if server.sentinel {
            sentinel_acl.extend(server.aclfile);
        }
    }
    for id in ws.ids() {
        let f = ws.file(id);
        match f.kind {
            Kind::Redis | Kind::Sentinel if !covered.contains(&id) => {
                // A fragment no server loads: its passwords are still written down.
                let Some(doc) = f.conf() else { continue };
                let directives: Vec<Directive> = doc
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.kind == LineKind::Directive)
                    .map(|(i, _)| Directive {
                        file: id,
                        line: i as u32,
                        name: crate::model::directive_name(ws, id, i as u32),
                        depth: 0,
                    })
                    .collect();
                c.conf_unit(&directives, f.kind == Kind::Sentinel);
            }
            Kind::Helm => {
                let Some(doc) = f.yaml() else { continue };
                for e in &doc.entries {
                    if !HELM_PASSWORDS.contains(&e.path.as_str()) || e.value.is_empty() {
                        continue;
                    }
                    c.out.push(Credential {
                        file: id,
                        line: f.source.position(e.span.start).line.saturating_sub(1),
                        span: e.span,
                        plain: Some(e.value.as_bytes().to_vec()),
                        digest: sha256(e.value.as_bytes()),
                        role: Role::Helm {
                            key: e.path.clone(),
                        },
                        realm: Realm::Redis,
                        user: b"default".to_vec(),
                        notes: Vec::new(),
                        user_hidden: false,
                    });
                }
            }
            Kind::Acl => {
                let Some(doc) = f.acl() else { continue };
                let sentinel = sentinel_acl.contains(&id);
                let realm = if sentinel {
                    Realm::Sentinel
                } else {
                    Realm::Redis
                };
                let table = commands::table(sentinel);
                for (i, line) in doc.lines.iter().enumerate() {
                    if line.kind == AclLineKind::Blank {
                        continue;
                    }
                    if let AclFileLine::User(decl) =
                        acl_file_line(doc, line, &f.source.bytes, table)
                    {
                        c.user_decl(id, i as u32, &decl, realm);
                    }
                }
            }
            _ => {}
        }
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_hash_round_trip() {
        let d = sha256(b"password");
        assert_eq!(
            hex(&d),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
        assert_eq!(parse_hash(hex(&d).as_bytes()), Some(d));
        assert_eq!(parse_hash(hex(&d).to_uppercase().as_bytes()), None);
        assert_eq!(parse_hash(b"abc"), None);
    }
}
