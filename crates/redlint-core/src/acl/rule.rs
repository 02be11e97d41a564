//! One ACL rule (`ACLSetUser` / `ACLSetSelector` in 7.0.15 `acl.c`), parsed into a typed form.
//!
//! Parsing decides everything that does not depend on the user's state (syntax, unknown
//! names, hash format); applying a rule ([`super::user`]) decides the rest (a pattern after
//! `~*`, removing a password that is not there).
//!
//! Redis compares keywords and looks names up with C string functions, so for those a rule
//! ends at its first NUL byte (`+get\0x` is `+get`); passwords, hashes and patterns use the
//! full length (and patterns may not contain NUL at all).

use super::sha256;
use crate::knowledge::commands::{self, Category, CommandId, CommandTable};
use crate::source::Span;
use crate::syntax::conf;

/// What Redis says about a rule it refuses (`ACLSetUserStringError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclError {
    /// EINVAL
    Syntax,
    /// ENOENT: unknown command, subcommand or category.
    UnknownName,
    /// EEXIST
    PatternAfterAllKeys,
    /// EISDIR
    PatternAfterAllChannels,
    /// ENODEV
    NoSuchPassword,
    /// EBADMSG
    BadHash,
    /// ECHILD
    FirstArgOfSubcommand,
}

impl AclError {
    /// The server's own words.
    pub fn message(self) -> &'static str {
        match self {
            AclError::Syntax => "Syntax error",
            AclError::UnknownName => "Unknown command or category name in ACL",
            AclError::PatternAfterAllKeys => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            AclError::PatternAfterAllChannels => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            AclError::NoSuchPassword => "The password you are trying to remove from the user does not exist",
            AclError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            AclError::FirstArgOfSubcommand => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// A rule that changes a selector (the user's root permissions, or a `(...)` selector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorRule {
    /// `allkeys` / `~*`
    AllKeys,
    ResetKeys,
    /// `allchannels` / `&*`
    AllChannels,
    ResetChannels,
    /// `allcommands` / `+@all`
    AllCommands,
    /// `nocommands` / `-@all`
    NoCommands,
    /// `~p`, `%R~p`, `%W~p`, `%RW~p`
    KeyPattern {
        pattern: Vec<u8>,
        read: bool,
        write: bool,
    },
    /// A `~`/`%` rule with bad syntax: refused, but only after the `allkeys` check.
    BadKeyPattern,
    /// `&p`
    ChannelPattern(Vec<u8>),
    /// A `&` rule with whitespace: refused after the `allchannels` check.
    BadChannelPattern,
    /// `+cmd`, `+cmd|sub`
    Allow(CommandId),
    /// `-cmd`, `-cmd|sub`
    Deny(CommandId),
    /// `+cmd|firstarg` for a command without subcommands (deprecated in 7.0).
    AllowFirstArg(CommandId, Vec<u8>),
    AllowCategory(Category),
    DenyCategory(Category),
    Invalid(AclError),
}

/// A rule inside a selector, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorOp {
    pub span: Span,
    /// The rule's text (decoded by `sdssplitargs`).
    pub text: Vec<u8>,
    pub rule: SelectorRule,
}

/// A rule of a user line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    /// An empty word (two spaces in an ACL file, `""` in redis.conf).
    Noop,
    On,
    Off,
    NoPass,
    ResetPass,
    SkipSanitizePayload,
    SanitizePayload,
    /// `>password`, stored as the hex SHA-256.
    AddPassword(String),
    /// `#hash`
    AddHash(String),
    /// `<password`
    RemovePassword(String),
    /// `!hash`
    RemoveHash(String),
    /// `(rules…)`; a failing inner rule fails the whole selector.
    Selector(Vec<SelectorOp>),
    ClearSelectors,
    Reset,
    /// Applies to the root selector.
    Root(SelectorRule),
    Invalid(AclError),
}

/// One rule of a user, as written: where, the (decoded, merged) text, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRule {
    pub span: Span,
    pub text: Vec<u8>,
    pub kind: RuleKind,
}

