//! Conversions between the core's world (byte spans, host paths) and the protocol's (UTF-16
//! positions, `file:` URIs).
//!
//! The core reports byte offsets; LSP positions count UTF-16 code units within a line (the
//! protocol's default encoding, the only one every client supports). Invalid UTF-8 is decoded
//! lossily, one U+FFFD per bad sequence, as editors show it.

use std::str::FromStr;

use lsp_types::{Position, Range, Uri};
use redlint_core::source::LineIndex;

/// A document's bytes with its line index: converts between byte offsets and positions.
pub struct Text<'a> {
    pub bytes: &'a [u8],
    pub index: &'a LineIndex,
}

impl Text<'_> {
    /// The LSP position of byte `offset` (clamped to the text).
    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.bytes.len());
        let line = self.index.line_of(offset as u32);
        let start = self.index.line_start(line) as usize;
        Position {
            line: line as u32,
            character: utf16_len(&self.bytes[start..offset]),
        }
    }

    pub fn range(&self, start: u32, end: u32) -> Range {
        Range {
            start: self.position(start),
            end: self.position(end),
        }
    }

    /// The byte offset of an LSP position: past the end of a line is its end, past the last
    /// line is the end of the text (clients may send either).
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        if line >= self.index.line_count() {
            return self.bytes.len();
        }
        let start = self.index.line_start(line) as usize;
        let end = if line + 1 < self.index.line_count() {
            self.index.line_start(line + 1) as usize
        } else {
            self.bytes.len()
        };
        let text = String::from_utf8_lossy(&self.bytes[start..end]);
        let mut units = 0u32;
        let mut bytes = 0usize;
        for c in text.chars() {
            if units >= pos.character || c == '\n' {
                break;
            }
            units += c.len_utf16() as u32;
            bytes += if c == char::REPLACEMENT_CHARACTER {
                // A replacement char stands for at least one raw byte; find how many.
                replaced_len(&self.bytes[start + bytes..end])
            } else {
                c.len_utf8()
            };
        }
        start + bytes
    }

    /// The line (without its newline) containing byte `offset`, and where it starts.
    pub fn line_at(&self, offset: usize) -> (usize, &[u8]) {
        let line = self.index.line_of(offset.min(self.bytes.len()) as u32);
        let start = self.index.line_start(line) as usize;
        let end = self.bytes[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(self.bytes.len(), |i| start + i);
        (start, &self.bytes[start..end])
    }
}

/// UTF-16 code units of `bytes` decoded lossily.
fn utf16_len(bytes: &[u8]) -> u32 {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| c.len_utf16() as u32)
        .sum()
}

/// How many raw bytes the lossy decoder replaced by the U+FFFD at the start of `bytes`
/// (the text may also hold a real U+FFFD, three bytes).
fn replaced_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => 3,
        Err(e) if e.valid_up_to() == 0 => e.error_len().unwrap_or(bytes.len()).max(1),
        Err(_) => 3,
    }
}

/// The local path a `file:` URI names (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<String> {
    let s = uri.as_str();
    let rest = s
        .strip_prefix("file://")
        .or_else(|| s.strip_prefix("FILE://"))?;
    // `file:///p` has an empty authority; `file://localhost/p` names this machine.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    Some(redlint_core::fs::normalize(&decoded))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `file:` URI of an absolute local path, percent-encoding all but unreserved characters.
pub fn path_to_uri(path: &str) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &[u8]) -> (Vec<u8>, LineIndex) {
        (s.to_vec(), LineIndex::new(s))
    }

    #[test]
    fn utf16_positions_round_trip_through_non_ascii() {
        // "é" is 2 bytes, 1 unit; "😀" is 4 bytes, 2 units.
        let (b, i) = text("port 1\n# é😀 x\nbind\n".as_bytes());
        let t = Text {
            bytes: &b,
            index: &i,
        };
        let x = "port 1\n# é😀 ".len() as u32;
        assert_eq!(t.position(x), Position::new(1, 6));
        assert_eq!(t.offset(Position::new(1, 6)), x as usize);
        assert_eq!(t.position(x + 1), Position::new(1, 7));
        // Past the end of the line stays on the line; past the last line is the end.
        assert_eq!(t.offset(Position::new(0, 99)), 6);
        assert_eq!(t.offset(Position::new(9, 0)), b.len());
    }

    #[test]
    fn invalid_utf8_counts_as_one_replacement_character() {
        let (b, i) = text(b"a\xff\xfeb c");
        let t = Text {
            bytes: &b,
            index: &i,
        };
        let pos = t.position(5);
        assert_eq!(pos, Position::new(0, 5));
        assert_eq!(t.offset(pos), 5);
    }

    #[test]
    fn uris_and_paths_convert_both_ways() {
        let uri = path_to_uri("/tmp/a b/é.conf").unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A9.conf");
        assert_eq!(uri_to_path(&uri).as_deref(), Some("/tmp/a b/é.conf"));
        let other = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&other), None);
        let host = Uri::from_str("file://localhost/etc/redis/redis.conf").unwrap();
        assert_eq!(uri_to_path(&host).as_deref(), Some("/etc/redis/redis.conf"));
    }
}
