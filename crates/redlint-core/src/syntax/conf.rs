//! The redis.conf / sentinel.conf line syntax, exactly as Redis 7.0 reads it.
//!
//! Redis (`config.c: loadServerConfigFromString`) splits the text on `\n` only, trims
//! space/TAB/CR/LF at both ends, skips empty lines and lines whose first remaining character
//! is `#`, and splits the rest with `sdssplitargs`. There are no inline comments and no line
//! continuations. This module keeps every byte: the document is a list of lines that
//! partition the input, each with the spans of its tokens, so `print(parse(x)) == x`.

use crate::source::Span;

/// What a line is, after Redis' trimming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty after trimming space/TAB/CR/LF.
    Blank,
    /// First non-blank character is `#`.
    Comment,
    /// At least one token; the first is the directive name.
    Directive,
    /// Trimmed line is not empty but holds no token (only VT/FF and the like): Redis skips it.
    Empty,
    /// `sdssplitargs` failed: Redis refuses the line with "Unbalanced quotes".
    UnbalancedQuotes,
}

/// One token of a directive line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Raw bytes of the token in the file, quotes included.
    pub span: Span,
    /// Where the decoded value lives when it differs from the raw bytes (quotes, escapes):
    /// a span into [`ConfDocument::decoded`]. `None` means the value is the raw text.
    pub decoded: Option<Span>,
}

impl Token {
    /// True if any part of the token was quoted.
    pub fn is_quoted(&self) -> bool {
        self.decoded.is_some()
    }
}

/// One physical line, terminator included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The whole line including its `\n` (if any).
    pub span: Span,
    /// The line without its trailing `\n` and without Redis' trimmed characters.
    pub content: Span,
    pub kind: LineKind,
    /// Range into [`ConfDocument::tokens`].
    pub tokens_start: u32,
    pub tokens_end: u32,
    /// For [`LineKind::UnbalancedQuotes`]: where the offending quote starts.
    pub error_at: u32,
}

/// A parsed redis.conf or sentinel.conf: lines partitioning the input, and their tokens.
#[derive(Debug, Clone, Default)]
pub struct ConfDocument {
    pub lines: Vec<Line>,
    pub tokens: Vec<Token>,
    /// Decoded bytes of quoted tokens, concatenated.
    pub decoded: Vec<u8>,
}

impl ConfDocument {
    pub fn tokens(&self, line: &Line) -> &[Token] {
        &self.tokens[line.tokens_start as usize..line.tokens_end as usize]
    }

    /// Decoded value of a token of this document.
    pub fn value<'a>(&'a self, source: &'a [u8], token: &Token) -> &'a [u8] {
        match token.decoded {
            Some(d) => &self.decoded[d.range()],
            None => &source[token.span.range()],
        }
    }

    /// The input again, byte for byte, from the line spans.
    pub fn print(&self, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(source.len());
        for line in &self.lines {
            out.extend_from_slice(&source[line.span.range()]);
        }
        out
    }
}

