//! Every reason redis-server 7.0.15 refuses a redis.conf / sentinel.conf line, or aborts at
//! startup because of the configuration: each reported as a `fatal` finding on the exact
//! token, and nothing reported fatal that the server accepts (proven by
//! `tests/tests/directives_differential.rs` against the real server).
//!
//! Per line (every redis and sentinel file, loaded or not): the parser's verdict
//! ([`crate::knowledge::directives::line`]) as RL001–RL004, RL015 and RL017, quotes (RL005),
//! inline comments (RL006), bind addresses (RL007), NUL bytes (RL011). Per server (in load
//! order, includes expanded): `rename-command` (RL013), module configs (RL014), replicaof in
//! cluster mode (RL016), `dir`/`logfile` on the host (RL017), and startup conditions (RL004:
//! nowhere to listen, TLS without certificates, cluster port out of range).
//!
//! `sentinel …` lines belong to the Sentinel checks and `user` lines (beyond their arity) to
//! the ACL checks.

mod bind;
mod cr;
mod nul;
mod preflight;
mod server;

use std::collections::HashSet;

use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::knowledge::directives::line::{
    self, Blame, LineContext, LineError, Refusal, BAD_DIRECTIVE,
};
use crate::knowledge::directives::values::TitleState;
use crate::knowledge::directives::{self as table, cstr, suggest};
use crate::model::{FileId, Kind};
use crate::rules;
use crate::source::Span;
use crate::syntax::conf::{ConfDocument, Line, LineKind, Token};
use crate::RedisBuild;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut nul_lines: HashSet<(FileId, u32)> = HashSet::new();
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if !matches!(f.kind, Kind::Redis | Kind::Sentinel) || f.conf().is_none() {
            continue;
        }
        let skip = nul::check_file(ctx, id, out);
        cr::check_file(ctx, id, out);
        nul_lines.extend(skip.iter().map(|l| (id, *l)));
        check_file(ctx, id, &skip, out);
    }
    server::check_servers(ctx, &nul_lines, out);
}

/// The parse context of a file: Sentinel or not, and the build.
fn line_context(ctx: &Context<'_>, sentinel: bool) -> LineContext {
    LineContext {
        sentinel,
        active_defrag_supported: ctx.options.redis_build == RedisBuild::Official,
        title: TitleState {
            sentinel,
            ..TitleState::default()
        },
    }
}

/// The decoded values of a line's tokens.
pub(crate) fn values<'a>(
    doc: &'a ConfDocument,
    bytes: &'a [u8],
    tokens: &[Token],
) -> Vec<&'a [u8]> {
    tokens.iter().map(|t| doc.value(bytes, t)).collect()
}

fn check_file(ctx: &Context<'_>, id: FileId, skip: &[u32], out: &mut Vec<Diagnostic>) {
    let f = ctx.ws.file(id);
    let Some(doc) = f.conf() else { return };
    let bytes = &f.source.bytes;
    let sentinel = f.kind == Kind::Sentinel;
    let mut cx = line_context(ctx, sentinel);
    for (i, l) in doc.lines.iter().enumerate() {
        if skip.binary_search(&(i as u32)).is_ok() {
            continue;
        }
        match l.kind {
            LineKind::UnbalancedQuotes => unbalanced_quotes(id, bytes, l, out),
            LineKind::Directive => {
                let tokens = doc.tokens(l);
                let vals = values(doc, bytes, tokens);
                directive_line(ctx, id, i, l, tokens, &vals, &cx, out);
                remember(&vals, &mut cx);
            }
            _ => {}
        }
    }
}

/// Facts later lines depend on (`proc-title-template` expands `{server-mode}` and
/// `{unixsocket}` with what was read so far).
fn remember(vals: &[&[u8]], cx: &mut LineContext) {
    if vals.len() != 2 {
        return;
    }
    let name = cstr(vals[0]);
    let cluster = name.eq_ignore_ascii_case(b"cluster-enabled");
    if !(cluster || name.eq_ignore_ascii_case(b"unixsocket")) || line::verdict(vals, cx).is_err() {
        return;
    }
    if cluster {
        cx.title.cluster_enabled = cstr(vals[1]).eq_ignore_ascii_case(b"yes");
    } else {
        cx.title.unixsocket = !cstr(vals[1]).is_empty();
    }
}

