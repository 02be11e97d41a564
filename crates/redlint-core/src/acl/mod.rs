//! Redis 7.0 ACLs: the rule grammar, what makes redis-server refuse a user, each user's
//! effective permissions, and an offline `ACL DRYRUN`.
//!
//! - [`rule`]: one rule, typed ([`rule::AclRule`], with its span);
//! - [`decl`]: user lines of ACL files and redis.conf, selectors merged across words;
//! - [`user`]: applying rules left to right ([`user::AclUser`], [`user::Selector`]);
//! - [`load`]: loading an ACL file or `user` lines, with every fatal problem located;
//! - [`dryrun`]: `ACL DRYRUN`, key specs and glob matching included.
//!
//! Everything here was checked against the real server (see `tests/tests/acl_*`).

pub mod decl;
pub mod dryrun;
pub mod glob;
pub mod load;
pub mod rule;
pub mod sha256;
pub mod user;

pub use dryrun::{dryrun, DryRun};
pub use load::{AclLoad, LoadedUser, Problem, ProblemKind, UserSet};
pub use rule::{AclError, AclRule, RuleKind, SelectorRule};
pub use user::{AclUser, Env, KeyPattern, Selector};

use crate::knowledge::commands::{self, CommandTable};
use crate::model::{FileId, Server, Workspace};
use crate::syntax::conf::{self, ConfDocument};
use crate::syntax::{acl as acl_syntax, conf::LineKind};

/// What a file given to [`dryrun_file`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ACL file (`aclfile`).
    Acl,
    /// A redis.conf with `user` lines.
    Redis,
}

/// The answer [`dryrun_file`] gives, with the lines it had to leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDryRun {
    pub answer: DryRun,
    /// Lines redis-server refuses (1-based line number, why). When there are any, the real
    /// server would not start with this file at all: the answer is for the users of the
    /// other lines, as they would be once those lines are fixed or removed.
    pub refused: Vec<(u32, String)>,
}

/// `ACL DRYRUN user argv…` for the users defined in one file, offline. Lines Redis refuses
/// (a comment in an ACL file, a bad rule) are left out and listed in
/// [`FileDryRun::refused`]; `Err` when the asked user is defined on such a line, or when a
/// redis.conf loads its users from an ACL file (find it with [`conf_aclfile`] and ask that).
pub fn dryrun_file(
    bytes: &[u8],
    kind: Kind,
    user: &str,
    argv: &[&[u8]],
) -> Result<FileDryRun, String> {
    let table = commands::redis();
    let load = match kind {
        Kind::Acl => {
            let doc = acl_syntax::parse(bytes);
            load::load_acl_file(FileId(0), bytes, &doc, &Env::new(table))
        }
        Kind::Redis => {
            let doc = conf::parse(bytes);
            let settings = ConfSettings::of(
                &doc,
                bytes,
                (0..doc.lines.len() as u32).map(|l| (FileId(0), l)),
            );
            if settings.aclfile.as_ref().is_some_and(|f| !f.is_empty()) {
                return Err("this configuration loads its users from an ACL file (`aclfile`): pass that file instead".to_string());
            }
            let lines: Vec<load::ConfUserLine<'_>> = settings
                .user_lines
                .iter()
                .map(|(line, pubsub)| load::ConfUserLine {
                    file: FileId(0),
                    line: *line,
                    source: bytes,
                    doc: &doc,
                    pubsub_allchannels: *pubsub,
                })
                .collect();
            let env = Env {
                table,
                pubsub_allchannels: settings.pubsub_allchannels,
            };
            load::load_conf_users(&lines, &env, settings.requirepass.as_deref())
        }
    };
    let mut refused: Vec<(u32, String)> = load
        .problems
        .iter()
        .map(|p| (p.line + 1, p.kind.message()))
        .collect();
    refused.dedup_by_key(|(line, _)| *line);
    let declared_on = load
        .users
        .get(user.as_bytes())
        .and_then(|u| u.decl.as_ref())
        .map(|d| d.line + 1);
    if let Some((line, why)) = declared_on.and_then(|l| refused.iter().find(|(r, _)| *r == l)) {
        return Err(format!(
            "user `{user}` is defined on line {line}, which Redis refuses ({why}): no answer for it"
        ));
    }
    Ok(FileDryRun {
        answer: dryrun(&load.users, table, user.as_bytes(), argv),
        refused,
    })
}

