//! ACL problems that make redis-server 7.0.15 refuse to start, on the exact token or line:
//! comments in ACL files (RL020), bad rules and lines (RL021), unknown commands, subcommands
//! and categories (RL022), duplicate users (RL023), and `user` lines next to `aclfile`
//! (RL010). ACL files are judged as the servers that load them judge them; an ACL file no
//! server loads is judged as a plain redis-server would judge it.

use std::collections::{HashMap, HashSet};

use super::{Context, Diagnostic};
use crate::acl::load::{Problem, ProblemKind};
use crate::acl::rule::{cstr, AclError};
use crate::acl::{self, UsersFrom};
use crate::finding::Applicability;
use crate::knowledge::commands::{self, CommandTable, CATEGORIES};
use crate::model::{FileId, Kind};
use crate::rules;
use crate::source::Span;
use crate::syntax::acl::AclDocument;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut mine = Vec::new();
    problems(ctx, &mut mine);
    keep_acl_comments(ctx, &mut mine);
    out.extend(mine);
}

/// Comments cannot stay in an ACL file, but nothing a user wrote may be lost: one fix per ACL
/// file deletes all its comments and keeps them in a sidecar `<file>.md` (created, or extended
/// when it exists). The file's first RL020 finding carries that fix.
fn keep_acl_comments(ctx: &Context<'_>, diags: &mut [Diagnostic]) {
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, d) in diags.iter().enumerate() {
        if d.rule.code == rules::ACL_COMMENT.code
            && d.fix.is_some()
            && ctx.ws.file(d.file).kind == Kind::Acl
        {
            by_file.entry(d.file).or_default().push(i);
        }
    }
    for (file, idx) in by_file {
        let f = ctx.ws.file(file);
        let Some(host) = f.host_path.as_deref() else {
            // No place to keep them (pasted text): say so instead of dropping them.
            for &i in &idx {
                diags[i].fix = None;
            }
            continue;
        };
        let sidecar = format!("{host}.md");
        let mut pieces: Vec<(Span, String)> = Vec::new();
        let mut edits = Vec::new();
        for &i in &idx {
            if let Some(fx) = &diags[i].fix {
                for (fid, span, _) in &fx.edits {
                    let text = String::from_utf8_lossy(&f.source.bytes[span.range()])
                        .trim()
                        .to_string();
                    pieces.push((*span, text));
                    edits.push((*fid, *span, String::new()));
                }
            }
        }
        pieces.sort_by_key(|(s, _)| s.start);
        edits.sort_by_key(|(_, s, _)| s.start);
        edits.dedup_by_key(|(_, s, _)| *s);
        pieces.dedup_by_key(|(s, _)| *s);
        let name = host.rsplit('/').next().unwrap_or(host);
        let mut content = match ctx.fs.read(&sidecar) {
            Ok(bytes) => {
                let mut old = String::from_utf8_lossy(&bytes).into_owned();
                if !old.is_empty() && !old.ends_with('\n') {
                    old.push('\n');
                }
                old.push_str(&format!("\nMore comments moved out of `{name}`:\n\n"));
                old
            }
            Err(_) => format!(
                "# Comments from {name}\n\nRedis refuses to load an ACL file that contains comments, so `redlint fix` moved them here\n(line numbers are those of the file before the fix).\n\n"
            ),
        };
        for (span, text) in &pieces {
            let line = f.source.position(span.start).line;
            content.push_str(&format!("- line {line}: {text}\n"));
        }
        let shown = ctx.fs.display_path(&sidecar);
        let spec = super::FixSpec {
            applicability: Applicability::Unsafe,
            description: format!("move the comments to `{shown}` (ACL files cannot hold them)"),
            edits,
            writes: vec![(shown, sidecar, content)],
        };
        // One fix for the file, on its first comment (repeating it on every comment would make
        // the output grow with the square of their number).
        let first = idx
            .iter()
            .copied()
            .min_by_key(|&i| diags[i].span.start)
            .unwrap_or(idx[0]);
        for &i in &idx {
            diags[i].fix = None;
        }
        diags[first].fix = Some(spec);
    }
}

fn problems(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut loaded = HashSet::new();
    for server in &ctx.deployment.servers {
        let state = acl::server_acl(ctx.ws, server);
        let table = state.table();
        if let Some(c) = &state.conflict {
            out.push(conflict(ctx, c.aclfile.0, c.aclfile.1, &c.user_lines));
        }
        report(ctx, &state.conf_problems, table, server.sentinel, out);
        report(ctx, &state.file_problems, table, server.sentinel, out);
        if let UsersFrom::AclFile(id) = state.from {
            loaded.insert(id);
        }
    }
    for id in ctx.ws.ids() {
        if ctx.ws.file(id).kind != Kind::Acl || loaded.contains(&id) {
            continue;
        }
        if let Some(load) = acl::standalone_acl_file(ctx.ws, id) {
            report(ctx, &load.problems, commands::redis(), false, out);
        }
    }
}

