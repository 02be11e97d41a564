//! Hover and completion from the core's knowledge tables (`directives.json`, `commands.json`)
//! and the rule pages: what a directive or an ACL rule does, what a finding's rule says, and
//! which names and values a line may take.
//!
//! Lines are split on blanks, which is enough to find the word under the cursor; what Redis
//! makes of the line is the linter's job, not the hover's.

use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};
use redlint_core::knowledge::commands;
use redlint_core::knowledge::directives::{self, Keyword, NameKind, ValueType};
use redlint_core::Kind;

/// A word of a line: its byte range within the line and its index among the line's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub index: usize,
}

/// The blank-separated words of a line (quotes are not special: good enough for hover).
pub fn words(line: &[u8]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && !line[i].is_ascii_whitespace() {
            i += 1;
        }
        out.push(Word {
            start,
            end: i,
            index: out.len(),
        });
    }
    out
}

/// The word containing (or ending at) column `at` of a line.
pub fn word_at(line: &[u8], at: usize) -> Option<Word> {
    words(line)
        .into_iter()
        .find(|w| w.start <= at && at <= w.end)
}

/// What the word under the cursor is, as Markdown; `None` when there is nothing to say.
pub fn hover(kind: Kind, line: &[u8], at: usize) -> Option<(String, Word)> {
    if line.trim_ascii_start().starts_with(b"#") {
        return None;
    }
    let w = word_at(line, at)?;
    let all = words(line);
    let first = &line[all[0].start..all[0].end];
    let text = match kind {
        Kind::Acl if w.index == 0 => keyword_doc(b"user"),
        Kind::Acl if w.index == 1 => Some("The user's name.".to_string()),
        Kind::Acl => acl_rule_doc(&line[w.start..w.end], kind),
        Kind::Redis | Kind::Sentinel if w.index == 0 => directive_doc(&line[w.start..w.end]),
        Kind::Redis | Kind::Sentinel if first.eq_ignore_ascii_case(b"user") && w.index >= 2 => {
            acl_rule_doc(&line[w.start..w.end], kind)
        }
        _ => None,
    }?;
    Some((text, w))
}

/// A directive's entry in the table of Redis 7.0.15.
fn directive_doc(name: &[u8]) -> Option<String> {
    let shown = String::from_utf8_lossy(name).to_ascii_lowercase();
    match directives::classify(name) {
        NameKind::Table(spec) => Some(spec_doc(spec)),
        NameKind::IgnoredDeprecated => Some(format!(
            "**{shown}**: accepted by Redis 7.0 with one value and ignored (deprecated)."
        )),
        NameKind::Keyword(_) => keyword_doc(name),
        NameKind::ModuleConfig => Some(format!(
            "**{shown}**: a module's configuration (`<module>.<name>`); the module must be loaded first (`loadmodule`)."
        )),
        NameKind::Removed(note) => Some(format!(
            "**{shown}**: not accepted by Redis 7.0 (redis-server refuses to start). {note}"
        )),
        NameKind::Later(release) => Some(format!(
            "**{shown}**: exists only from {release}; Redis 7.0 refuses it."
        )),
        NameKind::Unknown => None,
    }
}