/// The ACL file a redis.conf loads its users from (the last non-empty `aclfile`), with its
/// 1-based line, as written (relative paths are the caller's to resolve).
pub fn conf_aclfile(bytes: &[u8]) -> Option<(u32, String)> {
    let doc = conf::parse(bytes);
    let settings = ConfSettings::of(
        &doc,
        bytes,
        (0..doc.lines.len() as u32).map(|l| (FileId(0), l)),
    );
    let path = settings.aclfile.filter(|f| !f.is_empty())?;
    Some((
        settings.aclfile_line + 1,
        String::from_utf8_lossy(&path).into_owned(),
    ))
}

/// The settings of a configuration that matter for its users, read in load order.
#[derive(Debug, Default)]
struct ConfSettings {
    /// `user` lines (line index) with `acl-pubsub-default` as set at that point.
    user_lines: Vec<(u32, bool)>,
    pubsub_allchannels: bool,
    requirepass: Option<Vec<u8>>,
    aclfile: Option<Vec<u8>>,
    /// Line index of the `aclfile` directive that set `aclfile`.
    aclfile_line: u32,
}

impl ConfSettings {
    fn of(
        doc: &ConfDocument,
        source: &[u8],
        lines: impl Iterator<Item = (FileId, u32)>,
    ) -> ConfSettings {
        let mut s = ConfSettings::default();
        for (_, line) in lines {
            let l = &doc.lines[line as usize];
            if l.kind != LineKind::Directive {
                continue;
            }
            let tokens = doc.tokens(l);
            let name = doc.value(source, &tokens[0]).to_ascii_lowercase();
            let arg = tokens.get(1).map(|t| doc.value(source, t).to_vec());
            s.note(&name, arg, tokens.len(), line);
        }
        s
    }

    fn note(&mut self, name: &[u8], arg: Option<Vec<u8>>, argc: usize, line: u32) {
        match name {
            b"user" => self.user_lines.push((line, self.pubsub_allchannels)),
            b"acl-pubsub-default" if argc == 2 => {
                match arg.map(|a| a.to_ascii_lowercase()).as_deref() {
                    Some(b"allchannels") => self.pubsub_allchannels = true,
                    Some(b"resetchannels") => self.pubsub_allchannels = false,
                    _ => {}
                }
            }
            b"requirepass" if argc == 2 => self.requirepass = arg,
            b"aclfile" if argc == 2 => {
                self.aclfile = arg;
                self.aclfile_line = line;
            }
            _ => {}
        }
    }
}

/// Where a server's users come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsersFrom {
    /// Only the built-in `default` (with `requirepass`, if any).
    Builtin,
    /// `user` lines of the configuration.
    ConfLines,
    /// The ACL file named by `aclfile`.
    AclFile(FileId),
    /// `aclfile` is set but the file could not be read: the users are unknown.
    Unknown,
}

/// `user` lines and a non-empty `aclfile` in one server: Redis refuses to start.
#[derive(Debug, Clone)]
pub struct UsersWithAclfile {
    /// The `aclfile` directive: (file, line index).
    pub aclfile: (FileId, u32),
    /// Every `user` line: (file, line index).
    pub user_lines: Vec<(FileId, u32)>,
}

/// The ACL state of one server.
#[derive(Debug, Clone)]
pub struct ServerAcl {
    pub from: UsersFrom,
    /// The effective users (when `from` is not `Unknown`).
    pub users: UserSet,
    /// Problems of the configuration's `user` lines (checked while the config is read).
    pub conf_problems: Vec<Problem>,
    /// Problems of the ACL file, as this server loads it.
    pub file_problems: Vec<Problem>,
    /// `user` lines together with a non-empty `aclfile`: Redis refuses to start. Holds the
    /// `aclfile` directive's (file, line) and every user line's (file, line).
    pub conflict: Option<UsersWithAclfile>,
    /// `acl-pubsub-default allchannels` in the end.
    pub pubsub_allchannels: bool,
    pub sentinel: bool,
}

impl ServerAcl {
    pub fn table(&self) -> &'static CommandTable {
        commands::table(self.sentinel)
    }
}