fn is_trim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// C `isspace` in the "C" locale: the separator set of `sdssplitargs`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parse a whole file. Never fails: problems are recorded on the lines.
pub fn parse(source: &[u8]) -> ConfDocument {
    let mut doc = ConfDocument {
        lines: Vec::with_capacity(source.len() / 40 + 1),
        tokens: Vec::new(),
        decoded: Vec::new(),
    };
    let mut start = 0usize;
    while start < source.len() {
        let end = memchr_newline(&source[start..]).map_or(source.len(), |i| start + i + 1);
        parse_line(source, start, end, &mut doc);
        start = end;
    }
    doc
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

fn parse_line(source: &[u8], start: usize, end: usize, doc: &mut ConfDocument) {
    let mut cs = start;
    let mut ce = end;
    while cs < ce && is_trim(source[cs]) {
        cs += 1;
    }
    while ce > cs && is_trim(source[ce - 1]) {
        ce -= 1;
    }
    let tokens_start = doc.tokens.len() as u32;
    let mut line = Line {
        span: Span::new(start, end),
        content: Span::new(cs, ce),
        kind: LineKind::Blank,
        tokens_start,
        tokens_end: tokens_start,
        error_at: 0,
    };
    if cs == ce {
        doc.lines.push(line);
        return;
    }
    if source[cs] == b'#' {
        line.kind = LineKind::Comment;
        doc.lines.push(line);
        return;
    }
    match split_args(source, cs, ce, doc) {
        Ok(()) => {
            line.tokens_end = doc.tokens.len() as u32;
            line.kind = if line.tokens_end > line.tokens_start {
                LineKind::Directive
            } else {
                LineKind::Empty
            };
        }
        Err(at) => {
            doc.tokens.truncate(tokens_start as usize);
            line.kind = LineKind::UnbalancedQuotes;
            line.error_at = at as u32;
        }
    }
    doc.lines.push(line);
}

/// `sdssplitargs` over `source[start..end]`, pushing tokens; `Err(offset)` on unbalanced quotes.
fn split_args(
    source: &[u8],
    start: usize,
    end: usize,
    doc: &mut ConfDocument,
) -> Result<(), usize> {
    let mut p = start;
    loop {
        while p < end && is_space(source[p]) {
            p += 1;
        }
        if p >= end {
            return Ok(());
        }
        let tok_start = p;
        let decoded_start = doc.decoded.len();
        let mut quoted = false;
        // Bytes of the unquoted run not yet copied into `decoded` (copied lazily, only if the
        // token turns out to contain quotes).
        let mut plain_from = p;
        loop {
            if p >= end {
                break;
            }
            let c = source[p];
            if c == b'"' || c == b'\'' {
                if !quoted {
                    quoted = true;
                }
                doc.decoded.extend_from_slice(&source[plain_from..p]);
                let quote_at = p;
                p += 1;
                let mut closed = false;
                while p < end {
                    let q = source[p];
                    if c == b'"' && q == b'\\' && p + 3 < end && source[p + 1] == b'x' {
                        if let (Some(h), Some(l)) =
                            (hex_value(source[p + 2]), hex_value(source[p + 3]))
                        {
                            doc.decoded.push(h * 16 + l);
                            p += 4;
                            continue;
                        }
                    }
                    if c == b'"' && q == b'\\' && p + 1 < end {
                        let e = source[p + 1];
                        doc.decoded.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        p += 2;
                        continue;
                    }
                    if c == b'\'' && q == b'\\' && p + 1 < end && source[p + 1] == b'\'' {
                        doc.decoded.push(b'\'');
                        p += 2;
                        continue;
                    }
                    if q == c {
                        // The closing quote must be followed by a space or the end of the line.
                        if p + 1 < end && !is_space(source[p + 1]) {
                            return Err(quote_at);
                        }
                        p += 1;
                        closed = true;
                        break;
                    }
                    doc.decoded.push(q);
                    p += 1;
                }
                if !closed {
                    return Err(quote_at);
                }
                plain_from = p;
                // After a closing quote the token ends (the next byte is a space or the end).
                break;
            }
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            p += 1;
        }
        let token = if quoted {
            doc.decoded
                .extend_from_slice(&source[plain_from..p.min(end)]);
            // plain_from == p after a closing quote, so nothing extra is copied there.
            Token {
                span: Span::new(tok_start, p),
                decoded: Some(Span::new(decoded_start, doc.decoded.len())),
            }
        } else {
            Token {
                span: Span::new(tok_start, p),
                decoded: None,
            }
        };
        doc.tokens.push(token);
    }
}

/// `sdssplitargs` over one string: each argument's raw span in `value` and its decoded bytes
/// (`None`: unbalanced quotes). Redis re-splits ACL selectors `(...)` this way.
pub fn split_value_spans(value: &[u8]) -> Option<Vec<(Span, Vec<u8>)>> {
    let mut doc = ConfDocument::default();
    split_args(value, 0, value.len(), &mut doc).ok()?;
    Some(
        doc.tokens
            .iter()
            .map(|t| (t.span, doc.value(value, t).to_vec()))
            .collect(),
    )
}

/// Split a single string the way `sdssplitargs` does, returning owned values. Used where
/// Redis re-tokenises one argument (MULTI_ARG directives given one quoted argument).
pub fn split_value(value: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut doc = ConfDocument::default();
    split_args(value, 0, value.len(), &mut doc).ok()?;
    Some(
        doc.tokens
            .iter()
            .map(|t| doc.value(value, t).to_vec())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Vec<String>, ()> {
        let doc = parse(line.as_bytes());
        let l = &doc.lines[0];
        match l.kind {
            LineKind::UnbalancedQuotes => Err(()),
            _ => Ok(doc
                .tokens(l)
                .iter()
                .map(|t| String::from_utf8_lossy(doc.value(line.as_bytes(), t)).into_owned())
                .collect()),
        }
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(args("save 900 1").unwrap(), ["save", "900", "1"]);
        assert_eq!(
            args("  requirepass \"a b\"\r\n").unwrap(),
            ["requirepass", "a b"]
        );
        assert_eq!(args("x \"\\x41\\t\"").unwrap(), ["x", "A\t"]);
        assert_eq!(args("x \"a\\x4g\"").unwrap(), ["x", "ax4g"]);
        assert_eq!(args("x 'it\\'s'").unwrap(), ["x", "it's"]);
        assert_eq!(args("x 'a\\\\b'").unwrap(), ["x", "a\\\\b"]);
        assert_eq!(args("x foo\"bar baz\"").unwrap(), ["x", "foobar baz"]);
        assert_eq!(args("x \"\"").unwrap(), ["x", ""]);
        assert_eq!(args("x foo#bar").unwrap(), ["x", "foo#bar"]);
        assert!(args("requirepass \"foo\"bar").is_err());
        assert!(args("x \"a\"\"b\"").is_err());
        assert!(args("x \"abc").is_err());
        assert!(args("x \"abc\\\"").is_err());
    }

    #[test]
    fn comments_and_blanks() {
        let src = b"# c\n   # indented\n\n\t\r\nport 1\n";
        let doc = parse(src);
        let kinds: Vec<_> = doc.lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LineKind::Comment,
                LineKind::Comment,
                LineKind::Blank,
                LineKind::Blank,
                LineKind::Directive
            ]
        );
        assert_eq!(doc.print(src), src);
    }

    #[test]
    fn vertical_tab_inside_token_is_literal() {
        assert_eq!(args("maxmemory\x0b2mb").unwrap(), ["maxmemory\x0b2mb"]);
        assert_eq!(args("\x0bport 1").unwrap(), ["port", "1"]);
    }
}