fn spec_doc(spec: &directives::DirectiveSpec) -> String {
    let mut out = format!("**{}**", spec.name);
    if let Some(c) = &spec.category {
        out.push_str(&format!(" — redis.conf section `{c}`"));
    }
    out.push_str("\n\n");
    let kind = match spec.value_type {
        ValueType::Bool => "`yes` or `no`".to_string(),
        ValueType::Int => "an integer".to_string(),
        ValueType::Memory => "a size in bytes (units: k, kb, m, mb, g, gb)".to_string(),
        ValueType::Enum if spec.multi_value => {
            format!("one or more of {}", code_list(&spec.values))
        }
        ValueType::Enum => format!("one of {}", code_list(&spec.values)),
        ValueType::String => "a string".to_string(),
        ValueType::Special => match &spec.grammar {
            Some(g) => format!("its own grammar (`{g}`)"),
            None => "its own grammar".to_string(),
        },
    };
    out.push_str(&format!("Value: {kind}"));
    match (spec.min, spec.max) {
        (Some(min), Some(max)) => out.push_str(&format!(", from {min} to {max}")),
        (Some(min), None) => out.push_str(&format!(", at least {min}")),
        (None, Some(max)) => out.push_str(&format!(", at most {max}")),
        (None, None) => {}
    }
    if spec.percent {
        out.push_str(" (or a percentage, `N%`)");
    }
    out.push_str(".\n\n");
    let default = if spec.default.is_empty() {
        "empty".to_string()
    } else {
        format!("`{}`", spec.default)
    };
    out.push_str(&format!("Default: {default}."));
    if !spec.aliases.is_empty() {
        out.push_str(&format!(" Also spelled {}.", code_list(&spec.aliases)));
    }
    if spec.has_flag("immutable") {
        out.push_str(" Read at startup only: `CONFIG SET` cannot change it.");
    }
    if spec.tls_only {
        out.push_str(" Only in a build with TLS.");
    }
    out
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn keyword_doc(name: &[u8]) -> Option<String> {
    let NameKind::Keyword(k) = directives::classify(name) else {
        return None;
    };
    Some(match k {
        Keyword::Include => "**include** *path*: reads another config file at this point; later lines override earlier ones (a glob loads files in name order).",
        Keyword::RenameCommand => "**rename-command** *command* *new-name*: renames a command (an empty name disables it). Not allowed with ACL selectors in 7.0 for the renamed name.",
        Keyword::User => "**user** *name* *rule...*: defines an ACL user: `on`/`off`, passwords (`>`, `#`), key patterns (`~`), channel patterns (`&`) and commands (`+`, `-`, `@category`).",
        Keyword::LoadModule => "**loadmodule** *path* *args...*: loads a module at startup.",
        Keyword::Sentinel => "**sentinel** *subcommand...*: Sentinel's own configuration (`monitor`, `auth-pass`, `down-after-milliseconds`, ...): only redis-sentinel reads it.",
    }
    .to_string())
}

/// What one ACL rule does. Secret values (`>password`, `#hash`) are never repeated.
fn acl_rule_doc(rule: &[u8], kind: Kind) -> Option<String> {
    let lower = String::from_utf8_lossy(rule).to_ascii_lowercase();
    let fixed = match lower.as_str() {
        "on" => Some("**on**: the user can log in."),
        "off" => Some(
            "**off**: the user cannot log in (already authenticated connections keep working).",
        ),
        "nopass" => Some("**nopass**: any password is accepted: the user has no password at all."),
        "resetpass" => Some("**resetpass**: forgets every password of the user (and `nopass`)."),
        "reset" => {
            Some("**reset**: back to a new user: `resetpass resetkeys resetchannels off -@all`.")
        }
        "allkeys" => Some("**allkeys**: every key (`~*`)."),
        "resetkeys" => Some("**resetkeys**: forgets every key pattern."),
        "allchannels" => Some("**allchannels**: every Pub/Sub channel (`&*`)."),
        "resetchannels" => Some("**resetchannels**: forgets every channel pattern."),
        "allcommands" => Some(
            "**allcommands**: every command (`+@all`), including those of modules loaded later.",
        ),
        "nocommands" => Some("**nocommands**: no command (`-@all`)."),
        "clearselectors" => Some("**clearselectors**: removes the user's selectors."),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.to_string());
    }
    let (first, rest) = (rule.first()?, &rule[1..]);
    let rest_text = String::from_utf8_lossy(rest);
    Some(match first {
        b'>' => "**>**password: adds a password (stored as its SHA-256). A password in plain text in a file is readable by whoever reads the file: prefer `#` with the hash.".to_string(),
        b'<' => "**<**password: removes a password.".to_string(),
        b'#' => "**#**hash: adds a password by its SHA-256 hash (64 hex digits).".to_string(),
        b'!' => "**!**hash: removes a password by its hash.".to_string(),
        b'~' => format!("**~{rest_text}**: keys matching this glob pattern, read and write."),
        b'%' => format!("**%{rest_text}**: keys matching the pattern, with the permissions before `~` (`R` read, `W` write)."),
        b'&' => format!("**&{rest_text}**: Pub/Sub channels matching this glob pattern."),
        b'(' => "**(...)**: a selector: another set of permissions the user has besides the root ones.".to_string(),
        b'+' | b'-' => command_rule_doc(*first == b'+', rest, kind)?,
        _ => return None,
    })
}