/// Load a server's users as redis-server (or Sentinel) does at startup.
pub fn server_acl(ws: &Workspace, server: &Server) -> ServerAcl {
    let table = commands::table(server.sentinel);
    let mut settings = ConfSettings::default();
    let mut user_lines: Vec<(FileId, u32, bool)> = Vec::new();
    let mut aclfile_at = None;
    for d in &server.directives {
        let f = ws.file(d.file);
        let Some(doc) = f.conf() else { continue };
        let l = &doc.lines[d.line as usize];
        let tokens = doc.tokens(l);
        let arg = tokens
            .get(1)
            .map(|t| doc.value(&f.source.bytes, t).to_vec());
        if d.name == "user" {
            user_lines.push((d.file, d.line, settings.pubsub_allchannels));
        }
        if d.name == "aclfile" && tokens.len() == 2 {
            aclfile_at = Some((d.file, d.line));
        }
        settings.note(d.name.as_bytes(), arg, tokens.len(), d.line);
    }
    let env = Env {
        table,
        pubsub_allchannels: settings.pubsub_allchannels,
    };
    let lines: Vec<load::ConfUserLine<'_>> = user_lines
        .iter()
        .filter_map(|(file, line, pubsub)| {
            let f = ws.file(*file);
            Some(load::ConfUserLine {
                file: *file,
                line: *line,
                source: &f.source.bytes,
                doc: f.conf()?,
                pubsub_allchannels: *pubsub,
            })
        })
        .collect();
    let conf_load = load::load_conf_users(&lines, &env, settings.requirepass.as_deref());
    let aclfile_set = settings.aclfile.as_ref().is_some_and(|a| !a.is_empty());
    let conflict = match aclfile_at {
        Some(at) if aclfile_set && !user_lines.is_empty() => Some(UsersWithAclfile {
            aclfile: at,
            user_lines: user_lines.iter().map(|(f, l, _)| (*f, *l)).collect(),
        }),
        _ => None,
    };
    let mut out = ServerAcl {
        from: UsersFrom::Builtin,
        users: UserSet::default(),
        conf_problems: conf_load.problems,
        file_problems: Vec::new(),
        conflict,
        pubsub_allchannels: settings.pubsub_allchannels,
        sentinel: server.sentinel,
    };
    if aclfile_set {
        match server
            .aclfile
            .and_then(|id| ws.file(id).acl().map(|doc| (id, doc)))
        {
            Some((id, doc)) => {
                let file_load = load::load_acl_file(id, &ws.file(id).source.bytes, doc, &env);
                out.from = UsersFrom::AclFile(id);
                out.users = file_load.users;
                out.file_problems = file_load.problems;
            }
            None => out.from = UsersFrom::Unknown,
        }
    } else {
        out.from = if user_lines.is_empty() {
            UsersFrom::Builtin
        } else {
            UsersFrom::ConfLines
        };
        out.users = conf_load.users;
    }
    out
}

/// Load an ACL file on its own, as a plain redis-server would (for files no server loads).
pub fn standalone_acl_file(ws: &Workspace, file: FileId) -> Option<AclLoad> {
    let f = ws.file(file);
    let doc = f.acl()?;
    Some(load::load_acl_file(
        file,
        &f.source.bytes,
        doc,
        &Env::new(commands::redis()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(file: &str, kind: Kind, user: &str, cmd: &str) -> String {
        let argv: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
        match dryrun_file(file.as_bytes(), kind, user, &argv) {
            Ok(r) => r.answer.text().to_string(),
            Err(e) => format!("E: {e}"),
        }
    }

    #[test]
    fn dryrun_from_acl_file_and_conf() {
        let acl = "user app on nopass ~app:* -@all +@read\n";
        assert_eq!(run(acl, Kind::Acl, "app", "GET app:1"), "OK");
        assert_eq!(
            run(acl, Kind::Acl, "app", "GET x"),
            "This user has no permissions to access the 'x' key"
        );
        assert_eq!(
            run(acl, Kind::Acl, "app", "SET app:1 v"),
            "This user has no permissions to run the 'set' command"
        );
        assert_eq!(
            run(acl, Kind::Acl, "default", "FLUSHALL"),
            "OK",
            "a file without default gets the built-in one"
        );
        assert_eq!(
            run(acl, Kind::Acl, "nobody", "GET k"),
            "ERR User 'nobody' not found"
        );
        // A comment line is refused by Redis, but the other users can still be answered.
        let commented = "# c\nuser app on nopass ~app:* +get\n";
        let r = dryrun_file(commented.as_bytes(), Kind::Acl, "app", &[b"GET", b"app:1"]).unwrap();
        assert_eq!(r.answer, DryRun::Ok);
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].0, 1);
        // A user whose own line is refused gets no answer.
        let bad = "user app on nopass ~app:* +nosuchcommand\n";
        assert!(run(bad, Kind::Acl, "app", "GET app:1")
            .starts_with("E: user `app` is defined on line 1"));
        assert_eq!(
            conf_aclfile(b"port 1\naclfile users.acl\n"),
            Some((2, "users.acl".to_string()))
        );
        assert_eq!(conf_aclfile(b"aclfile \"\"\n"), None);
        let conf = "port 6379\nuser app on nopass \"~app:*\" +get\n";
        assert_eq!(run(conf, Kind::Redis, "app", "GET app:1"), "OK");
        assert_eq!(
            run(conf, Kind::Redis, "app", "CONFIG NOSUCH"),
            "ERR Command 'CONFIG' not found"
        );
    }
}