impl AclRule {
    /// The error this rule has regardless of state, if any.
    pub fn parse_error(&self) -> Option<AclError> {
        match &self.kind {
            RuleKind::Invalid(e) => Some(*e),
            RuleKind::Root(r) => selector_parse_error(r),
            RuleKind::Selector(ops) => ops.iter().find_map(|o| selector_parse_error(&o.rule)),
            _ => None,
        }
    }
    /// True for rules carrying a password or hash.
    pub fn is_secret(&self) -> bool {
        matches!(self.text.first(), Some(b'>' | b'<' | b'#' | b'!'))
    }
}

fn selector_parse_error(r: &SelectorRule) -> Option<AclError> {
    match r {
        SelectorRule::Invalid(e) => Some(*e),
        SelectorRule::BadKeyPattern | SelectorRule::BadChannelPattern => Some(AclError::Syntax),
        _ => None,
    }
}

/// The bytes before the first NUL: what C string functions see.
pub fn cstr(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |i| &b[..i])
}

fn eq_ci(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// C `isspace` or NUL (`ACLStringHasSpaces`).
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | 0))
}

/// `ACLCheckPasswordHash`: exactly 64 of `0-9a-f`.
pub fn is_valid_hash(h: &[u8]) -> bool {
    h.len() == 64
        && h.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// Parse a rule that changes a selector (`ACLSetSelector`).
pub fn parse_selector_rule(op: &[u8], table: &CommandTable) -> SelectorRule {
    let c = cstr(op);
    if eq_ci(c, "allkeys") || c == b"~*" {
        return SelectorRule::AllKeys;
    }
    if eq_ci(c, "resetkeys") {
        return SelectorRule::ResetKeys;
    }
    if eq_ci(c, "allchannels") || c == b"&*" {
        return SelectorRule::AllChannels;
    }
    if eq_ci(c, "resetchannels") {
        return SelectorRule::ResetChannels;
    }
    if eq_ci(c, "allcommands") || eq_ci(c, "+@all") {
        return SelectorRule::AllCommands;
    }
    if eq_ci(c, "nocommands") || eq_ci(c, "-@all") {
        return SelectorRule::NoCommands;
    }
    match c.first() {
        Some(b'~') => key_pattern(op, 1, true, true),
        Some(b'%') => {
            let (mut read, mut write) = (false, false);
            let mut offset = 1;
            while offset < op.len() {
                match op[offset] {
                    b'R' | b'r' if !read => read = true,
                    b'W' | b'w' if !write => write = true,
                    // Debian's fix for CVE-2024-31227: `%` needs at least one of R/W.
                    b'~' if read || write => {
                        offset += 1;
                        break;
                    }
                    _ => return SelectorRule::BadKeyPattern,
                }
                offset += 1;
            }
            if !read && !write {
                // `%` alone is refused by the Debian 7.0.15 build (verified on the server).
                return SelectorRule::BadKeyPattern;
            }
            key_pattern(op, offset, read, write)
        }
        Some(b'&') => {
            let p = &op[1..];
            if has_spaces(p) {
                SelectorRule::BadChannelPattern
            } else {
                SelectorRule::ChannelPattern(p.to_vec())
            }
        }
        Some(b'+') if c.get(1) != Some(&b'@') => allow_rule(&c[1..], table),
        Some(b'-') if c.get(1) != Some(&b'@') => match table.by_full_name(&c[1..]) {
            Some(cmd) => SelectorRule::Deny(cmd.id),
            None => SelectorRule::Invalid(AclError::UnknownName),
        },
        Some(sign @ (b'+' | b'-')) => match commands::category(&c[2..]) {
            Some(cat) if *sign == b'+' => SelectorRule::AllowCategory(cat),
            Some(cat) => SelectorRule::DenyCategory(cat),
            None => SelectorRule::Invalid(AclError::UnknownName),
        },
        _ => SelectorRule::Invalid(AclError::Syntax),
    }
}

fn key_pattern(op: &[u8], offset: usize, read: bool, write: bool) -> SelectorRule {
    let p = op.get(offset..).unwrap_or_default();
    if has_spaces(p) {
        return SelectorRule::BadKeyPattern;
    }
    SelectorRule::KeyPattern {
        pattern: p.to_vec(),
        read,
        write,
    }
}

/// `+name`: a command, a subcommand, or a command with an allowed first argument.
fn allow_rule(name: &[u8], table: &CommandTable) -> SelectorRule {
    let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
        return match table.by_full_name(name) {
            Some(cmd) => SelectorRule::Allow(cmd.id),
            None => SelectorRule::Invalid(AclError::UnknownName),
        };
    };
    let (base, sub) = (&name[..bar], &name[bar + 1..]);
    let Some(cmd) = table.by_full_name(base) else {
        return SelectorRule::Invalid(AclError::UnknownName);
    };
    if cmd.parent.is_some() {
        return SelectorRule::Invalid(AclError::FirstArgOfSubcommand);
    }
    if sub.is_empty() {
        return SelectorRule::Invalid(AclError::Syntax);
    }
    if cmd.is_container() {
        match table.by_full_name(name) {
            Some(s) => SelectorRule::Allow(s.id),
            None => SelectorRule::Invalid(AclError::UnknownName),
        }
    } else {
        SelectorRule::AllowFirstArg(cmd.id, sub.to_vec())
    }
}

