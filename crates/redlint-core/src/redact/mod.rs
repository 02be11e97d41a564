//! What no output may show: secrets, and terminal control characters from the files.
//!
//! This is the one place every format and every front (CLI, browser, LSP, SARIF) redacts
//! through, so that a new output cannot forget a case:
//!
//! - [`find`] locates the secrets of a file, by what a token *is* in Redis' grammar
//!   (`requirepass`, `masterauth`, `>pw`/`<pw`/`#hash`/`!hash` on `user` lines, Sentinel
//!   `auth-pass`/`sentinel-pass`, TLS key passphrases, Compose and Helm password keys,
//!   `redis-cli -a X`, URLs with a password) and, where a line does not parse, by what it looks
//!   like (a misspelled `requirepas X`, an unbalanced quote, an ACL word that is not a rule, the
//!   text after a NUL, a commented-out `# requirepass X`, an ACL comment mentioning a password).
//! - [`Redactor`] masks every known secret text (and its SHA-256) wherever a message, help,
//!   fix description, edit, written file or notice happens to copy it: checks build messages
//!   in many places; this catches the one that forgets.
//! - [`escape_controls`] and [`show`] make file text safe for a terminal.
//! - [`diff`] builds a fix diff that shows no secret and still applies.

pub mod diff;

use std::borrow::Cow;

use crate::finding::{Finding, Notice};
use crate::knowledge::directives;
use crate::model::{Kind, Syntax, Workspace};
use crate::source::Span;
use crate::syntax::{acl, conf};

/// What replaces a secret in every output.
pub const MASK: &str = "***";

/// The secrets of one file: merged spans (for snippets and `is_secret`), and the texts to mask
/// wherever they are copied (the spans' texts, their decoded values, and the password inside a
/// longer span such as `redis-cli -a PW ping`).
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub spans: Vec<Span>,
    pub texts: Vec<Vec<u8>>,
}

impl Secrets {
    fn span(&mut self, bytes: &[u8], span: Span) {
        self.at(span, &bytes[span.range()]);
    }
    /// A span of the file (shifted from a sub-document) and its text.
    fn at(&mut self, span: Span, text: &[u8]) {
        if span.is_empty() {
            return;
        }
        self.spans.push(span);
        self.texts.push(text.to_vec());
    }
    fn text(&mut self, text: &[u8]) {
        if !text.is_empty() {
            self.texts.push(text.to_vec());
        }
    }
}

/// True if `span` overlaps one of the sorted, disjoint `secrets`.
pub fn overlaps(secrets: &[Span], span: Span) -> bool {
    let i = secrets.partition_point(|s| s.end <= span.start);
    secrets.get(i).is_some_and(|s| s.start < span.end)
}

// ---------------------------------------------------------------------------------------------
// Finding secrets
// ---------------------------------------------------------------------------------------------

/// Directives whose arguments from the given index on are secrets.
fn secret_args(name: &[u8]) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    SECRET_DIRECTIVES.contains(&lower.as_slice()).then_some(1)
}

const SECRET_DIRECTIVES: &[&[u8]] = &[
    b"requirepass",
    b"masterauth",
    b"tls-key-file-pass",
    b"tls-client-key-file-pass",
];

/// A name Redis does not know that is close to one that carries a secret (`requirepas`,
/// `masterauht`, `master-auth`, `tls-key-pass`): its arguments are most likely a password.
fn looks_like_secret_directive(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.is_empty() || !matches!(directives::classify(&lower), directives::NameKind::Unknown) {
        return false;
    }
    let s = String::from_utf8_lossy(&lower);
    s.contains("pass")
        || s.contains("auth")
        || SECRET_DIRECTIVES
            .iter()
            .any(|d| directives::edit_distance(&lower, d, 3).is_some())
}

/// Sentinel sub-options that carry a password, and from which argument.
fn sentinel_secret_from(sub: &[u8]) -> Option<usize> {
    let lower = sub.to_ascii_lowercase();
    match lower.as_slice() {
        b"auth-pass" => Some(3),
        b"sentinel-pass" => Some(2),
        // A misspelling of either (`auht-pass`, `sentinel-password`): from the first word
        // that may be the password.
        _ if !matches!(lower.as_slice(), b"auth-user" | b"sentinel-user")
            && (String::from_utf8_lossy(&lower).contains("pass")
                || directives::edit_distance(&lower, b"auth-pass", 2).is_some()
                || directives::edit_distance(&lower, b"sentinel-pass", 2).is_some()) =>
        {
            Some(3)
        }
        _ => None,
    }
}