fn conflict(ctx: &Context<'_>, file: FileId, line: u32, users: &[(FileId, u32)]) -> Diagnostic {
    let (_, _, l) = ctx.ws.conf_line(file, line);
    let mut d = Diagnostic::new(
        &rules::USERS_WITH_ACLFILE,
        file,
        l.content,
        "`aclfile` together with `user` lines: Redis refuses to start (\"Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid\")",
    )
    .fatal()
    .help("define the users in one place: move the `user` lines into the ACL file (one per line, no quotes), or remove `aclfile`");
    for (f, l) in users {
        let (_, _, ul) = ctx.ws.conf_line(*f, *l);
        d = d.related(*f, ul.content, "user defined here");
    }
    d
}

/// A byte string for a message: control characters escaped, empty shown as `""`.
fn printable(b: &[u8]) -> String {
    if b.is_empty() {
        return crate::security::EMPTY.to_string();
    }
    let mut s = String::new();
    for c in String::from_utf8_lossy(b).chars() {
        match c {
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '\n' => s.push_str("\\n"),
            c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s
}

/// The ACL-file line a problem is on, if its file is an ACL file.
fn acl_line<'a>(
    ctx: &'a Context<'_>,
    p: &Problem,
) -> Option<(&'a AclDocument, &'a [u8], crate::syntax::acl::AclLine)> {
    let f = ctx.ws.file(p.file);
    let doc = f.acl()?;
    Some((doc, &f.source.bytes, *doc.lines.get(p.line as usize)?))
}

/// What Redis does about it, by where the problem is.
fn refuses(in_acl_file: bool) -> &'static str {
    if in_acl_file {
        "Redis refuses to load the ACL file"
    } else {
        "Redis refuses to start"
    }
}

fn report(
    ctx: &Context<'_>,
    problems: &[Problem],
    table: &CommandTable,
    sentinel: bool,
    out: &mut Vec<Diagnostic>,
) {
    // A trailing `# …` hides the rest of its line: report it once, not each word after it.
    let mut comment_from: Option<(FileId, u32, u32)> = None;
    for p in problems {
        // A bare `user` line in redis.conf is an arity error, which RL003 reports.
        if matches!(p.kind, ProblemKind::BareUser) {
            continue;
        }
        if let Some((f, l, at)) = comment_from {
            if f == p.file && l == p.line && p.span.start >= at {
                continue;
            }
        }
        let d = diagnose(ctx, p, table, sentinel);
        if d.rule.code == rules::ACL_COMMENT.code {
            comment_from = Some((p.file, p.line, p.span.start));
        }
        out.push(d);
    }
}

fn diagnose(ctx: &Context<'_>, p: &Problem, table: &CommandTable, sentinel: bool) -> Diagnostic {
    let in_acl = ctx.ws.file(p.file).kind == Kind::Acl;
    let refuse = refuses(in_acl);
    match &p.kind {
        ProblemKind::NotUserLine => not_user_line(ctx, p),
        ProblemKind::BadUserName if in_acl => Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!("the user name `{}` contains whitespace: ACL files are split on single spaces only, so {refuse}", printable(&p.text)),
        )
        .fatal()
        .help("separate the name and every rule with one plain space (no TABs)"),
        ProblemKind::BadUserName => Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!("the user name `{}` contains whitespace: Redis aborts at startup (\"Spaces not allowed in ACL usernames\")", printable(&p.text)),
        )
        .fatal()
        .help("use a user name without spaces"),
        ProblemKind::DuplicateUser { first } => {
            let first_line = ctx.ws.file(first.0).source.position(first.1.start).line;
            let quoted = if in_acl {
                format!("\"Duplicate user '{}' found\"", printable(&p.text))
            } else {
                "\"Duplicate user found. A user can only be defined once in config files\"".to_string()
            };
            Diagnostic::new(
                &rules::ACL_DUPLICATE_USER,
                p.file,
                p.span,
                format!("user `{}` is already defined on line {first_line}: {refuse} ({quoted})", printable(&p.text)),
            )
            .fatal()
            .related(first.0, first.1, "first defined here")
            .help("define each user once: merge the rules into one line (rules apply left to right)")
        }
        ProblemKind::UnmatchedSelector { crash } => {
            let message = if *crash {
                "this selector `(` is never closed with `)`: redis-server 7.0.15 crashes (segmentation fault) while loading this ACL file".to_string()
            } else {
                format!("this selector `(` is never closed with `)`: {refuse} (\"Unmatched parenthesis\")")
            };
            Diagnostic::new(&rules::ACL_SYNTAX, p.file, p.span, message)
                .fatal()
                .help("end the selector's last rule with `)`, e.g. `(~cache:* +get)`")
        }
        ProblemKind::BareUser => Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            "`user` without a user name: Redis refuses to start (\"Bad directive or wrong number of arguments\")",
        )
        .fatal()
        .help("write `user <name> [rules…]`"),
        ProblemKind::NulByte => Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!("a NUL byte: Redis drops the rest of this line and joins the next line onto it, and the result does not load: {refuse}"),
        )
        .fatal()
        .help("remove the NUL byte (ACL files are plain text)"),
        ProblemKind::Rule(AclError::UnknownName) => unknown_name(ctx, p, table, sentinel, refuse),
        ProblemKind::Rule(e) => rule_error(ctx, p, *e, refuse, in_acl),
    }
}