/// Parse one (merged) rule of a user (`ACLSetUser`). `span` is where `op` is written; `map`
/// turns a byte range of `op` into a span of the file (for the rules inside a selector).
pub fn parse_rule(
    op: &[u8],
    span: Span,
    map: &dyn Fn(usize, usize) -> Span,
    table: &CommandTable,
) -> AclRule {
    let kind = parse_rule_kind(op, map, table);
    AclRule {
        span,
        text: op.to_vec(),
        kind,
    }
}

fn parse_rule_kind(
    op: &[u8],
    map: &dyn Fn(usize, usize) -> Span,
    table: &CommandTable,
) -> RuleKind {
    if op.is_empty() {
        return RuleKind::Noop;
    }
    let c = cstr(op);
    let keywords: [(&str, RuleKind); 6] = [
        ("on", RuleKind::On),
        ("off", RuleKind::Off),
        ("skip-sanitize-payload", RuleKind::SkipSanitizePayload),
        ("sanitize-payload", RuleKind::SanitizePayload),
        ("nopass", RuleKind::NoPass),
        ("resetpass", RuleKind::ResetPass),
    ];
    for (word, kind) in keywords {
        if eq_ci(c, word) {
            return kind;
        }
    }
    let rest = &op[1..];
    match op[0] {
        b'>' => return RuleKind::AddPassword(sha256::hex_digest(rest)),
        b'<' => return RuleKind::RemovePassword(sha256::hex_digest(rest)),
        b'#' | b'!' if !is_valid_hash(rest) => return RuleKind::Invalid(AclError::BadHash),
        b'#' => return RuleKind::AddHash(String::from_utf8_lossy(rest).into_owned()),
        b'!' => return RuleKind::RemoveHash(String::from_utf8_lossy(rest).into_owned()),
        b'(' if op[op.len() - 1] == b')' => {
            return RuleKind::Selector(selector_ops(op, map, table))
        }
        _ => {}
    }
    if eq_ci(c, "clearselectors") {
        return RuleKind::ClearSelectors;
    }
    if eq_ci(c, "reset") {
        return RuleKind::Reset;
    }
    RuleKind::Root(parse_selector_rule(op, table))
}