/// ACL rules that carry a password or a password hash. A `#` word not followed by a hex
/// digit (`#`, `#note`) is a comment someone wrote, not a hash.
pub fn is_secret_acl_rule(rule: &[u8]) -> bool {
    match rule.first() {
        Some(b'>' | b'<' | b'!') => true,
        Some(b'#') => rule.get(1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// A word of a `user` line that is not an ACL rule at all: a password written without `>`
/// is the usual reason, so it is treated as one.
fn is_not_an_acl_rule(rule: &[u8]) -> bool {
    const KEYWORDS: &[&str] = &[
        "on",
        "off",
        "nopass",
        "resetpass",
        "reset",
        "allkeys",
        "allchannels",
        "allcommands",
        "nocommands",
        "resetkeys",
        "resetchannels",
        "clearselectors",
        "sanitize-payload",
        "skip-sanitize-payload",
    ];
    let rule = rule.strip_prefix(b"(").unwrap_or(rule);
    let rule = rule.strip_suffix(b")").unwrap_or(rule);
    if rule.is_empty() || matches!(rule[0], b'~' | b'%' | b'&' | b'+' | b'-') {
        return false;
    }
    !KEYWORDS
        .iter()
        .any(|k| rule.eq_ignore_ascii_case(k.as_bytes()))
}

/// Helm values holding a secret: `auth.password`, `global.redis.password`, `*Password`.
pub fn is_secret_yaml_key(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    !last.contains("existing") && (last.contains("password") || last.contains("secret"))
}

/// Command-line flags of redis-cli and redis-server whose next word is a password.
pub const PASSWORD_FLAGS: &[&str] = &[
    "-a",
    "--pass",
    "--requirepass",
    "--masterauth",
    "--tls-key-file-pass",
    "--tls-client-key-file-pass",
];

/// Values that say "no password" rather than being one (`ALLOW_EMPTY_PASSWORD=yes`).
fn is_flag_value(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "" | "yes" | "no" | "true" | "false" | "on" | "off" | "0" | "1" | "null" | "none" | "~"
    )
}

/// An environment variable name whose value is a password.
fn is_secret_env_key(key: &str) -> bool {
    let k = key.trim().to_ascii_uppercase();
    !k.contains("EXISTING")
        && !k.contains("FILE")
        && (k.contains("PASSWORD")
            || k.contains("PASSWD")
            || k.ends_with("PASS")
            || k.contains("SECRET")
            || k.ends_with("AUTH")
            || k.contains("TOKEN"))
}

/// The password of a URL with userinfo (`redis://user:PW@host`), if any.
fn url_password(word: &str) -> Option<&str> {
    let (_, rest) = word.split_once("://")?;
    let userinfo = &rest[..rest.find('@')?];
    let pw = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    (!pw.is_empty() && !userinfo.contains('/')).then_some(pw)
}

/// The passwords inside a line of words (a YAML scalar, a shell or unit line): values of
/// `*PASSWORD*=…` assignments, words after `-a`/`--requirepass`, URL passwords.
pub fn secret_words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = value
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        if let Some((k, v)) = w.split_once('=') {
            let k = k.trim_start_matches('-');
            if is_secret_env_key(k) && !is_flag_value(v) {
                out.push(v.to_string());
            }
        }
        if let Some(pw) = url_password(w) {
            out.push(pw.to_string());
        }
        if PASSWORD_FLAGS.contains(w) {
            if let Some(next) = words.get(i + 1) {
                out.push(next.to_string());
            }
        }
    }
    // `KEY=value with spaces` as one scalar.
    if let Some((k, v)) = value.split_once('=') {
        if !k.contains(char::is_whitespace) && is_secret_env_key(k) && !is_flag_value(v.trim()) {
            out.push(v.trim().to_string());
        }
    }
    out
}

/// Find the secrets of a parsed file.
pub fn find(kind: Kind, bytes: &[u8], syntax: &Syntax) -> Secrets {
    let mut out = Secrets::default();
    match syntax {
        Syntax::Conf(doc) => conf_secrets(bytes, doc, 0, 0, &mut out),
        Syntax::Acl(doc) => acl_secrets(bytes, doc, 0, &mut out),
        Syntax::Yaml(doc) => yaml_secrets(bytes, doc, &mut out),
        Syntax::Sysctl(_) => {}
        Syntax::Text => text_secrets(bytes, &mut out),
    }
    let _ = kind;
    normalize(&mut out);
    out
}

