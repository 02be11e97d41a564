//! ACL files as Redis 7.0 reads them (`acl.c: ACLLoadFromFile`).
//!
//! The file is split on `\n`, each line trimmed of space/TAB/CR/LF; empty lines are skipped and
//! there are NO comments. Lines are split on single spaces (no quoting); each token is stripped
//! of leading/trailing TAB/CR/LF. Every byte is kept: lines partition the input.

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
}

impl AclDocument {
    pub fn tokens(&self, line: &AclLine) -> &[Span] {
        &self.tokens[line.tokens_start as usize..line.tokens_end as usize]
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
                let (mut ts, mut te) = (p, q);
                while ts < te && matches!(source[ts], b'\t' | b'\r' | b'\n') {
                    ts += 1;
                }
                while te > ts && matches!(source[te - 1], b'\t' | b'\r' | b'\n') {
                    te -= 1;
                }
                doc.tokens.push(Span::new(ts, te));
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