fn not_user_line(ctx: &Context<'_>, p: &Problem) -> Diagnostic {
    let refuse = refuses(true);
    let quoted = "\"should start with user keyword followed by the username\"";
    let Some((doc, src, line)) = acl_line(ctx, p) else {
        return Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!("not a `user` line: {refuse}"),
        )
        .fatal();
    };
    let word = &src[p.span.range()];
    if word.first() == Some(&b'#') {
        let mut d = Diagnostic::new(
            &rules::ACL_COMMENT,
            p.file,
            line.content,
            format!("ACL files have no comments: {refuse} ({quoted})"),
        )
        .fatal()
        .help("delete the comment line; ACL SAVE rewrites the file without comments anyway, so keep notes elsewhere");
        if !ctx.ws.file(p.file).is_secret(line.span) {
            d = d.fix(
                Applicability::Safe,
                "delete the comment line",
                vec![(p.file, line.span, String::new())],
            );
        }
        return d;
    }
    let raw = doc.raw_tokens(&line);
    if word.eq_ignore_ascii_case(b"user") && raw.len() >= 2 {
        return Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!(
                "the keyword `{}` must be lower-case `user` in ACL files: {refuse} ({quoted})",
                printable(word)
            ),
        )
        .fatal()
        .help("write `user` in lower case (redis.conf accepts any case, ACL files do not)")
        .fix(
            Applicability::Safe,
            "write `user`",
            vec![(p.file, p.span, "user".to_string())],
        );
    }
    if word.len() > 4 && word[..4].eq_ignore_ascii_case(b"user") && word[4].is_ascii_whitespace() {
        let ws_end = 4 + word[4..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let gap = Span::new(p.span.start as usize + 4, p.span.start as usize + ws_end);
        let mut d = Diagnostic::new(
            &rules::ACL_SYNTAX,
            p.file,
            p.span,
            format!("ACL files are split on single spaces only: `{}` is one word, so the line does not start with `user` and {refuse}", printable(word)),
        )
        .fatal()
        .help("separate `user`, the name and the rules with plain spaces");
        if word[..4] == *b"user" {
            d = d.fix(
                Applicability::Safe,
                "use a space after `user`",
                vec![(p.file, gap, " ".to_string())],
            );
        }
        return d;
    }
    let message = if raw.len() < 2 && word == b"user" {
        format!("`user` without a user name: {refuse} ({quoted})")
    } else {
        format!("every non-empty line of an ACL file must be `user <name> [rules…]`, this one is not: {refuse} ({quoted})")
    };
    Diagnostic::new(&rules::ACL_SYNTAX, p.file, line.content, message)
        .fatal()
        .help("write `user <name> <rules…>`, or delete the line")
}

/// The rule's text for a message, hidden when it holds a secret.
fn shown_rule(ctx: &Context<'_>, p: &Problem) -> String {
    let secret_shape = matches!(p.text.first(), Some(b'>' | b'<' | b'#' | b'!'))
        || p.text.iter().any(|b| *b == b'"' || *b == b'\'');
    if secret_shape && !ctx.options.show_secrets {
        return "***".to_string();
    }
    printable(ctx.shown(p.file, p.span, &p.text).as_bytes())
}

