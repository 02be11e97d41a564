//! From text to user declarations: an ACL file line (split on single spaces) or a redis.conf
//! `user` line (split by `sdssplitargs`), with selectors merged across words the way
//! `ACLMergeSelectorArguments` does, and every rule parsed with its span.

use super::rule::{cstr, parse_rule, AclRule};
use crate::knowledge::commands::CommandTable;
use crate::source::Span;
use crate::syntax::acl::{strip_rule, AclDocument, AclLine};
use crate::syntax::conf::{ConfDocument, Line};

/// One word of a user line before merging: its value and where it is.
#[derive(Debug, Clone)]
struct Word {
    value: Vec<u8>,
    span: Span,
    /// The value is the file's bytes at `span` (not quoted).
    raw: bool,
}

/// A piece of a merged rule: `len` bytes of the rule's text at `at` came from `span`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    at: usize,
    len: usize,
    span: Span,
    raw: bool,
}

fn map_range(pieces: &[Piece], a: usize, b: usize) -> Span {
    let find = |x: usize| pieces.iter().rev().find(|p| p.at <= x).or(pieces.first());
    let (Some(pa), Some(pb)) = (find(a), find(b.saturating_sub(1).max(a))) else {
        return Span::default();
    };
    if pa.at == pb.at && pa.raw && b <= pa.at + pa.len {
        Span {
            start: pa.span.start + (a - pa.at) as u32,
            end: pa.span.start + (b - pa.at) as u32,
        }
    } else {
        pa.span.cover(pb.span)
    }
}

/// A `user <name> <rules…>` declaration.
#[derive(Debug, Clone)]
pub struct UserDecl {
    /// The whole line's content.
    pub line: Span,
    pub keyword: Span,
    pub name: Vec<u8>,
    pub name_span: Span,
    /// The rules after merging selectors; empty when a selector is unmatched.
    pub rules: Vec<AclRule>,
    /// A `(` word without its closing `)`: Redis refuses the whole line.
    pub unmatched: Option<Unmatched>,
}

#[derive(Debug, Clone, Copy)]
pub struct Unmatched {
    /// From the opening word to the end of the line.
    pub span: Span,
    /// Rules merged before the unmatched selector: with any, the ACL file loader of 7.0.15
    /// dereferences a NULL array and crashes (SIGSEGV) instead of reporting the error.
    pub after_rules: bool,
}

/// `ACLMergeSelectorArguments` over the words after the name. `trim` strips TAB/CR/LF from
/// each merged rule (ACL files only, after merging). `cat_cstr`: appended words are copied as
/// C strings (`sdscatfmt("%s")`, relevant for redis.conf values holding NUL bytes).
fn merge(
    words: &[Word],
    source: &[u8],
    trim: bool,
    table: &CommandTable,
) -> (Vec<AclRule>, Option<Unmatched>) {
    let mut rules = Vec::new();
    let mut open: Option<(Vec<u8>, Vec<Piece>, usize)> = None;
    for (j, w) in words.iter().enumerate() {
        let v = &w.value;
        let starts = v.first() == Some(&b'(') && v.last() != Some(&b')');
        if starts {
            // A second `(` word restarts the selector (Redis leaks the first one).
            open = Some((
                v.clone(),
                vec![Piece {
                    at: 0,
                    len: v.len(),
                    span: w.span,
                    raw: w.raw,
                }],
                j,
            ));
            continue;
        }
        if let Some((text, pieces, _)) = open.as_mut() {
            let add = cstr(v);
            text.push(b' ');
            pieces.push(Piece {
                at: text.len(),
                len: add.len(),
                span: w.span,
                raw: w.raw,
            });
            text.extend_from_slice(add);
            // An empty word never closes (Redis reads the byte before it, never `)`).
            if v.last() == Some(&b')') {
                let (text, pieces, _) = open.take().unwrap_or_default();
                rules.push(finish(text, pieces, source, trim, table));
            }
            continue;
        }
        let pieces = vec![Piece {
            at: 0,
            len: v.len(),
            span: w.span,
            raw: w.raw,
        }];
        rules.push(finish(v.clone(), pieces, source, trim, table));
    }
    match open {
        Some((_, pieces, j)) => {
            let start = words[j].span;
            let end = pieces.last().map_or(start, |p| p.span);
            let after_rules = !rules.is_empty();
            (
                Vec::new(),
                Some(Unmatched {
                    span: start.cover(end),
                    after_rules,
                }),
            )
        }
        None => (rules, None),
    }
}

fn finish(
    mut text: Vec<u8>,
    mut pieces: Vec<Piece>,
    source: &[u8],
    trim: bool,
    table: &CommandTable,
) -> AclRule {
    let mut span = pieces.first().map_or(Span::default(), |p| p.span);
    if let Some(last) = pieces.last() {
        span = span.cover(last.span);
    }
    if trim {
        // ACL files: the merged text is the file's own bytes from the first word to the last
        // (words were split on single spaces), so trimming maps to the file directly.
        let stripped = strip_rule(source, span);
        text = source[stripped.range()].to_vec();
        span = stripped;
        pieces = vec![Piece {
            at: 0,
            len: text.len(),
            span,
            raw: true,
        }];
    }
    let map = |a: usize, b: usize| map_range(&pieces, a, b);
    parse_rule(&text, span, &map, table)
}