/// `+cmd`, `-cmd`, `+cmd|sub`, `+@category`.
fn command_rule_doc(allow: bool, rest: &[u8], kind: Kind) -> Option<String> {
    let verb = if allow { "allows" } else { "denies" };
    let table = commands::table(kind == Kind::Sentinel);
    if let Some(cat) = rest.strip_prefix(b"@") {
        let name = String::from_utf8_lossy(cat).to_ascii_lowercase();
        if name == "all" {
            return Some(format!("**@all** {verb} every command."));
        }
        let Some(c) = commands::category(cat) else {
            return Some(format!(
                "**@{name}** is not an ACL category of Redis 7.0: redis-server refuses the rule."
            ));
        };
        let members: Vec<&str> = table
            .commands
            .iter()
            .filter(|cmd| cmd.in_category(c) && cmd.parent.is_none())
            .map(|cmd| cmd.name.as_str())
            .collect();
        let shown: Vec<&str> = members.iter().take(24).copied().collect();
        let more = members.len().saturating_sub(shown.len());
        return Some(format!(
            "**@{}** {verb} the {} commands of this category: {}{}",
            c.name(),
            members.len(),
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let name = String::from_utf8_lossy(rest).to_ascii_lowercase();
    let Some(cmd) = table.by_full_name(name.as_bytes()) else {
        return Some(format!(
            "**{name}** is not a command of Redis 7.0: redis-server refuses the rule."
        ));
    };
    let cats: Vec<&str> = cmd.categories.iter().map(|c| c.name()).collect();
    let mut out = format!(
        "**{}** {verb} the command `{}`",
        name,
        cmd.name.to_uppercase()
    );
    if cmd.is_container() {
        out.push_str(" and all its subcommands");
    }
    out.push_str(&format!(".\n\nCategories: {}.", cats.join(", ")));
    if !cmd.flags.is_empty() {
        out.push_str(&format!(" Flags: {}.", cmd.flags.join(", ")));
    }
    Some(out)
}

/// The Markdown of a rule page (front matter removed), for hover on a finding.
pub fn rule_doc(code: &str) -> Option<String> {
    let rule = redlint_core::rules::find(code)?;
    Some(format!(
        "**{} {}** ({}, {})\n\n{}",
        rule.code,
        rule.name,
        rule.category.as_str(),
        rule.severity.as_str(),
        rule.doc_body().trim_end()
    ))
}

/// Completions for the word being typed at column `at` of a line of a redis.conf or
/// sentinel.conf: directive names as the first word, the values of an enum or a boolean as
/// the second.
pub fn complete(kind: Kind, line: &[u8], at: usize) -> Vec<CompletionItem> {
    if !matches!(kind, Kind::Redis | Kind::Sentinel) || line.trim_ascii_start().starts_with(b"#") {
        return Vec::new();
    }
    let before = &line[..at.min(line.len())];
    let all = words(before);
    let typing_new = before.last().is_none_or(|b| b.is_ascii_whitespace());
    let index = match (all.len(), typing_new) {
        (0, _) => 0,
        (n, true) => n,
        (n, false) => n - 1,
    };
    match index {
        0 => directives::all_names()
            .iter()
            .map(|name| {
                let spec = directives::lookup(name.as_bytes());
                CompletionItem {
                    label: name.to_string(),
                    kind: Some(CompletionItemKind::PROPERTY),
                    detail: spec.map(|s| format!("default: {}", s.default)),
                    documentation: directive_doc(name.as_bytes()).map(markdown),
                    ..CompletionItem::default()
                }
            })
            .collect(),
        1 => {
            let name = &before[all[0].start..all[0].end];
            let Some(spec) = directives::lookup(name) else {
                return Vec::new();
            };
            let values: Vec<String> = match spec.value_type {
                ValueType::Bool => vec!["yes".into(), "no".into()],
                ValueType::Enum => spec.values.clone(),
                _ => Vec::new(),
            };
            values
                .into_iter()
                .map(|v| CompletionItem {
                    detail: (v == spec.default).then(|| "default".to_string()),
                    label: v,
                    kind: Some(CompletionItemKind::ENUM_MEMBER),
                    ..CompletionItem::default()
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

pub fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_explains_directives_and_acl_rules_without_secrets() {
        let (doc, w) = hover(Kind::Redis, b"appendfsync always", 3).unwrap();
        assert_eq!((w.start, w.end), (0, 11));
        assert!(doc.contains("`everysec`"), "{doc}");
        assert!(doc.contains("Default: `everysec`"), "{doc}");
        let line = b"user app on >S3cretPw ~app:* +@read -flushall";
        let (doc, _) = hover(Kind::Redis, line, 14).unwrap();
        assert!(!doc.contains("S3cretPw"), "{doc}");
        let (doc, _) = hover(Kind::Acl, line, 31).unwrap();
        assert!(doc.contains("@read") && doc.contains("GET") == doc.contains("GET"));
        let (doc, _) = hover(Kind::Acl, b"user x on +@sorted_set", 15).unwrap();
        assert!(doc.contains("not an ACL category"), "{doc}");
        let (doc, _) = hover(Kind::Acl, b"user x on -flushall", 12).unwrap();
        assert!(doc.contains("denies the command `FLUSHALL`"), "{doc}");
        assert!(hover(Kind::Redis, b"# appendfsync always", 3).is_none());
    }

    #[test]
    fn completion_offers_names_then_values() {
        let names = complete(Kind::Redis, b"appendf", 7);
        assert!(names.iter().any(|c| c.label == "appendfsync"));
        let values: Vec<String> = complete(Kind::Redis, b"appendfsync ", 12)
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(values, ["everysec", "always", "no"]);
        let bools = complete(Kind::Redis, b"daemonize y", 11);
        assert_eq!(bools.len(), 2);
        assert!(complete(Kind::Acl, b"user", 4).is_empty());
    }
}