fn rule_error(
    ctx: &Context<'_>,
    p: &Problem,
    e: AclError,
    refuse: &str,
    in_acl: bool,
) -> Diagnostic {
    let quoted = format!("\"{}\"", e.message());
    let text = &p.text;
    let d = |message: String| Diagnostic::new(&rules::ACL_SYNTAX, p.file, p.span, message).fatal();
    match e {
        AclError::BadHash if text.first() == Some(&b'#') && looks_like_comment(text) => trailing_comment(ctx, p, in_acl),
        AclError::BadHash => {
            let rest = &text[1..];
            let upper = rest.len() == 64 && rest.iter().all(u8::is_ascii_hexdigit);
            let what = if upper {
                "it has upper-case hex digits".to_string()
            } else {
                format!("it has {} characters", rest.len())
            };
            d(format!("`{}` must be followed by a SHA-256 hash of exactly 64 lower-case hex characters, {what}: {refuse} ({quoted})", text[0] as char))
                .help(if upper {
                    "write the hash in lower case"
                } else {
                    "use `>password` for a clear-text password, or `#` + the 64-character lower-case hex SHA-256 of it"
                })
        }
        AclError::NoSuchPassword => {
            let help = if text.starts_with(b"<>") {
                "`<>…` removes the password `>…`; to set a password write `>password`"
            } else {
                "`<password` only removes a password added earlier (`>password`); to set one write `>password`"
            };
            d(format!("this rule removes a password the user does not have: {refuse} ({quoted})")).help(help)
        }
        AclError::PatternAfterAllKeys => d(format!(
            "the key pattern `{}` comes after `~*`/`allkeys`, which already allows every key: {refuse} ({quoted})",
            shown_rule(ctx, p)
        ))
        .help("drop the pattern, or put `resetkeys` before the patterns if you meant to restrict the keys"),
        AclError::PatternAfterAllChannels => d(format!(
            "the channel pattern `{}` comes after `&*`/`allchannels`, which already allows every channel: {refuse} ({quoted})",
            shown_rule(ctx, p)
        ))
        .help("drop the pattern, or put `resetchannels` before the channel patterns (with `acl-pubsub-default allchannels` every user starts with `&*`)"),
        AclError::FirstArgOfSubcommand => d(format!(
            "`{}` allows a first argument of a subcommand, which Redis does not support: {refuse} ({quoted})",
            shown_rule(ctx, p)
        ))
        .help("allow the subcommand itself (`+config|get`)"),
        AclError::Syntax => syntax_error(ctx, p, refuse, in_acl),
        AclError::UnknownName => unreachable_unknown(p),
    }
}

fn unreachable_unknown(p: &Problem) -> Diagnostic {
    Diagnostic::new(
        &rules::ACL_UNKNOWN_COMMAND,
        p.file,
        p.span,
        "unknown command or category",
    )
    .fatal()
}

/// `#` alone, or `#` followed by something that is not a hex digit: a comment, not a hash.
fn looks_like_comment(text: &[u8]) -> bool {
    text.len() == 1 || !text[1].is_ascii_hexdigit()
}

fn trailing_comment(ctx: &Context<'_>, p: &Problem, in_acl: bool) -> Diagnostic {
    let f = ctx.ws.file(p.file);
    let content_end = match (f.acl(), f.conf()) {
        (Some(doc), _) => doc.lines.get(p.line as usize).map(|l| l.content.end),
        (_, Some(doc)) => doc.lines.get(p.line as usize).map(|l| l.content.end),
        _ => None,
    }
    .unwrap_or(p.span.end);
    let comment = Span {
        start: p.span.start,
        end: content_end.max(p.span.end),
    };
    let bytes = &f.source.bytes;
    let mut start = comment.start as usize;
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    let removal = Span::new(start, comment.end as usize);
    let (what, refuse) = if in_acl {
        ("ACL files have no comments", refuses(true))
    } else {
        ("redis.conf has no trailing comments", refuses(false))
    };
    let mut d = Diagnostic::new(
        &rules::ACL_COMMENT,
        p.file,
        comment,
        format!("{what}: Redis reads `#…` as a password hash and {} (\"{}\")", refuse.trim_start_matches("Redis "), AclError::BadHash.message()),
    )
    .fatal()
    .help("remove the trailing comment; put it on a line of its own in redis.conf, or nowhere in an ACL file");
    if !f.is_secret(removal) || ctx.options.show_secrets {
        // redis.conf keeps comments on their own lines: move it above. ACL files keep none
        // (their comments go to a sidecar file, see `keep_acl_comments`).
        let above = f
            .conf()
            .and_then(|doc| doc.lines.get(p.line as usize))
            .map(|l| super::effective::line_above_edit(p.file, bytes, l, comment));
        d = match above {
            Some(insert) => d.fix(
                Applicability::Safe,
                "move the comment onto its own line above",
                vec![insert, (p.file, removal, String::new())],
            ),
            None => d.fix(
                Applicability::Safe,
                "remove the trailing comment",
                vec![(p.file, removal, String::new())],
            ),
        };
    }
    d
}