/// Sort, merge overlapping spans (so [`overlaps`] can search), drop duplicate texts.
fn normalize(s: &mut Secrets) {
    s.spans.sort_by_key(|x| (x.start, x.end));
    let mut merged: Vec<Span> = Vec::with_capacity(s.spans.len());
    for sp in s.spans.drain(..) {
        match merged.last_mut() {
            Some(last) if sp.start <= last.end => *last = last.cover(sp),
            _ => merged.push(sp),
        }
    }
    s.spans = merged;
    s.texts.sort();
    s.texts.dedup();
}

fn shifted(span: Span, by: usize) -> Span {
    Span::new(span.start as usize + by, span.end as usize + by)
}

/// redis.conf / sentinel.conf. `base` is where `bytes` starts in the file (sub-documents: the
/// text after a NUL, the body of a comment); `depth` bounds that recursion.
fn conf_secrets(bytes: &[u8], doc: &conf::ConfDocument, base: usize, depth: u8, out: &mut Secrets) {
    for line in &doc.lines {
        let tokens = doc.tokens(line);
        let content = &bytes[line.content.range()];
        if depth < 2 {
            // Redis stops a line at a NUL: what follows is another line's text for a reader.
            if let Some(nul) = content.iter().position(|&b| b == 0) {
                let from = line.content.start as usize + nul + 1;
                let rest = &bytes[from..line.content.end as usize];
                let sub = conf::parse(rest);
                conf_secrets(rest, &sub, base + from, depth + 1, out);
            }
            // A commented-out `# requirepass X` still holds a password.
            if line.kind == conf::LineKind::Comment {
                let hash = content.iter().position(|&b| b == b'#').unwrap_or(0);
                let from = line.content.start as usize + hash + 1;
                let body = &bytes[from..line.content.end as usize];
                // Only a comment that reads as a secret-bearing directive: prose with an
                // apostrophe (`Redis' default`) is not a line with unbalanced quotes.
                if commented_directive(body) {
                    let sub = conf::parse(body);
                    conf_secrets(body, &sub, base + from, depth + 1, out);
                }
            }
        }
        if line.kind == conf::LineKind::UnbalancedQuotes {
            unbalanced_secrets(bytes, line.content, base, out);
            continue;
        }
        let Some(first) = tokens.first() else {
            continue;
        };
        let name = doc.value(bytes, first);
        let from = if name.eq_ignore_ascii_case(b"user") {
            let words = tokens.iter().skip(2).map(|t| (t.span, doc.value(bytes, t)));
            for (span, text) in user_rule_secrets(words) {
                out.at(shifted(span, base), &bytes[span.range()]);
                out.text(text);
            }
            continue;
        } else if name.eq_ignore_ascii_case(b"sentinel") && tokens.len() >= 2 {
            let Some(from) = sentinel_secret_from(doc.value(bytes, &tokens[1])) else {
                continue;
            };
            // A misspelled option with fewer words: the last one is the password.
            from.min(tokens.len() - 1).max(2)
        } else if let Some(from) = secret_args(name) {
            from
        } else if looks_like_secret_directive(name) {
            1
        } else {
            continue;
        };
        for t in tokens.iter().skip(from) {
            out.at(shifted(t.span, base), &bytes[t.span.range()]);
            out.text(doc.value(bytes, t));
        }
    }
}

/// Whether a comment's body starts with a directive that holds a secret (`# requirepass X`,
/// `#user app on >pw`, `# masterauht X`).
fn commented_directive(body: &[u8]) -> bool {
    let word = body
        .split(|b| b.is_ascii_whitespace())
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    let word: Vec<u8> = word
        .iter()
        .copied()
        .filter(|b| *b != b'"' && *b != b'\'')
        .collect();
    word.eq_ignore_ascii_case(b"user")
        || word.eq_ignore_ascii_case(b"sentinel")
        || secret_args(&word).is_some()
        || looks_like_secret_directive(&word)
}