/// What an ACL file line is.
#[derive(Debug, Clone)]
pub enum AclFileLine {
    User(UserDecl),
    /// Not `user <name>`: Redis refuses (`should start with user keyword followed by the
    /// username`). Comment lines (`#…`) are this too.
    NotUser {
        first_word: Span,
    },
    /// The name holds whitespace (a TAB: the line is split on spaces only).
    BadName {
        name: Span,
    },
}

/// Read one non-blank ACL file line the way `ACLLoadFromFile` does.
pub fn acl_file_line(
    doc: &AclDocument,
    line: &AclLine,
    source: &[u8],
    table: &CommandTable,
) -> AclFileLine {
    let raw = doc.raw_tokens(line);
    let first = raw.first().copied().unwrap_or(line.content);
    if raw.len() < 2 || &source[first.range()] != b"user" {
        return AclFileLine::NotUser { first_word: first };
    }
    let name = raw[1];
    if super::rule::has_spaces(&source[name.range()]) {
        return AclFileLine::BadName { name };
    }
    let words: Vec<Word> = raw[2..]
        .iter()
        .map(|s| Word {
            value: source[s.range()].to_vec(),
            span: *s,
            raw: true,
        })
        .collect();
    let (rules, unmatched) = merge(&words, source, true, table);
    AclFileLine::User(UserDecl {
        line: line.content,
        keyword: first,
        name: source[name.range()].to_vec(),
        name_span: name,
        rules,
        unmatched,
    })
}

/// Read a redis.conf / sentinel.conf `user` line (`ACLAppendUserForLoading`). `None` when the
/// line has no name (bare `user` is "Bad directive or wrong number of arguments").
pub fn conf_user_line(
    doc: &ConfDocument,
    line: &Line,
    source: &[u8],
    table: &CommandTable,
) -> Option<UserDecl> {
    let tokens = doc.tokens(line);
    if tokens.len() < 2 {
        return None;
    }
    let words: Vec<Word> = tokens[2..]
        .iter()
        .map(|t| Word {
            value: doc.value(source, t).to_vec(),
            span: t.span,
            raw: !t.is_quoted(),
        })
        .collect();
    let (rules, unmatched) = merge(&words, source, false, table);
    Some(UserDecl {
        line: line.content,
        keyword: tokens[0].span,
        name: doc.value(source, &tokens[1]).to_vec(),
        name_span: tokens[1].span,
        rules,
        unmatched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::rule::{RuleKind, SelectorRule};
    use crate::knowledge::commands::redis;
    use crate::syntax::{acl, conf};

    fn acl_decl(src: &str) -> UserDecl {
        let doc = acl::parse(src.as_bytes());
        match acl_file_line(&doc, &doc.lines[0], src.as_bytes(), redis()) {
            AclFileLine::User(d) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn acl_file_selectors_merge_and_map_spans() {
        let src = "user a on (~b* +set) (%R~c* \t+@read)\t";
        let d = acl_decl(src);
        assert_eq!(d.rules.len(), 3);
        let texts: Vec<_> = d
            .rules
            .iter()
            .map(|r| String::from_utf8_lossy(&r.text).into_owned())
            .collect();
        assert_eq!(texts, ["on", "(~b* +set)", "(%R~c* \t+@read)"]);
        let RuleKind::Selector(ops) = &d.rules[2].kind else {
            panic!()
        };
        assert_eq!(&src[ops[1].span.range()], "+@read");
        assert!(matches!(ops[1].rule, SelectorRule::AllowCategory(_)));
    }

    #[test]
    fn unmatched_selectors() {
        let d = acl_decl("user a (~x +get");
        assert!(d.unmatched.is_some_and(|u| !u.after_rules));
        let d = acl_decl("user a on (~x +get");
        assert!(d.unmatched.is_some_and(|u| u.after_rules));
        // A word like `(~x\t` does not end with `)`, so it opens a selector.
        let d = acl_decl("user a (~x)\t on");
        assert!(d.unmatched.is_some());
    }

    #[test]
    fn first_words_are_exact() {
        let src = b"USER a on";
        let doc = acl::parse(src);
        assert!(matches!(
            acl_file_line(&doc, &doc.lines[0], src, redis()),
            AclFileLine::NotUser { .. }
        ));
        let src = b"user a\t on";
        let doc = acl::parse(src);
        assert!(matches!(
            acl_file_line(&doc, &doc.lines[0], src, redis()),
            AclFileLine::BadName { .. }
        ));
        let d = acl_decl("user  on nopass");
        assert_eq!(d.name, b"");
        assert_eq!(d.rules.len(), 2);
    }

    #[test]
    fn conf_lines_use_quotes() {
        let src = "user alice on \">pass word\" (~b* +set) \"(%W~c* +@write)\"";
        let doc = conf::parse(src.as_bytes());
        let d = conf_user_line(&doc, &doc.lines[0], src.as_bytes(), redis()).unwrap();
        assert_eq!(d.rules.len(), 4);
        assert!(matches!(d.rules[1].kind, RuleKind::AddPassword(_)));
        let RuleKind::Selector(ops) = &d.rules[2].kind else {
            panic!()
        };
        assert_eq!(&src[ops[1].span.range()], "+set");
        let RuleKind::Selector(ops) = &d.rules[3].kind else {
            panic!()
        };
        assert_eq!(
            &src[ops[1].span.range()],
            "\"(%W~c* +@write)\"",
            "quoted: the whole word"
        );
    }
}