fn syntax_error(ctx: &Context<'_>, p: &Problem, refuse: &str, in_acl: bool) -> Diagnostic {
    let quoted = "\"Syntax error\"";
    let text = cstr(&p.text);
    let d = |message: String| Diagnostic::new(&rules::ACL_SYNTAX, p.file, p.span, message).fatal();
    // Two spaces after `user`: the name is empty and the real name is read as a rule.
    if let Some((doc, src, line)) = acl_line(ctx, p) {
        let raw = doc.raw_tokens(&line);
        if raw.len() > 2 && raw[1].is_empty() {
            if let Some(name_word) = raw[2..].iter().find(|s| !s.is_empty()) {
                if crate::syntax::acl::strip_rule(src, *name_word) == p.span {
                    let gap = Span {
                        start: raw[1].start,
                        end: name_word.start,
                    };
                    return d(format!(
                        "two spaces after `user` leave the user name empty, so Redis reads `{}` as a rule: {refuse} ({quoted})",
                        printable(&src[p.span.range()])
                    ))
                    .help("write exactly one space between `user` and the name")
                    .fix(Applicability::Safe, "remove the extra spaces", vec![(p.file, gap, String::new())]);
                }
            }
        }
    }
    let shown = shown_rule(ctx, p);
    match text.first() {
        Some(b'%') => d(format!(
            "`{shown}` is not a valid key permission: write `%R~pattern`, `%W~pattern` or `%RW~pattern` (`%~pattern` is refused by this build): {refuse} ({quoted})"
        ))
        .help("use `%R~`, `%W~` or `%RW~` followed by the pattern"),
        Some(b'~' | b'&') => d(format!("the pattern `{shown}` contains whitespace: {refuse} ({quoted})"))
            .help("patterns may not contain spaces, TABs or NUL bytes"),
        Some(b'+') if text.ends_with(b"|") => d(format!("`{shown}` names an empty first argument: {refuse} ({quoted})"))
            .help("write `+command|subcommand`, or `+command` for all of it"),
        _ if p.in_selector && is_user_only_rule(text) => d(format!(
            "`{shown}` is not allowed inside a selector `(…)` (selectors hold only command, key and channel rules): {refuse} ({quoted})"
        ))
        .help("move the rule out of the parentheses"),
        _ if in_acl && p.text.iter().any(|b| *b == b'"' || *b == b'\'') => d(format!(
            "ACL files have no quoting: a word with a quote character is not an ACL rule: {refuse} ({quoted})"
        ))
        .help("passwords with spaces cannot be written in an ACL file; use `#<sha256 hex>` of the password instead"),
        _ => d(format!("`{shown}` is not an ACL rule: {refuse} ({quoted})")).help(
            "ACL rules are `on`/`off`, `>password`, `#hash`, `nopass`, `~pattern`, `%R~pattern`, `&channel`, `+command`, `-command`, `+@category`, `reset`, `(selector)`…",
        ),
    }
}

fn is_user_only_rule(text: &[u8]) -> bool {
    [
        "on",
        "off",
        "nopass",
        "resetpass",
        "reset",
        "clearselectors",
        "sanitize-payload",
        "skip-sanitize-payload",
    ]
    .iter()
    .any(|k| text.eq_ignore_ascii_case(k.as_bytes()))
        || matches!(text.first(), Some(b'>' | b'<' | b'#' | b'!' | b'('))
}