/// A line whose quotes do not balance cannot be split into words: everything after its
/// first word is hidden (all of it when the first word itself is quoted).
fn unbalanced_secrets(bytes: &[u8], content: Span, base: usize, out: &mut Secrets) {
    let text = &bytes[content.range()];
    let first_end = text
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let from = if text[..first_end].iter().any(|&b| b == b'"' || b == b'\'') {
        0
    } else {
        // The separating blanks stay visible.
        text[first_end..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(text.len(), |i| first_end + i)
    };
    let span = Span::new(content.start as usize + from, content.end as usize);
    out.at(shifted(span, base), &bytes[span.range()]);
    // The words, quotes stripped, as a message may quote them.
    for w in text[from..].split(|b| b.is_ascii_whitespace()) {
        let w: &[u8] = trim_quotes(w);
        if w.len() >= 3 {
            out.text(w);
        }
    }
    out.text(trim_quotes(text[from..].trim_ascii()));
}

fn trim_quotes(w: &[u8]) -> &[u8] {
    let w = w.strip_prefix(b"\"").or(w.strip_prefix(b"'")).unwrap_or(w);
    w.strip_suffix(b"\"").or(w.strip_suffix(b"'")).unwrap_or(w)
}

/// Words in an ACL comment that say a password follows or is there.
const PASSWORD_WORDS: &[&str] = &["pass", "pwd", "secret", "auth", "token", "credential"];

/// The word after "password" in a comment is masked wherever it is copied only when it is long
/// enough not to be an ordinary word of a message ("for", "is").
const NEXT_WORD_MIN: usize = 6;

/// ACL files: `>pw`-like words and words that are not rules on user lines; comment lines
/// (which Redis refuses, and which a fix moves to a sidecar file) that mention a password.
fn acl_secrets(bytes: &[u8], doc: &acl::AclDocument, depth: u8, out: &mut Secrets) {
    for line in &doc.lines {
        let tokens = doc.tokens(line);
        let content = &bytes[line.content.range()];
        if content.first() == Some(&b'#') {
            comment_secrets(bytes, line.content, depth, out);
            continue;
        }
        // `USER a`, and `user\ta` (one word for Redis) are user lines gone wrong.
        let first = tokens.first().map_or(&b""[..], |t| &bytes[t.range()]);
        let is_user = first.len() >= 4 && first[..4].eq_ignore_ascii_case(b"user");
        if !is_user {
            // Not a user line (Redis refuses it): it may be anything, a credential too.
            out.span(bytes, line.content);
            for t in tokens {
                if is_secret_acl_rule(&bytes[t.range()]) {
                    out.text(&bytes[t.start as usize + 1..t.end as usize]);
                }
            }
            continue;
        }
        let skip = if first.len() == 4 { 2 } else { 1 };
        let words = tokens.iter().skip(skip).map(|t| (*t, &bytes[t.range()]));
        for (span, text) in user_rule_secrets(words) {
            out.span(bytes, span);
            out.text(text);
        }
    }
}

/// The secret words of a user line's rules (name excluded), with the texts to mask: `>pw`
/// and its kin, and words that are no ACL rule at all (a password without `>`), up to an
/// intended inline comment (`#` not followed by hex), whose words are the comment's.
fn user_rule_secrets<'a>(words: impl Iterator<Item = (Span, &'a [u8])>) -> Vec<(Span, &'a [u8])> {
    let mut out = Vec::new();
    let mut in_comment = false;
    for (span, word) in words {
        let v = word.strip_prefix(b"(").unwrap_or(word);
        if is_secret_acl_rule(v) {
            out.push((span, word));
            out.push((Span::default(), &v[1..]));
        } else if v.first() == Some(&b'#') {
            in_comment = true;
        } else if !in_comment && is_not_an_acl_rule(v) {
            out.push((span, v));
        }
    }
    out
}

/// An ACL comment: hidden whole when it holds a secret-shaped word, a `user` line, or a word
/// like "password"; the word after such a word is also masked wherever it is copied.
fn comment_secrets(bytes: &[u8], content: Span, depth: u8, out: &mut Secrets) {
    let start = content.start as usize + 1;
    let body = &bytes[start..content.end as usize];
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | ',' | ';'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut secret = false;
    for (i, w) in words.iter().enumerate() {
        let lower = w.to_ascii_lowercase();
        if is_secret_acl_rule(w.as_bytes()) {
            secret = true;
            out.text(w.as_bytes());
            out.text(&w.as_bytes()[1..]);
        }
        if PASSWORD_WORDS.iter().any(|p| lower.contains(p)) {
            secret = true;
            if let Some(next) = words.get(i + 1).filter(|w| w.len() >= NEXT_WORD_MIN) {
                out.text(next.as_bytes());
            }
        }
    }
    let trimmed = body.trim_ascii_start();
    if depth == 0 && trimmed.len() > 5 && trimmed[..5].eq_ignore_ascii_case(b"user ") {
        let sub = acl::parse(body);
        let mut inner = Secrets::default();
        acl_secrets(body, &sub, 1, &mut inner);
        secret |= !inner.spans.is_empty();
        out.texts.extend(inner.texts);
    }
    if secret {
        let trimmed = body.trim_ascii();
        let lead = body.len() - body.trim_ascii_start().len();
        out.span(bytes, Span::new(start + lead, start + lead + trimmed.len()));
    }
}

