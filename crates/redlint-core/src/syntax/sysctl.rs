//! sysctl files as `sysctl -p` (procps-ng 4.0.2) and systemd-sysctl read them.
//!
//! Lines starting (after whitespace) with `#` or `;` are comments; an assignment is
//! `[-]key = value` with a dotted or slashed key; a line without `=` is not an assignment.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysctlLineKind {
    Blank,
    Comment,
    Assignment,
    /// Text that is not an assignment (no `=`), e.g. a shell command.
    NotAssignment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysctlLine {
    pub span: Span,
    pub content: Span,
    pub kind: SysctlLineKind,
    /// `-` prefix: errors on this key are ignored.
    pub ignore_errors: bool,
    /// Key as written (without `-`), trimmed.
    pub key: Span,
    /// Value, trimmed.
    pub value: Span,
}

#[derive(Debug, Clone, Default)]
pub struct SysctlDocument {
    pub lines: Vec<SysctlLine>,
}

impl SysctlDocument {
    pub fn print(&self, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(source.len());
        for l in &self.lines {
            out.extend_from_slice(&source[l.span.range()]);
        }
        out
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c')
}

fn trim(source: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && is_ws(source[s]) {
        s += 1;
    }
    while e > s && is_ws(source[e - 1]) {
        e -= 1;
    }
    (s, e)
}

pub fn parse(source: &[u8]) -> SysctlDocument {
    let mut doc = SysctlDocument::default();
    let mut start = 0;
    while start < source.len() {
        let end = source[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(source.len(), |i| start + i + 1);
        let (cs, ce) = trim(source, start, end);
        let mut line = SysctlLine {
            span: Span::new(start, end),
            content: Span::new(cs, ce),
            kind: SysctlLineKind::Blank,
            ignore_errors: false,
            key: Span::new(cs, cs),
            value: Span::new(ce, ce),
        };
        if cs < ce {
            if source[cs] == b'#' || source[cs] == b';' {
                line.kind = SysctlLineKind::Comment;
            } else if let Some(eq) = source[cs..ce].iter().position(|&b| b == b'=') {
                let eq = cs + eq;
                let mut ks = cs;
                if source[ks] == b'-' {
                    line.ignore_errors = true;
                    ks += 1;
                }
                let (ks, ke) = trim(source, ks, eq);
                let (vs, ve) = trim(source, eq + 1, ce);
                line.kind = SysctlLineKind::Assignment;
                line.key = Span::new(ks, ke);
                line.value = Span::new(vs, ve);
            } else {
                line.kind = SysctlLineKind::NotAssignment;
            }
        }
        doc.lines.push(line);
        start = end;
    }
    doc
}