fn unknown_name(
    ctx: &Context<'_>,
    p: &Problem,
    table: &CommandTable,
    sentinel: bool,
    refuse: &str,
) -> Diagnostic {
    let text = cstr(&p.text);
    let quoted = "\"Unknown command or category name in ACL\"";
    let d = |message: String| {
        Diagnostic::new(&rules::ACL_UNKNOWN_COMMAND, p.file, p.span, message).fatal()
    };
    let sign = text.first().copied().unwrap_or(b'+');
    let name = text.get(1..).unwrap_or_default();
    if let Some(cat) = name.strip_prefix(b"@") {
        let mut diag = d(format!(
            "unknown ACL category `@{}`: {refuse} ({quoted})",
            printable(cat)
        ));
        diag = match suggest_category(cat) {
            Some(s) => {
                diag = diag.help(format!("did you mean `@{s}`?"));
                if written_as_is(ctx, p) {
                    let fixed = format!("{}@{s}", sign as char);
                    diag = diag.fix(
                        Applicability::Unsafe,
                        format!("use `@{s}`"),
                        vec![(p.file, p.span, fixed)],
                    );
                }
                diag
            }
            None => diag.help(format!(
                "the categories of 7.0 are: {}",
                CATEGORIES.join(", ")
            )),
        };
        return diag;
    }
    if name.is_empty() {
        return d(format!(
            "`{}` names no command: {refuse} ({quoted})",
            printable(text)
        ))
        .help("write `+command`, `-command` or `+@category`");
    }
    let other = commands::table(!sentinel);
    let mode = if sentinel {
        "Sentinel mode"
    } else {
        "redis-server"
    };
    let bar = name.iter().position(|b| *b == b'|');
    let base = &name[..bar.unwrap_or(name.len())];
    let Some(base_cmd) = table.top(base) else {
        let mut diag = d(format!(
            "unknown command `{}`: {refuse} ({quoted})",
            printable(base)
        ));
        if other.top(base).is_some() {
            let help = if sentinel {
                "Sentinel knows only its own commands: acl, auth, client, command, hello, info, ping, psubscribe, publish, punsubscribe, role, sentinel, shutdown, subscribe, unsubscribe"
            } else {
                "this command exists only in Sentinel mode"
            };
            return diag.help(format!(
                "`{}` does not exist in {mode}; {help}",
                printable(base)
            ));
        }
        if let Some(s) = suggest(
            base,
            table
                .commands
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| c.name.as_str()),
        ) {
            let mut fixed = vec![sign];
            fixed.extend_from_slice(s.as_bytes());
            fixed.extend_from_slice(&name[base.len()..]);
            let replacement = String::from_utf8_lossy(&fixed).into_owned();
            diag = diag.help(format!("did you mean `{s}`?"));
            if written_as_is(ctx, p) {
                diag = diag.fix(
                    Applicability::Unsafe,
                    format!("use `{s}`"),
                    vec![(p.file, p.span, replacement)],
                );
            }
        }
        return diag;
    };
    let Some(bar) = bar else {
        return d(format!(
            "unknown command `{}`: {refuse} ({quoted})",
            printable(name)
        ));
    };
    let rest = &name[bar + 1..];
    if sign == b'-' && !base_cmd.is_container() {
        return d(format!(
            "`{}` denies a first argument, but first arguments can only be allowed (`+{}`), not denied: {refuse} ({quoted})",
            printable(text),
            printable(name)
        ))
        .help(format!("deny the whole command with `-{}`, then allow the first arguments you want", base_cmd.name));
    }
    if !base_cmd.is_container() {
        return d(format!(
            "`{}` has no subcommands, so `{}` names nothing: {refuse} ({quoted})",
            base_cmd.name,
            printable(name)
        ))
        .help(format!(
            "allow a first argument with `+{}|<arg>` (one level only)",
            base_cmd.name
        ));
    }
    let sub = &rest[..rest.iter().position(|b| *b == b'|').unwrap_or(rest.len())];
    let subs = base_cmd
        .subcommands
        .iter()
        .map(|id| table.get(*id).short_name());
    let mut diag = d(format!(
        "`{}` has no subcommand `{}`: {refuse} ({quoted})",
        base_cmd.name,
        printable(sub)
    ));
    if let Some(s) = suggest(sub, subs) {
        diag = diag.help(format!("did you mean `{}|{s}`?", base_cmd.name));
    } else {
        let all: Vec<&str> = base_cmd
            .subcommands
            .iter()
            .map(|id| table.get(*id).short_name())
            .collect();
        diag = diag.help(format!(
            "the subcommands of `{}` are: {}",
            base_cmd.name,
            all.join(", ")
        ));
    }
    diag
}

/// The rule is written in the file exactly as Redis read it (not quoted, not merged), so an
/// edit of its span replaces just this rule.
fn written_as_is(ctx: &Context<'_>, p: &Problem) -> bool {
    let f = ctx.ws.file(p.file);
    f.source.bytes.get(p.span.range()) == Some(p.text.as_slice()) && !f.is_secret(p.span)
}

/// Levenshtein distance, bounded use only (names are short).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest name, if close enough to be a typo.
fn suggest<'a>(name: &[u8], candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if name.len() > 64 {
        return None;
    }
    let limit = if name.len() <= 4 { 1 } else { 2 };
    candidates
        .map(|c| (distance(name, c.as_bytes()), c))
        .filter(|(dist, _)| *dist <= limit)
        .min_by_key(|(dist, c)| (*dist, c.len()))
        .map(|(_, c)| c)
}