/// Compose and Helm values.
fn yaml_secrets(bytes: &[u8], doc: &crate::syntax::yaml::YamlDocument, out: &mut Secrets) {
    let mut after_flag = false;
    for e in &doc.entries {
        let words = secret_words(&e.value);
        if is_secret_yaml_key(&e.path) && !is_flag_value(&e.value)
            || is_secret_env_key(e.path.rsplit('.').next().unwrap_or(&e.path))
                && !is_flag_value(&e.value)
            || after_flag
            || !words.is_empty()
        {
            // The whole scalar: it may be a shell line.
            out.span(bytes, e.span);
            out.text(e.value.as_bytes());
            for w in &words {
                out.text(w.as_bytes());
            }
        }
        // `master.configuration: |-` (or a quoted one-liner) is a redis.conf.
        if e.block || e.path.to_ascii_lowercase().ends_with("configuration") {
            block_secrets(bytes, e, out);
        }
        // The user name given with a password is hidden with it.
        after_flag = PASSWORD_FLAGS.contains(&e.value.as_str()) || e.value == "--user";
    }
}

/// A block scalar holding a redis.conf (Helm `master.configuration`): its directives are
/// read with the redis.conf grammar, and what they hide is found again in the file's lines.
fn block_secrets(bytes: &[u8], e: &crate::syntax::yaml::YamlEntry, out: &mut Secrets) {
    let value = e.value.as_bytes();
    let doc = conf::parse(value);
    let mut inner = Secrets::default();
    conf_secrets(value, &doc, 0, 0, &mut inner);
    for w in secret_words(&e.value) {
        inner.text(w.as_bytes());
    }
    // The block's lines follow its first line in the file, indented.
    let from = e.span.start as usize;
    let until = (from + value.len() * 2 + 4096).min(bytes.len());
    for sp in &inner.spans {
        let text = &value[sp.range()];
        if let Some(at) = find_bytes(&bytes[from..until], text) {
            out.span(bytes, Span::new(from + at, from + at + text.len()));
        }
    }
    out.texts.extend(inner.texts);
}

/// systemd units and other text: `--requirepass X`, `Environment=REDIS_PASSWORD=X`.
fn text_secrets(bytes: &[u8], out: &mut Secrets) {
    let mut start = 0;
    for line in bytes.split(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let text = text.strip_prefix("Environment=").unwrap_or(&text);
        for w in secret_words(text) {
            if let Some(at) = find_bytes(line, w.as_bytes()) {
                out.span(bytes, Span::new(start + at, start + at + w.len()));
            }
            out.text(w.as_bytes());
        }
        start += line.len() + 1;
    }
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Masking copies
// ---------------------------------------------------------------------------------------------

/// Masks every known secret text wherever it is copied. Texts shorter than
/// [`MIN_TEXT`] are only masked through their spans; short ones (below [`ANYWHERE`]) only
/// where they stand as a word of their own, so `yes` inside `yesterday` survives.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a password is masked whole before a part of it.
    texts: Vec<String>,
    /// Texts by their first three bytes: a message or file is scanned once, not once per text.
    by_prefix: std::collections::HashMap<[u8; 3], Vec<usize>>,
}

const MIN_TEXT: usize = 3;
const ANYWHERE: usize = 8;

impl Redactor {
    /// Every secret of every file of the workspace, with its SHA-256 (a fix may write it).
    pub fn new(ws: &Workspace) -> Redactor {
        let mut r = Redactor::default();
        for f in &ws.files {
            r.add(&f.secret_texts);
        }
        r.finish();
        r
    }

    /// The secrets of one file given as bytes (e.g. `acl dryrun`, which builds no workspace).
    pub fn for_bytes(kind: Kind, bytes: &[u8]) -> Redactor {
        let mut ws = Workspace::new();
        ws.add(
            String::new(),
            None,
            bytes.to_vec(),
            kind,
            crate::model::Origin::Given,
        );
        Redactor::new(&ws)
    }

