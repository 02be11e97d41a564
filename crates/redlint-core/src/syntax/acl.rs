//! ACL files as Redis 7.0 reads them (`acl.c: ACLLoadFromFile`).
//!
//! The file is split on `\n`, each line trimmed of space/TAB/CR/LF; empty lines are skipped and
//! there are NO comments. Lines are split on single spaces (no quoting). The first two words
//! (`user` and the name) are used exactly as split; the rules after them are stripped of
//! leading/trailing TAB/CR/LF — after Redis has merged selectors `(...)` spread over several
//! words, which is why the raw words are kept too. Every byte is kept: lines partition the input.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclLineKind {
    Blank,
    /// Tokens split on single spaces; token 0 should be `user`, token 1 the name.
    Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclLine {
    pub span: Span,
    pub content: Span,
    pub kind: AclLineKind,
    pub tokens_start: u32,
    pub tokens_end: u32,
}

#[derive(Debug, Clone, Default)]
pub struct AclDocument {
    pub lines: Vec<AclLine>,
    /// Token spans (after Redis' per-token TAB/CR/LF stripping). Empty tokens (from repeated
    /// spaces) are kept as empty spans: Redis treats them as no-ops, except right after `user`.
    pub tokens: Vec<Span>,
    /// The same tokens exactly as split on single spaces, before stripping (same indices).
    pub raw_tokens: Vec<Span>,
}

impl AclDocument {
    pub fn tokens(&self, line: &AclLine) -> &[Span] {
        &self.tokens[line.tokens_start as usize..line.tokens_end as usize]
    }
    /// The line's words as Redis splits them, before any stripping.
    pub fn raw_tokens(&self, line: &AclLine) -> &[Span] {
        &self.raw_tokens[line.tokens_start as usize..line.tokens_end as usize]
    }
    pub fn print(&self, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(source.len());
        for l in &self.lines {
            out.extend_from_slice(&source[l.span.range()]);
        }
        out
    }
}

fn is_trim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The part of `span` left after stripping TAB/CR/LF at both ends (`sdstrim(s, "\t\r\n")`).
pub fn strip_rule(source: &[u8], span: Span) -> Span {
    let (mut ts, mut te) = (span.start as usize, span.end as usize);
    while ts < te && matches!(source[ts], b'\t' | b'\r' | b'\n') {
        ts += 1;
    }
    while te > ts && matches!(source[te - 1], b'\t' | b'\r' | b'\n') {
        te -= 1;
    }
    Span::new(ts, te)
}

pub fn parse(source: &[u8]) -> AclDocument {
    let mut doc = AclDocument::default();
    let mut start = 0;
    while start < source.len() {
        let end = source[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(source.len(), |i| start + i + 1);
        let (mut cs, mut ce) = (start, end);
        while cs < ce && is_trim(source[cs]) {
            cs += 1;
        }
        while ce > cs && is_trim(source[ce - 1]) {
            ce -= 1;
        }
        let tokens_start = doc.tokens.len() as u32;
        let kind = if cs == ce {
            AclLineKind::Blank
        } else {
            let mut p = cs;
            loop {
                let q = source[p..ce]
                    .iter()
                    .position(|&b| b == b' ')
                    .map_or(ce, |i| p + i);
                let raw = Span::new(p, q);
                doc.raw_tokens.push(raw);
                doc.tokens.push(strip_rule(source, raw));
                if q >= ce {
                    break;
                }
                p = q + 1;
            }
            AclLineKind::Rules
        };
        doc.lines.push(AclLine {
            span: Span::new(start, end),
            content: Span::new(cs, ce),
            kind,
            tokens_start,
            tokens_end: doc.tokens.len() as u32,
        });
        start = end;
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(src: &[u8]) -> Vec<(String, String)> {
        let doc = parse(src);
        let l = doc
            .lines
            .iter()
            .find(|l| l.kind == AclLineKind::Rules)
            .unwrap();
        doc.raw_tokens(l)
            .iter()
            .zip(doc.tokens(l))
            .map(|(r, t)| {
                (
                    String::from_utf8_lossy(&src[r.range()]).into_owned(),
                    String::from_utf8_lossy(&src[t.range()]).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn splits_on_single_spaces_only() {
        let w = words(b"  user alice  on\t >pw\t\r\n");
        let raw: Vec<_> = w.iter().map(|(r, _)| r.as_str()).collect();
        let stripped: Vec<_> = w.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(raw, ["user", "alice", "", "on\t", ">pw"]);
        assert_eq!(stripped, ["user", "alice", "", "on", ">pw"]);
        let w = words(b"user\talice on");
        assert_eq!(w[0].0, "user\talice");
    }

    #[test]
    fn blank_lines() {
        let src = b"\n  \t\r\nuser a\n";
        let doc = parse(src);
        let kinds: Vec<_> = doc.lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [AclLineKind::Blank, AclLineKind::Blank, AclLineKind::Rules]
        );
    }

    proptest! {
        #[test]
        fn round_trips_arbitrary_bytes(src in proptest::collection::vec(any::<u8>(), 0..400)) {
            let doc = parse(&src);
            prop_assert_eq!(doc.print(&src), src.clone());
            // Lines partition the input; tokens stay inside their line's content.
            let mut at = 0;
            for l in &doc.lines {
                prop_assert_eq!(l.span.start as usize, at);
                at = l.span.end as usize;
                for (r, t) in doc.raw_tokens(l).iter().zip(doc.tokens(l)) {
                    prop_assert!(l.content.start <= r.start && r.end <= l.content.end);
                    prop_assert!(r.start <= t.start && t.end <= r.end);
                }
            }
            prop_assert_eq!(at, src.len());
        }

        #[test]
        fn round_trips_acl_like_text(src in "(user|USER|#|on|off|>|~|%R~|&|\\+@all|-@|\\(|\\)|[a-z*|]{0,5}|[ \t\r\n]){0,60}") {
            let doc = parse(src.as_bytes());
            prop_assert_eq!(doc.print(src.as_bytes()), src.as_bytes().to_vec());
        }
    }
}