/// Categories: ignore `_`/`-`, a plural `s`, and accept prefixes (`@key` → `@keyspace`).
fn suggest_category(name: &[u8]) -> Option<&'static str> {
    let norm: Vec<u8> = name
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-' | b' '))
        .map(u8::to_ascii_lowercase)
        .collect();
    let norm = norm
        .strip_suffix(b"s")
        .filter(|n| n.len() >= 3)
        .map(<[u8]>::to_vec)
        .unwrap_or(norm);
    CATEGORIES
        .iter()
        .find(|c| {
            c.as_bytes() == norm.as_slice() || (norm.len() >= 3 && c.as_bytes().starts_with(&norm))
        })
        .copied()
        .or_else(|| suggest(name, CATEGORIES.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemoryFs;
    use crate::{check as run_check, Finding, Input, Options};

    /// Check files given as (host path, kind, text); all are inputs and on the fake host.
    fn findings_with(files: &[(&str, Kind, &str)], options: &Options) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(*path, text.as_bytes().to_vec());
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path.to_string()),
                bytes: text.as_bytes().to_vec(),
                kind: *kind,
            });
        }
        run_check(inputs, &fs, options)
            .findings
            .into_iter()
            // Exposure and password rules (RL3xx, RL4xx) judge these files too.
            .filter(|f| !f.code.starts_with("RL3") && !f.code.starts_with("RL4"))
            .collect()
    }
    fn findings(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        findings_with(files, &Options::default())
    }
    fn codes(f: &[Finding]) -> Vec<(&'static str, u32, u32)> {
        f.iter().map(|f| (f.code, f.line, f.column)).collect()
    }

    #[test]
    fn acl_file_problems_are_on_their_token() {
        let f = findings(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            "# c\nuser a on +@sorted_set\nuser a on\nuser b on >pw ~* # note +nosuch\n",
        )]);
        assert_eq!(
            codes(&f),
            [
                ("RL020", 1, 1),
                ("RL022", 2, 11),
                ("RL023", 3, 6),
                ("RL020", 4, 18)
            ]
        );
        assert!(f.iter().all(|f| f.fatal));
        assert!(f[1]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("@sortedset"));
        assert_eq!(
            f[0].fix.as_ref().map(|x| x.edits[0].replacement.as_str()),
            Some("")
        );
    }

    #[test]
    fn secrets_stay_hidden() {
        let f = findings(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            "user a on >hunter2 <hunter3 #HUNTER\n",
        )]);
        assert_eq!(f.len(), 2);
        for x in &f {
            assert!(
                !x.message.contains("hunter") && !x.message.contains("HUNTER"),
                "{}",
                x.message
            );
        }
    }

    #[test]
    fn server_loads_its_acl_file_and_conflicts_with_user_lines() {
        let conf = "aclfile /etc/redis/users.acl\nuser bob on nopass\n";
        let f = findings(&[
            ("/etc/redis/redis.conf", Kind::Redis, conf),
            ("/etc/redis/users.acl", Kind::Acl, "user a on\nuser a on\n"),
        ]);
        let c: Vec<_> = f
            .iter()
            .map(|f| (f.code, f.file.as_str(), f.line))
            .collect();
        assert_eq!(
            c,
            [
                ("RL010", "etc/redis/redis.conf", 1),
                ("RL023", "etc/redis/users.acl", 2)
            ]
        );
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn duplicates_count_per_server_and_across_includes() {
        let f = findings(&[
            ("/etc/redis/a.conf", Kind::Redis, "user app on nopass\n"),
            ("/etc/redis/b.conf", Kind::Redis, "user app on nopass\n"),
        ]);
        assert!(f.is_empty(), "two servers may each define `app`: {f:?}");
        let fs_files = [
            (
                "/etc/redis/a.conf",
                Kind::Redis,
                "user app on nopass\ninclude /etc/redis/more.conf\n",
            ),
            ("/etc/redis/more.conf", Kind::Redis, "user app off\n"),
        ];
        let f = findings(&fs_files);
        assert_eq!(codes(&f), [("RL023", 1, 6)]);
        assert_eq!(f[0].file, "etc/redis/more.conf");
    }

    #[test]
    fn sentinel_has_only_its_commands() {
        let f = findings(&[(
            "/etc/redis/sentinel.conf",
            Kind::Sentinel,
            "user bob on nopass +get +ping\n",
        )]);
        assert_eq!(codes(&f), [("RL022", 1, 20)]);
        assert!(f[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("Sentinel"));
        let f = findings(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "user bob on nopass +get +ping\n",
        )]);
        assert!(f.is_empty());
    }

    #[test]
    fn conf_user_lines() {
        let f = findings(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "USER ok on nopass \">pass word\" ~*\nuser a on nopass # app\nuser\nuser \"a b\" on\nuser c on (~x +get\n",
        )]);
        assert_eq!(
            codes(&f),
            [
                ("RL020", 2, 18),
                ("RL003", 3, 1),
                ("RL021", 4, 6),
                ("RL021", 5, 11)
            ]
        );
    }

    #[test]
    fn acl_file_line_shapes() {
        let f = findings(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            "USER a on\nuser\ta on\nuser  a on\nuser a\t on\nfoo bar\n",
        )]);
        assert_eq!(
            codes(&f),
            [
                ("RL021", 1, 1),
                ("RL021", 2, 1),
                ("RL021", 3, 7),
                ("RL021", 4, 6),
                ("RL021", 5, 1)
            ]
        );
        let fixes: Vec<_> = f
            .iter()
            .map(|f| f.fix.as_ref().map(|x| x.edits[0].replacement.clone()))
            .collect();
        assert_eq!(
            fixes,
            [
                Some("user".into()),
                Some(" ".into()),
                Some(String::new()),
                None,
                None
            ]
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_category(b"sorted_set"), Some("sortedset"));
        assert_eq!(suggest_category(b"strings"), Some("string"));
        assert_eq!(suggest_category(b"key"), Some("keyspace"));
        assert_eq!(suggest_category(b"dangerus"), Some("dangerous"));
        assert_eq!(suggest_category(b"nothing-like-it"), None);
        let t = commands::redis();
        let top = || {
            t.commands
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| c.name.as_str())
        };
        assert_eq!(suggest(b"flushal", top()), Some("flushall"));
        assert_eq!(suggest(b"zzzzzzzz", top()), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn never_panics_on_hostile_users(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            words in proptest::collection::vec("(user|USER|[(]|[)]|~[*a]?|%[RWX]*~?|&[*]?|[+-]@?[a-z|]{0,8}|[<>#!][a-f0-9]{0,4}|on|reset|\"|'| |\t|\\x00)", 0..30),
            argv in proptest::collection::vec("[a-zA-Z0-9*?:\\[\\]^-]{0,6}", 0..6),
        ) {
            let text = words.concat();
            let acl = [b"user a ".as_slice(), text.as_bytes(), b"\n", &body].concat();
            let conf = format!("user b {text}\n");
            let files: [(&str, Kind, &str); 1] = [("/etc/redis/redis.conf", Kind::Redis, &conf)];
            let _ = findings(&files);
            let mut fs = MemoryFs::new();
            fs.insert("/etc/redis/users.acl", acl.clone());
            let input = Input { path: "users.acl".into(), host_path: None, bytes: acl.clone(), kind: Kind::Acl };
            let _ = run_check(vec![input], &fs, &Options::default());
            let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
            let _ = acl::dryrun_file(&acl, acl::Kind::Acl, "a", &args);
            let _ = acl::dryrun_file(conf.as_bytes(), acl::Kind::Redis, "b", &args);
        }
    }

    #[test]
    fn trailing_comments_are_moved_never_dropped() {
        use crate::finding::Applicability;
        // redis.conf: onto its own line above.
        let conf = "  user app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* +get # the app\n";
        let f = findings(&[("/etc/redis/redis.conf", Kind::Redis, conf)]);
        let edits: Vec<_> = f
            .iter()
            .filter(|x| x.code == "RL020")
            .filter_map(|x| x.fix.as_ref())
            .flat_map(|fx| fx.edits.clone())
            .collect();
        let out = String::from_utf8(crate::fix::apply_edits(conf.as_bytes(), &edits)).unwrap();
        assert_eq!(
            out,
            "  # the app\n  user app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* +get\n"
        );
        // ACL file: into the sidecar, with the whole-line comments.
        let acl = "# users\nuser app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* +get # the app\n";
        let f = findings(&[("/etc/redis/users.acl", Kind::Acl, acl)]);
        let fixes: Vec<_> = f
            .iter()
            .filter(|x| x.code == "RL020")
            .filter_map(|x| x.fix.as_ref())
            .collect();
        assert_eq!(fixes.len(), 1, "{f:#?}");
        assert_eq!(fixes[0].applicability, Applicability::Unsafe);
        let notes = &fixes[0].writes[0].content;
        assert!(
            notes.contains("- line 1: # users\n") && notes.contains("- line 2: # the app\n"),
            "{notes}"
        );
    }
}