/// A name or value for a message: control bytes escaped, long text shortened, an empty value
/// shown as `""` (a message never quotes nothing).
pub(crate) fn display(v: &[u8]) -> String {
    if v.is_empty() {
        return crate::security::EMPTY.to_string();
    }
    let mut s = String::new();
    for c in String::from_utf8_lossy(v).chars().take(80) {
        match c {
            '\u{feff}' => s.push_str("\\u{feff}"),
            c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    if v.len() > 80 {
        s.push('…');
    }
    s
}

/// The index of the first token that starts an intended inline comment, if any: an
/// unquoted `#…` after at least one argument, or a lone `#` right after the name that is
/// followed by more words.
fn inline_comment(bytes: &[u8], tokens: &[Token]) -> Option<usize> {
    tokens.iter().enumerate().skip(1).find_map(|(i, t)| {
        let raw = &bytes[t.span.range()];
        let starts = raw.first() == Some(&b'#');
        (starts && (i >= 2 || (raw == b"#" && tokens.len() > 2))).then_some(i)
    })
}

#[allow(clippy::too_many_arguments)]
fn directive_line(
    ctx: &Context<'_>,
    id: FileId,
    index: usize,
    l: &Line,
    tokens: &[Token],
    vals: &[&[u8]],
    cx: &LineContext,
    out: &mut Vec<Diagnostic>,
) {
    let f = ctx.ws.file(id);
    let bytes = &f.source.bytes;
    let name = vals[0];
    // A byte-order mark is read as part of the first name.
    if index == 0 && bytes[tokens[0].span.range()].starts_with(BOM) {
        out.push(
            Diagnostic::new(
                &rules::UNKNOWN_DIRECTIVE,
                id,
                Span::new(tokens[0].span.start as usize, tokens[0].span.start as usize + BOM.len()),
                format!("the file starts with a UTF-8 byte-order mark: Redis reads it as part of the first word and refuses to start (`{BAD_DIRECTIVE}`)"),
            )
            .fatal()
            .help("save the file as UTF-8 without a BOM")
            .fix(
                Applicability::Safe,
                "remove the byte-order mark",
                vec![(id, Span::new(tokens[0].span.start as usize, tokens[0].span.start as usize + BOM.len()), String::new())],
            ),
        );
        let stripped = &name[BOM.len().min(name.len())..];
        if stripped.is_empty() || stripped.starts_with(b"#") {
            return;
        }
        let mut rest: Vec<&[u8]> = vals.to_vec();
        rest[0] = stripped;
        return checked_line(ctx, id, l, tokens, &rest, cx, out);
    }
    checked_line(ctx, id, l, tokens, vals, cx, out);
}

fn checked_line(
    ctx: &Context<'_>,
    id: FileId,
    l: &Line,
    tokens: &[Token],
    vals: &[&[u8]],
    cx: &LineContext,
    out: &mut Vec<Diagnostic>,
) {
    let f = ctx.ws.file(id);
    let bytes = &f.source.bytes;
    let name = vals[0];
    if cstr(name).eq_ignore_ascii_case(b"sentinel") {
        return; // the Sentinel checks own these lines
    }
    if cstr(name).eq_ignore_ascii_case(b"user") && vals.len() >= 2 {
        return; // the ACL checks own the rules
    }
    let comment = inline_comment(bytes, tokens);
    let upto = comment.unwrap_or(tokens.len());
    let intended = &vals[..upto];
    if let Err(e) = line::verdict(intended, cx) {
        report(ctx, id, &tokens[..upto], intended, &e, out);
    } else if table::canonical_name(name) == "bind" {
        bind::check_line(id, &tokens[..upto], intended, out);
    }
    if let Some(c) = comment {
        inline_comment_finding(ctx, id, l, tokens, vals, c, cx, out);
    }
}

/// The span a refusal points at.
fn blame_span(tokens: &[Token], blame: Blame) -> Span {
    let last = tokens[tokens.len() - 1].span;
    match blame {
        Blame::Name => tokens[0].span,
        Blame::Arg(i) => tokens.get(i).map_or(last, |t| t.span),
        Blame::Values => {
            if tokens.len() > 1 {
                tokens[1].span.cover(last)
            } else {
                tokens[0].span
            }
        }
        Blame::Surplus(i) => tokens.get(i).map_or(last, |t| t.span.cover(last)),
    }
}

/// Sentinel's own configuration keywords, for the "did you mean `sentinel …`" help.
const SENTINEL_SUBCOMMANDS: &[&str] = &[
    "monitor",
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
    "notification-script",
    "client-reconfig-script",
    "auth-pass",
    "auth-user",
    "known-replica",
    "known-slave",
    "known-sentinel",
    "rename-command",
    "config-epoch",
    "leader-epoch",
    "current-epoch",
    "myid",
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "resolve-hostnames",
    "announce-hostnames",
    "sentinel-user",
    "sentinel-pass",
    "master-reboot-down-after-period",
];

fn report(
    ctx: &Context<'_>,
    id: FileId,
    tokens: &[Token],
    vals: &[&[u8]],
    e: &LineError,
    out: &mut Vec<Diagnostic>,
) {
    let f = ctx.ws.file(id);
    let name = vals[0];
    let shown_name = display(name);
    let canonical = table::canonical_name(name);
    let span = blame_span(tokens, e.blame);
    let sentinel = f.kind == Kind::Sentinel;
    let d = match e.refusal {
        Refusal::Unknown => {
            let (message, help) = unknown_words(name, sentinel);
            Diagnostic::new(&rules::UNKNOWN_DIRECTIVE, id, span, message).help(help)
        }
        Refusal::Later(when) => Diagnostic::new(
            &rules::UNKNOWN_DIRECTIVE,
            id,
            span,
            format!("`{shown_name}` is not a Redis 7.0 directive (it appeared in {when}): Redis 7.0.15 refuses to start (`{BAD_DIRECTIVE}`)"),
        )
        .help("delete the line, or run the Redis version this file was written for"),
        Refusal::Removed(note) => Diagnostic::new(
            &rules::REMOVED_DIRECTIVE,
            id,
            span,
            format!("`{shown_name}` was removed from Redis: 7.0.15 refuses to start (`{BAD_DIRECTIVE}`)"),
        )
        .help(note.to_string()),
        Refusal::Arity => {
            let got = vals.len() - 1;
            let message = arity_message(&canonical, &shown_name, got, &e.redis);
            let mut d = Diagnostic::new(&rules::WRONG_ARITY, id, span, message);
            if let Some(h) = &e.help {
                d = d.help(h.clone());
            }
            d
        }
        Refusal::Value => {
            let value = match e.blame {
                Blame::Arg(i) if i < tokens.len() => ctx.shown(id, tokens[i].span, vals[i]),
                _ => {
                    let parts: Vec<String> = (1..tokens.len()).map(|i| ctx.shown(id, tokens[i].span, vals[i])).collect();
                    parts.join(" ")
                }
            };
            let mut d = Diagnostic::new(
                &rules::INVALID_VALUE,
                id,
                span,
                format!("invalid value `{}` for `{canonical}`: Redis refuses to start (`{}`)", display(value.as_bytes()), e.redis),
            );
            if let Some(h) = &e.help {
                d = d.help(h.clone());
            }
            d
        }
        Refusal::ActiveDefrag => Diagnostic::new(
            &rules::ACTIVEDEFRAG_UNSUPPORTED,
            id,
            span,
            "`activedefrag yes` is refused by Debian/Ubuntu's redis-server (built with the system jemalloc): Redis refuses to start (`Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc…`)",
        )
        .help("set `activedefrag no` (or delete the line) on distribution packages; active defragmentation needs Redis' own build or the official image (then check with `--redis-build official`)"),
        Refusal::Chdir => Diagnostic::new(
            &rules::DIR_MISSING,
            id,
            span,
            format!("`dir` is empty: Redis changes into it while reading the file and refuses to start (`{}`)", e.redis),
        )
        .help("name the data directory, e.g. `dir /var/lib/redis`"),
        Refusal::SentinelOutsideSentinel => return, // reported by the Sentinel checks
    };
    out.push(d.fatal());
}

fn arity_message(canonical: &str, shown: &str, got: usize, redis: &str) -> String {
    let what = match (canonical, table::lookup(canonical.as_bytes())) {
        ("include", _) => "`include` takes exactly one path".to_string(),
        ("rename-command", _) => {
            "`rename-command` takes exactly two arguments (command, new name)".to_string()
        }
        ("user", _) => "`user` needs at least a user name".to_string(),
        ("loadmodule", _) => "`loadmodule` needs the path of the module".to_string(),
        (_, Some(spec)) if !spec.multi_arg => {
            if got == 0 {
                format!("`{shown}` needs a value")
            } else {
                format!("`{shown}` takes exactly one value, got {got}")
            }
        }
        (_, Some(_)) => format!("wrong number of values for `{shown}` ({got})"),
        _ if canonical.contains('.') => format!("module configuration `{shown}` has no value"),
        _ => format!("`{shown}` takes exactly one value, got {got}"),
    };
    format!("{what}: Redis refuses to start (`{redis}`)")
}

/// Message and help for a name the parser does not know.
fn unknown_words(name: &[u8], sentinel: bool) -> (String, String) {
    let shown = display(name);
    let tail = format!("Redis refuses to start (`{BAD_DIRECTIVE}`)");
    if name.is_empty() {
        return (
            format!("the directive name is an empty quoted string: {tail}"),
            "remove the quotes, or the stray `\"\"`".to_string(),
        );
    }
    if name.iter().any(|&b| b == 0x0b || b == 0x0c) {
        return (
            format!("`{shown}` contains a vertical tab or form feed, which Redis reads as part of the word: {tail}"),
            "separate the directive and its value with a space".to_string(),
        );
    }
    let lower = String::from_utf8_lossy(cstr(name)).to_ascii_lowercase();
    if sentinel && SENTINEL_SUBCOMMANDS.contains(&lower.as_str()) {
        return (
            format!("unknown directive `{shown}`: {tail}"),
            format!(
                "Sentinel options are written with the `sentinel` prefix: `sentinel {lower} …`"
            ),
        );
    }
    let help = match suggest(name) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "delete the line, or check the name against the redis.conf shipped with Redis 7.0"
            .to_string(),
    };
    (format!("unknown directive `{shown}`: {tail}"), help)
}

/// RL006: an intended trailing comment, which Redis reads as more arguments.
#[allow(clippy::too_many_arguments)]
fn inline_comment_finding(
    ctx: &Context<'_>,
    id: FileId,
    l: &Line,
    tokens: &[Token],
    vals: &[&[u8]],
    c: usize,
    cx: &LineContext,
    out: &mut Vec<Diagnostic>,
) {
    let f = ctx.ws.file(id);
    let bytes = &f.source.bytes;
    let comment_span = Span::new(tokens[c].span.start as usize, l.content.end as usize);
    let secret = f.is_secret(comment_span) || tokens[..c].iter().any(|t| f.is_secret(t.span));
    let canonical = table::canonical_name(vals[0]);
    let extra = tokens.len() - c;
    let words = if extra == 1 {
        "one more argument".to_string()
    } else {
        format!("{extra} more arguments")
    };
    let shown_comment = if secret {
        "the comment".to_string()
    } else {
        format!("`{}`", display(&bytes[comment_span.range()]))
    };
    let head = format!(
        "Redis has no inline comments: {shown_comment} is read as {words} of `{}`",
        display(vals[0])
    );
    let kind = table::classify(vals[0]);
    let (message, fatal) = match line::verdict(vals, cx) {
        Err(e) => (format!("{head}, and Redis refuses the line (`{}`)", e.redis), true),
        Ok(()) if canonical == "bind" => (
            format!("{head}: they become more bind addresses and Redis aborts at startup (it cannot listen on `#…`)"),
            true,
        ),
        Ok(()) if matches!(kind, table::NameKind::Keyword(table::Keyword::LoadModule)) => {
            (format!("{head}: Redis passes them to the module as arguments"), false)
        }
        Ok(()) if matches!(kind, table::NameKind::ModuleConfig) => {
            (format!("{head}: they become part of the module option's value"), false)
        }
        Ok(()) => (head.to_string(), false),
    };
    let mut d = Diagnostic::new(&rules::INLINE_COMMENT, id, comment_span, message)
        .help("comments must be on their own line, starting with `#`");
    if fatal {
        d = d.fatal();
    } else {
        d = d.severity(Severity::Warning);
    }
    if !secret {
        let cut = Span::new(tokens[c - 1].span.end as usize, l.content.end as usize);
        let applicability = if fatal {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        d = d.fix(
            applicability,
            "move the comment onto its own line above",
            vec![
                super::effective::line_above_edit(id, bytes, l, comment_span),
                (id, cut, String::new()),
            ],
        );
    }
    out.push(d);
}

/// RL005: `sdssplitargs` failed, Redis refuses the line.
fn unbalanced_quotes(id: FileId, bytes: &[u8], l: &Line, out: &mut Vec<Diagnostic>) {
    let at = (l.error_at as usize).clamp(l.content.start as usize, l.content.end as usize);
    let content = &bytes[l.content.range()];
    let rel = at - l.content.start as usize;
    let q = content.get(rel).copied().unwrap_or(b'"');
    // Walk the quoted section the way the tokenizer does, to tell why it failed.
    let mut p = rel + 1;
    let mut closed_at = None;
    while p < content.len() {
        let c = content[p];
        if q == b'"' && c == b'\\' && p + 1 < content.len() {
            p += 2;
            continue;
        }
        if q == b'\'' && c == b'\\' && content.get(p + 1) == Some(&b'\'') {
            p += 2;
            continue;
        }
        if c == q {
            closed_at = Some(p);
            break;
        }
        p += 1;
    }
    let before = &content[..rel];
    let comment_before = before
        .windows(2)
        .any(|w| (w[0] == b' ' || w[0] == b'\t') && w[1] == b'#');
    let help = if comment_before {
        "this looks like an inline comment containing a quote (an apostrophe?): Redis has no inline comments, so move the comment onto its own line".to_string()
    } else if let Some(close) = closed_at {
        let after = content
            .get(close + 1)
            .map_or(String::new(), |b| display(&[*b]));
        format!("a closing quote must be followed by a space or the end of the line (here it is followed by `{after}`); put the whole value inside the quotes")
    } else if q == b'"' && content.ends_with(b"\\\"") {
        "the backslash escapes the closing quote: write `\\\\` for a literal backslash at the end"
            .to_string()
    } else if q == b'\'' && rel > 0 && content[rel - 1].is_ascii_alphanumeric() {
        "an apostrophe inside a word opens a quoted section: put the whole value in double quotes, e.g. `\"it's\"`".to_string()
    } else {
        "close the quote, or escape it (`\\\"` inside double quotes, `\\'` inside single quotes)"
            .to_string()
    };
    out.push(
        Diagnostic::new(
            &rules::UNBALANCED_QUOTES,
            id,
            Span::new(at, l.content.end as usize),
            "unbalanced quotes: Redis refuses to start (`Unbalanced quotes in configuration line`)",
        )
        .fatal()
        .help(help),
    );
}

#[cfg(test)]
mod tests {
    use crate::fs::MemoryFs;
    use crate::{check, Finding, Input, Kind, Options, RedisBuild};

    fn run_with(text: &[u8], kind: Kind, options: &Options) -> (Vec<Finding>, Vec<u8>) {
        let mut fs = MemoryFs::new();
        fs.insert("/var/lib/redis/dump.rdb", "x");
        let path = if kind == Kind::Sentinel {
            "/etc/redis/sentinel.conf"
        } else {
            "/etc/redis/redis.conf"
        };
        fs.insert(path, text.to_vec());
        let input = Input {
            path: path.into(),
            host_path: Some(path.into()),
            bytes: text.to_vec(),
            kind,
        };
        // Only this module's family (RL0xx): the deployment rules have tests of their own.
        let findings = check(vec![input], &fs, options)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL0"))
            .collect();
        (findings, text.to_vec())
    }

    fn run(text: &str) -> Vec<Finding> {
        run_with(text.as_bytes(), Kind::Redis, &Options::default()).0
    }

    #[test]
    fn cr_only_line_endings() {
        // A directive first: the others are its arguments (RL003 says Redis refuses it).
        let f = run("port 6379\rmaxmemory 1gb\rappendonly yes\r");
        let cr: Vec<&Finding> = f.iter().filter(|x| x.code == "RL026").collect();
        assert_eq!(cr.len(), 1, "{f:#?}");
        assert_eq!((cr[0].line, cr[0].column), (1, 10));
        assert!(!cr[0].fatal);
        assert!(
            cr[0].message.contains("these 3 lines are one line"),
            "{}",
            cr[0].message
        );
        assert!(
            cr[0].message.contains("one `port` line"),
            "{}",
            cr[0].message
        );
        assert!(f.iter().any(|x| x.code == "RL003" && x.fatal), "{f:#?}");
        // A comment first: everything is ignored, and Redis starts.
        let f = run("# main\rport 6379\rrequirepass x\r");
        assert_eq!(f.iter().filter(|x| x.code == "RL026").count(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("Redis ignores all of them"),
            "{}",
            f[0].message
        );
        assert!(f.iter().all(|x| !x.fatal), "{f:#?}");
        // CRLF and a lone trailing CR are fine.
        assert!(run("port 6379\r\nmaxmemory 1gb\r\n")
            .iter()
            .all(|x| x.code != "RL026"));
        assert!(run("port 6379\r").iter().all(|x| x.code != "RL026"));
    }

    #[test]
    fn no_message_renders_an_empty_value() {
        // Every directive with an empty value, a bare one, and an empty value set twice after
        // another value: no message may quote nothing ("sets `` again", "reads  and").
        let mut text = String::new();
        for name in crate::knowledge::directives::all_names() {
            text.push_str(&format!("{name} \"\"\n{name}\n{name} x\n{name} \"\"\n"));
        }
        // ACL files split on single spaces: two spaces make empty words.
        let acl = "user  alice on >Xk2vP9qL7mZ4wR8nT3bY6cHq ~*  +get\nuser bob  on nopass ~* +@all  \nuser carol on  ~a:*  -@all +@read  +keys\nuser  \n";
        for (kind, text) in [
            (Kind::Redis, text.as_str()),
            (Kind::Sentinel, text.as_str()),
            (Kind::Acl, acl),
        ] {
            let mut fs = MemoryFs::new();
            fs.insert("/etc/redis/redis.conf", text);
            let input = Input {
                path: "etc/redis/redis.conf".into(),
                host_path: Some("/etc/redis/redis.conf".into()),
                bytes: text.as_bytes().to_vec(),
                kind,
            };
            let options = Options {
                ungrouped: true,
                show_secrets: true,
                ..Options::default()
            };
            let bad: Vec<String> = check(vec![input], &fs, &options)
                .findings
                .iter()
                .flat_map(|f| {
                    std::iter::once(f.message.clone())
                        .chain(f.help.clone())
                        .chain(f.related.iter().map(|r| r.message.clone()))
                        .map(move |m| format!("{}:{} {m}", f.line, f.code))
                })
                .filter(|m| m.contains("``") || m.contains("  "))
                .collect();
            assert!(bad.is_empty(), "{kind:?}:\n{}", bad.join("\n"));
        }
    }

    #[test]
    fn no_renamed_directive_on_a_nul_line() {
        let (f, _) = run_with(
            b"maxmemory\0 1gb\nport 6379\n",
            Kind::Redis,
            &Options::default(),
        );
        assert!(f.iter().any(|x| x.code == "RL011"), "{f:#?}");
        let all = check_all(b"maxmemory\0 1gb\nport 6379\n");
        assert!(all.iter().all(|x| x.code != "RL801"), "{all:#?}");
    }

    /// Every rule's findings, not only this module's.
    fn check_all(text: &[u8]) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        fs.insert("/etc/redis/redis.conf", text.to_vec());
        let input = Input {
            path: "etc/redis/redis.conf".into(),
            host_path: Some("/etc/redis/redis.conf".into()),
            bytes: text.to_vec(),
            kind: Kind::Redis,
        };
        check(vec![input], &fs, &Options::default()).findings
    }

    /// (code, the text the finding points at, fatal) for every finding.
    fn pointed(text: &str, kind: Kind) -> Vec<(&'static str, String, bool)> {
        let (findings, bytes) = run_with(text.as_bytes(), kind, &Options::default());
        findings
            .iter()
            .map(|f| {
                (
                    f.code,
                    String::from_utf8_lossy(&bytes[f.span.range()]).into_owned(),
                    f.fatal,
                )
            })
            .collect()
    }

    #[test]
    fn findings_point_at_the_exact_token() {
        let p = pointed(
            "maxmemory 1gib\nport 1 2 3\nmaxmemroy 1\nsave 900 x\nbind 127.0.0.1 10.0.0.0/8\n",
            Kind::Redis,
        );
        assert!(p.contains(&("RL004", "1gib".into(), true)), "{p:?}");
        assert!(p.contains(&("RL003", "2 3".into(), true)), "{p:?}");
        assert!(p.contains(&("RL001", "maxmemroy".into(), true)), "{p:?}");
        assert!(p.contains(&("RL004", "x".into(), true)), "{p:?}");
        assert!(p.contains(&("RL007", "10.0.0.0/8".into(), true)), "{p:?}");
    }

    #[test]
    fn help_says_what_to_write() {
        let f = run("maxmemory 1gib\n");
        assert!(
            f[0].message.contains("argument must be a memory value"),
            "{}",
            f[0].message
        );
        assert!(f[0].help.as_deref().unwrap_or_default().contains("`1gb`"));
        let f = run("port 65536\n");
        assert!(
            f[0].message
                .contains("argument must be between 0 and 65535 inclusive"),
            "{}",
            f[0].message
        );
        let f = run("maxmemroy 1gb\n");
        assert_eq!(f[0].help.as_deref(), Some("did you mean `maxmemory`?"));
        let f = run("hash-max-zipmap-entries 512\n");
        assert_eq!(f[0].code, "RL002");
        assert!(f[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("hash-max-listpack-entries"));
    }

    #[test]
    fn inline_comment_fix_moves_the_comment_above() {
        let text = "  save 900 1   # every 15 min\r\nport 6379\n";
        let f = run(text);
        let c = f.iter().find(|f| f.code == "RL006").expect("RL006");
        assert!(c.fatal);
        let fix = c.fix.as_ref().expect("fix");
        let mut out = text.as_bytes().to_vec();
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.start));
        for e in edits {
            out.splice(e.start as usize..e.end as usize, e.replacement.bytes());
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  # every 15 min\r\n  save 900 1\r\nport 6379\n"
        );
    }

    #[test]
    fn inline_comment_severity_follows_redis() {
        let f = run("bind 127.0.0.1 # local\n");
        assert!(f.iter().any(|f| f.code == "RL006" && f.fatal));
        let f = run("loadmodule /m.so # x\n");
        let c = f.iter().find(|f| f.code == "RL006").expect("RL006");
        assert!(!c.fatal && c.severity == crate::Severity::Warning);
        assert!(run("requirepass foo#bar\n").is_empty());
        assert!(run("requirepass #foo\n").is_empty());
    }

    #[test]
    fn secrets_never_appear() {
        let f = run("requirepass hunter2 # my password\nmasterauth \"s3cr3t\" x\n");
        for f in &f {
            assert!(
                !f.message.contains("hunter2")
                    && !f.message.contains("s3cr3t")
                    && !f.message.contains("my password"),
                "{}",
                f.message
            );
            assert!(f.fix.is_none());
        }
        assert!(f.iter().any(|f| f.code == "RL006"));
    }

    #[test]
    fn activedefrag_depends_on_the_build() {
        assert!(run("activedefrag yes\n")
            .iter()
            .any(|f| f.code == "RL015" && f.fatal));
        let official = Options {
            redis_build: RedisBuild::Official,
            ..Options::default()
        };
        assert!(run_with(b"activedefrag yes\n", Kind::Redis, &official)
            .0
            .is_empty());
    }

    #[test]
    fn rename_command_replays_the_table() {
        let p = pointed("rename-command flushall \"\"\nrename-command flushall x\nrename-command get set\nrename-command config|get x\n", Kind::Redis);
        assert!(p.contains(&("RL013", "flushall".into(), true)), "{p:?}");
        assert!(p.contains(&("RL013", "set".into(), true)), "{p:?}");
        assert!(p.contains(&("RL013", "config|get".into(), true)), "{p:?}");
        assert!(run("rename-command get foo\nrename-command set get\n").is_empty());
        let s = pointed(
            "rename-command flushall \"\"\nrename-command ping pong\n",
            Kind::Sentinel,
        );
        assert_eq!(s, vec![("RL013", "flushall".to_string(), true)]);
    }

    #[test]
    fn module_options_need_a_module() {
        assert!(run("bf.error-rate 0.01\n")
            .iter()
            .any(|f| f.code == "RL014" && f.fatal));
        assert!(run("loadmodule /var/lib/redis/dump.rdb\nbf.error-rate 0.01\n").is_empty());
        assert!(
            run_with(b"bf.error-rate 0.01\n", Kind::Sentinel, &Options::default())
                .0
                .is_empty()
        );
    }

    #[test]
    fn host_paths() {
        let on_host = Options {
            on_host: true,
            ..Options::default()
        };
        let text = b"dir /srv/redis\nlogfile /var/log/redis/r.log\n";
        assert!(run_with(b"dir /var/lib/redis\n", Kind::Redis, &on_host)
            .0
            .is_empty());
        let f = run_with(text, Kind::Redis, &on_host).0;
        assert_eq!(
            f.iter().filter(|f| f.code == "RL017" && f.fatal).count(),
            2,
            "{f:?}"
        );
        // Off the target host the same lines are host state nobody here can see: no finding.
        assert!(run_with(text, Kind::Redis, &Options::default())
            .0
            .is_empty());
        assert!(run("dir \"\"\n")
            .iter()
            .any(|f| f.code == "RL017" && f.fatal));
    }

    #[test]
    fn lexing_surprises() {
        let f = run_with(b"\xef\xbb\xbfport 6379\n", Kind::Redis, &Options::default()).0;
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("byte-order mark") && f[0].fix.is_some());
        let f = run_with(
            b"maxmemory 2mb\0junk\ntimeout 5\n",
            Kind::Redis,
            &Options::default(),
        )
        .0;
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].code == "RL011" && f[0].fatal && f[0].message.contains("maxmemory 2mbtimeout 5")
        );
        let f = run_with(
            b"port 6379\0\n\nsave 1 1\n",
            Kind::Redis,
            &Options::default(),
        )
        .0;
        assert!(f.len() == 1 && !f[0].fatal, "{f:?}");
        let f = run("requirepass it's\n");
        assert!(
            f[0].code == "RL005"
                && f[0]
                    .help
                    .as_deref()
                    .unwrap_or_default()
                    .contains("apostrophe")
        );
        assert!(run("port 6379\r\nmaxmemory 1mb\r\n").is_empty());
    }

    #[test]
    fn startup_conditions() {
        assert!(run("port 0\n")
            .iter()
            .any(|f| f.code == "RL004" && f.message.contains("not listen anywhere")));
        assert!(run("port 0\nunixsocket /run/redis.sock\n").is_empty());
        assert!(
            run("tls-port 6380\n")
                .iter()
                .filter(|f| f.code == "RL004")
                .count()
                == 3
        );
        assert!(run("cluster-enabled yes\nreplicaof 10.0.0.1 6379\n")
            .iter()
            .any(|f| f.code == "RL016"));
        assert!(run("cluster-enabled yes\nport 60000\n")
            .iter()
            .any(|f| f.message.contains("above 65535")));
        assert!(run("bind 127.0.0.1 -::1\nbind localhost\n")
            .iter()
            .all(|f| !f.fatal));
    }
}