    fn add(&mut self, texts: &[Vec<u8>]) {
        for t in texts {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            if s.len() >= MIN_TEXT && !is_flag_value(s) {
                self.texts.push(s.to_string());
                self.texts
                    .push(crate::acl::sha256::hex_digest(s.as_bytes()));
                // Messages show values with control characters escaped.
                if let Cow::Owned(e) = escape_controls(s) {
                    self.texts.push(e);
                }
            }
        }
    }

    fn finish(&mut self) {
        self.texts
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.texts.dedup();
        self.by_prefix.clear();
        for (i, t) in self.texts.iter().enumerate() {
            let b = t.as_bytes();
            self.by_prefix
                .entry([b[0], b[1], b[2]])
                .or_default()
                .push(i);
        }
    }

    /// (offset, text index) of every place in `hay` where a known text starts.
    fn occurrences(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if self.texts.is_empty() {
            return out;
        }
        for (at, w) in hay.windows(3).enumerate() {
            if let Some(ids) = self.by_prefix.get(&[w[0], w[1], w[2]]) {
                for &i in ids {
                    if hay[at..].starts_with(self.texts[i].as_bytes()) {
                        out.push((at, i));
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Also mask what `other` masks.
    pub fn merge(&mut self, other: &Redactor) {
        self.texts.extend(other.texts.iter().cloned());
        self.finish();
    }

    /// `s` with every known secret replaced by [`MASK`].
    pub fn scrub(&self, s: &str) -> String {
        let mut ids: Vec<usize> = self
            .occurrences(s.as_bytes())
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        // Longest text first (lower index), each once.
        ids.sort_unstable();
        ids.dedup();
        let mut out = s.to_string();
        for i in ids {
            let t = &self.texts[i];
            if out.contains(t.as_str()) {
                out = replace_secret(&out, t);
            }
        }
        out
    }

    /// Byte ranges of `bytes[range]` holding a known secret text (for snippets and diffs).
    pub fn spans_in(&self, bytes: &[u8], start: usize, end: usize) -> Vec<Span> {
        let hay = &bytes[start..end];
        self.occurrences(hay)
            .into_iter()
            .filter_map(|(s, i)| {
                let e = s + self.texts[i].len();
                (self.texts[i].len() >= ANYWHERE || bounded(hay, s, e))
                    .then(|| Span::new(start + s, start + e))
            })
            .collect()
    }

    /// Mask every secret of a finding: message, help, related messages, fix description,
    /// edits and written files.
    pub fn finding(&self, f: &mut Finding) {
        if self.is_empty() {
            return;
        }
        f.message = self.scrub(&f.message);
        f.help = f.help.as_deref().map(|h| self.scrub(h));
        for r in &mut f.related {
            r.message = self.scrub(&r.message);
        }
        for facet in &mut f.facets {
            facet.message = self.scrub(&facet.message);
        }
        if let Some(fix) = &mut f.fix {
            fix.description = self.scrub(&fix.description);
            for e in &mut fix.edits {
                e.replacement = self.scrub(&e.replacement);
            }
            for w in &mut fix.writes {
                w.content = self.scrub(&w.content);
            }
        }
    }

    pub fn notice(&self, n: &mut Notice) {
        n.message = self.scrub(&n.message);
        n.help = n.help.as_deref().map(|h| self.scrub(h));
    }
}

/// A secret occurrence stands alone: no letter or digit right before or after it.
fn bounded(hay: &[u8], s: usize, e: usize) -> bool {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    !alnum(s.checked_sub(1).and_then(|i| hay.get(i))) && !alnum(hay.get(e))
}

fn replace_secret(s: &str, t: &str) -> String {
    if t.len() >= ANYWHERE {
        return s.replace(t, MASK);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    let bytes = s.as_bytes();
    for (at, _) in s.match_indices(t) {
        if at < rest {
            continue;
        }
        if bounded(bytes, at, at + t.len()) {
            out.push_str(&s[rest..at]);
            out.push_str(MASK);
            rest = at + t.len();
        }
    }
    out.push_str(&s[rest..]);
    out
}

/// A value for a message: the text, or [`MASK`] when it is a secret and secrets are hidden.
pub fn value(secret: bool, show_secrets: bool, value: &[u8]) -> String {
    if secret && !show_secrets {
        MASK.to_string()
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Control characters
// ---------------------------------------------------------------------------------------------

/// A character a terminal would act on: C0 and C1 controls (except newline and TAB), DEL, and
/// the bidirectional overrides that reorder what a reader sees.
pub fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe for a terminal: every control character written visibly as `\x1b` (`\u{202e}`
/// above U+00FF), the notation messages already use. Newlines and TABs are kept.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    replace_controls(s, escaped)
}

/// `s` with every control character (see [`is_control`]) written as `escape` says; borrowed
/// when there is none.
fn replace_controls(s: &str, escape: impl Fn(char) -> String) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escaped(c: char) -> String {
    if (c as u32) <= 0xff {
        format!("\\x{:02x}", c as u32)
    } else {
        format!("\\u{{{:x}}}", c as u32)
    }
}

/// Text for one line of human output: control characters escaped, newlines too.
pub fn escape_line(s: &str) -> String {
    escape_controls(s).replace('\n', "\\n")
}

/// Control characters that JSON encoders leave raw (DEL, C1, bidi overrides), as `\uXXXX`
/// escapes; only valid inside JSON strings, which is where such characters can occur.
pub fn escape_json_controls(json: &str) -> Cow<'_, str> {
    replace_controls(json, |c| format!("\\u{:04x}", c as u32))
}

/// A window of a file as it may be shown: secrets masked, control characters escaped,
/// invalid UTF-8 replaced, with the mapping from file offsets to offsets in `text`.
#[derive(Debug, Clone)]
pub struct Shown {
    pub text: String,
    start: usize,
    end: usize,
    /// (file offset, text offset) at each cut between kept and replaced runs.
    cuts: Vec<(usize, usize)>,
}

impl Shown {
    /// Offset in `text` of the file offset `off`; inside a replaced run, its start.
    pub fn translate(&self, off: usize) -> usize {
        let off = off.clamp(self.start, self.end);
        let i = self
            .cuts
            .partition_point(|(o, _)| *o <= off)
            .saturating_sub(1);
        let (o, w) = self.cuts[i];
        let (next_o, next_w) = self
            .cuts
            .get(i + 1)
            .copied()
            .unwrap_or((self.end, self.text.len()));
        if next_w - w == next_o - o {
            w + (off - o)
        } else {
            w
        }
    }
}

/// Show `bytes[start..end]`: the `secrets` spans (sorted; overlapping is fine) and every text
/// the redactor knows become [`MASK`] (unless `redactor` is `None`: secrets shown), control
/// characters are escaped.
pub fn show(
    bytes: &[u8],
    start: usize,
    end: usize,
    secrets: &[Span],
    redactor: Option<&Redactor>,
) -> Shown {
    let mut masked: Vec<Span> = Vec::new();
    if let Some(r) = redactor {
        masked.extend(
            secrets
                .iter()
                .filter(|s| (s.end as usize) > start && (s.start as usize) < end)
                .map(|s| Span::new((s.start as usize).max(start), (s.end as usize).min(end))),
        );
        masked.extend(r.spans_in(bytes, start, end));
        masked.sort_by_key(|s| (s.start, s.end));
    }
    let mut shown = Shown {
        text: String::new(),
        start,
        end,
        cuts: Vec::new(),
    };
    let mut pos = start;
    for s in &masked {
        let (ss, se) = (s.start as usize, s.end as usize);
        if se <= pos {
            continue;
        }
        let ss = ss.max(pos);
        push_plain(&mut shown, &bytes[pos..ss], pos);
        shown.cuts.push((ss, shown.text.len()));
        shown.text.push_str(MASK);
        pos = se;
    }
    push_plain(&mut shown, &bytes[pos..end], pos);
    shown.cuts.push((end, shown.text.len()));
    shown
}

/// Append file text, cutting around each escaped or replaced character so offsets map.
fn push_plain(shown: &mut Shown, bytes: &[u8], at: usize) {
    shown.cuts.push((at, shown.text.len()));
    let mut off = at;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_control(c) {
                shown.cuts.push((off, shown.text.len()));
                shown.text.push_str(&escape_controls(&c.to_string()));
                shown.cuts.push((off + c.len_utf8(), shown.text.len()));
            } else {
                shown.text.push(c);
            }
            off += c.len_utf8();
        }
        let bad = chunk.invalid();
        if !bad.is_empty() {
            shown.cuts.push((off, shown.text.len()));
            shown.text.push(char::REPLACEMENT_CHARACTER);
            off += bad.len();
            shown.cuts.push((off, shown.text.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets_of(kind: Kind, text: &[u8]) -> (Vec<String>, Redactor) {
        let mut ws = Workspace::new();
        let id = ws.add(
            "f".into(),
            None,
            text.to_vec(),
            kind,
            crate::model::Origin::Given,
        );
        let f = ws.file(id);
        let shown = f
            .secrets
            .iter()
            .map(|s| String::from_utf8_lossy(f.source.text(*s)).into_owned())
            .collect();
        (shown, Redactor::new(&ws))
    }

    #[test]
    fn grammar_and_shape_secrets_in_redis_conf() {
        let text = b"requirepass \"PW1 x\nrequirepas PW2\nmasterauht PW3\nmaxmemory 1gb\0requirepass PW4\n# requirepass PW5\nuser bob on PW6 ~* +@all\nsentinel auht-pass m PW7\nport 6379\n";
        let (spans, r) = secrets_of(Kind::Redis, text);
        let all = spans.join("|");
        for pw in ["PW1", "PW2", "PW3", "PW4", "PW5", "PW6", "PW7"] {
            assert!(all.contains(pw), "{pw} not found in {all}");
        }
        assert!(!all.contains("6379"));
        assert!(!all.contains("~*"));
        assert_eq!(
            r.scrub("`PW6` is not an ACL rule"),
            "`***` is not an ACL rule"
        );
    }

    #[test]
    fn prose_comments_are_not_secrets() {
        let text =
            b"# tcp-backlog = Redis' default, not above somaxconn\n# requirepass hunter2-x\n";
        let mut ws = crate::model::Workspace::new();
        ws.add_given(vec![crate::Input {
            path: "redis.conf".into(),
            host_path: None,
            bytes: text.to_vec(),
            kind: crate::Kind::Redis,
        }]);
        let r = Redactor::new(&ws);
        assert_eq!(
            r.scrub("Redis reads it, not the file"),
            "Redis reads it, not the file"
        );
        assert!(!r.scrub("hunter2-x").contains("hunter2-x"));
    }

    #[test]
    fn acl_comments_and_non_rules() {
        let text = b"# alice password: Hunter22\n# application users\nuser alice on Hunter33 ~* +@all\nuser bob on >Hunter44 ~*\n";
        let (spans, r) = secrets_of(Kind::Acl, text);
        let all = spans.join("|");
        assert!(all.contains("Hunter22") && all.contains("Hunter33") && all.contains("Hunter44"));
        assert!(!all.contains("application"));
        assert!(!all.contains("alice on"));
        let hash = crate::acl::sha256::hex_digest(b"Hunter44");
        assert_eq!(r.scrub(&format!("#{hash} Hunter44")), "#*** ***");
    }

    #[test]
    fn compose_and_helm_secrets() {
        let compose = b"services:\n  redis:\n    environment:\n      - REDIS_URL=redis://user:UrlPw99@redis:6379/0\n      - ALLOW_EMPTY_PASSWORD=yes\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"HcPw98\", \"ping\"]\n";
        let (_, r) = secrets_of(Kind::Compose, compose);
        assert_eq!(r.scrub("UrlPw99 HcPw98 yes"), "*** *** yes");
        let helm =
            b"master:\n  configuration: |-\n    requirepass ConfPw97\n    masterauht MisPw96\n";
        let (spans, r) = secrets_of(Kind::Helm, helm);
        let all = spans.join("|");
        assert!(all.contains("ConfPw97") && all.contains("MisPw96"), "{all}");
        assert_eq!(r.scrub("ConfPw97"), "***");
    }

    #[test]
    fn short_texts_are_masked_only_as_words() {
        let (_, r) = secrets_of(Kind::Redis, b"requirepass abcd\n");
        assert_eq!(r.scrub("abcdef `abcd`"), "abcdef `***`");
    }

    #[test]
    fn controls_are_escaped_and_offsets_map() {
        assert_eq!(escape_controls("a\x1b[2Jb\tc\n"), "a\\x1b[2Jb\tc\n");
        assert_eq!(escape_controls("\u{9b}x\u{202e}"), "\\x9bx\\u{202e}");
        let bytes = b"logfile \x1b]0;T\x07 requirepass\n";
        let s = show(bytes, 0, bytes.len(), &[], Some(&Redactor::default()));
        assert_eq!(s.text, "logfile \\x1b]0;T\\x07 requirepass\n");
        assert_eq!(s.translate(8), 8);
        assert_eq!(&s.text[s.translate(14)..], " requirepass\n");
        let masked = show(
            b"requirepass PW x\n",
            0,
            17,
            &[Span::new(12, 14)],
            Some(&Redactor::default()),
        );
        assert_eq!(masked.text, "requirepass *** x\n");
        assert_eq!(masked.translate(15), 16);
    }
}