/// The rules inside `(...)`: the text between the parentheses split with `sdssplitargs`
/// (a C string: it ends at a NUL). Unbalanced quotes give no rules at all — an empty
/// selector, which Redis accepts.
fn selector_ops(
    op: &[u8],
    map: &dyn Fn(usize, usize) -> Span,
    table: &CommandTable,
) -> Vec<SelectorOp> {
    let inner = if op.len() >= 2 {
        &op[1..op.len() - 1]
    } else {
        &[][..]
    };
    let inner = cstr(inner);
    let Some(args) = conf::split_value_spans(inner) else {
        return Vec::new();
    };
    args.into_iter()
        .map(|(span, value)| SelectorOp {
            span: map(1 + span.start as usize, 1 + span.end as usize),
            rule: parse_selector_rule(&value, table),
            text: value,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::commands::redis;

    fn rule(s: &str) -> RuleKind {
        parse_rule(
            s.as_bytes(),
            Span::default(),
            &|_, _| Span::default(),
            redis(),
        )
        .kind
    }
    fn root(s: &str) -> SelectorRule {
        match rule(s) {
            RuleKind::Root(r) => r,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(rule("ON"), RuleKind::On);
        assert_eq!(rule("NoPass"), RuleKind::NoPass);
        assert_eq!(rule("on\0junk"), RuleKind::On);
        assert_eq!(rule("clearSelectors"), RuleKind::ClearSelectors);
        assert_eq!(root("ALLKEYS"), SelectorRule::AllKeys);
        assert_eq!(root("+@ALL"), SelectorRule::AllCommands);
        assert_eq!(rule(""), RuleKind::Noop);
    }

    #[test]
    fn key_patterns() {
        assert_eq!(
            root("~app:*"),
            SelectorRule::KeyPattern {
                pattern: b"app:*".to_vec(),
                read: true,
                write: true
            }
        );
        assert_eq!(
            root("%R~x"),
            SelectorRule::KeyPattern {
                pattern: b"x".to_vec(),
                read: true,
                write: false
            }
        );
        assert_eq!(
            root("%wr~x"),
            SelectorRule::KeyPattern {
                pattern: b"x".to_vec(),
                read: true,
                write: true
            }
        );
        assert_eq!(
            root("%RW"),
            SelectorRule::KeyPattern {
                pattern: Vec::new(),
                read: true,
                write: true
            }
        );
        assert_eq!(
            root("~"),
            SelectorRule::KeyPattern {
                pattern: Vec::new(),
                read: true,
                write: true
            }
        );
        for bad in ["%", "%~", "%~x", "%X~x", "%RR~x", "%Rx~a", "~a\tb"] {
            assert_eq!(root(bad), SelectorRule::BadKeyPattern, "{bad}");
        }
        assert_eq!(root("&"), SelectorRule::ChannelPattern(Vec::new()));
    }

    #[test]
    fn commands_subcommands_first_args() {
        let t = redis();
        let id = |n: &str| t.by_full_name(n.as_bytes()).unwrap().id;
        assert_eq!(root("+GET"), SelectorRule::Allow(id("get")));
        assert_eq!(root("+get\0xyz"), SelectorRule::Allow(id("get")));
        assert_eq!(root("-config|set"), SelectorRule::Deny(id("config|set")));
        assert_eq!(root("+config|GET"), SelectorRule::Allow(id("config|get")));
        assert_eq!(
            root("+select|0"),
            SelectorRule::AllowFirstArg(id("select"), b"0".to_vec())
        );
        assert_eq!(
            root("+config|get|x"),
            SelectorRule::Invalid(AclError::FirstArgOfSubcommand)
        );
        assert_eq!(root("+config|"), SelectorRule::Invalid(AclError::Syntax));
        assert_eq!(root("+get|"), SelectorRule::Invalid(AclError::Syntax));
        for unknown in [
            "+",
            "-",
            "+@",
            "-@",
            "+flushal",
            "-config|",
            "-get|x",
            "+get|x|y",
            "+CONFIG|nosuch",
            "-select|0",
            "+@sorted_set",
            "+@all|x",
        ] {
            assert_eq!(
                root(unknown),
                SelectorRule::Invalid(AclError::UnknownName),
                "{unknown}"
            );
        }
        assert_eq!(
            root("+@SortedSet"),
            SelectorRule::AllowCategory(commands::category(b"sortedset").unwrap())
        );
        assert_eq!(root("foo"), SelectorRule::Invalid(AclError::Syntax));
        assert_eq!(root(")"), SelectorRule::Invalid(AclError::Syntax));
    }

    #[test]
    fn passwords_and_hashes() {
        assert_eq!(rule(">"), RuleKind::AddPassword(sha256::hex_digest(b"")));
        assert_eq!(rule("#"), RuleKind::Invalid(AclError::BadHash));
        let upper = format!("#{}", "A".repeat(64));
        assert_eq!(rule(&upper), RuleKind::Invalid(AclError::BadHash));
        let lower = "a".repeat(64);
        assert_eq!(rule(&format!("!{lower}")), RuleKind::RemoveHash(lower));
    }

    #[test]
    fn selectors() {
        match rule("(~x +get)") {
            RuleKind::Selector(ops) => assert_eq!(ops.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(rule("()"), RuleKind::Selector(Vec::new()));
        assert_eq!(
            rule("(~x \"a)"),
            RuleKind::Selector(Vec::new()),
            "unbalanced quotes: empty selector"
        );
        match rule("(on)") {
            RuleKind::Selector(ops) => {
                assert_eq!(ops[0].rule, SelectorRule::Invalid(AclError::Syntax))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(root("("), SelectorRule::Invalid(AclError::Syntax));
    }
}
