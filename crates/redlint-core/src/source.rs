//! Source files, byte spans and the line/column index.
//!
//! Every position redlint reports is a byte span into the original bytes of a file; line and
//! column (1-based, column counted in characters) are derived from it only when a finding is
//! rendered. Invalid UTF-8 bytes count as one character each.

use serde::Serialize;

/// A half-open byte range `start..end` into one file's bytes.
///
/// `u32` keeps the per-token cost low on very large files; inputs above 4 GiB are refused
/// before parsing (see [`MAX_FILE_SIZE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The largest file redlint parses. Redis itself has no limit, but every span is a `u32`.
pub const MAX_FILE_SIZE: usize = u32::MAX as usize;

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Offsets of line starts, built once per file in one pass over its bytes.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex { starts }
    }

    /// Line (0-based index) containing the byte `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.starts[line]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, bytes: &[u8], offset: u32) -> Position {
        let offset = offset.min(bytes.len() as u32);
        let line = self.line_of(offset);
        let start = self.starts[line] as usize;
        let column = char_count(&bytes[start..offset as usize]) + 1;
        Position {
            line: line as u32 + 1,
            column: column as u32,
        }
    }
}

/// Number of characters in `bytes`, counting each invalid UTF-8 byte as one character.
pub fn char_count(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => return count + s.chars().count(),
            Err(e) => {
                let valid = e.valid_up_to();
                // SAFETY-free: `valid` bytes are valid UTF-8 by construction of the error.
                count += std::str::from_utf8(&rest[..valid]).map_or(valid, |s| s.chars().count());
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                count += bad;
                rest = &rest[valid + bad..];
            }
        }
    }
}

/// One file as redlint sees it: the path it is reported under, and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path for display, as given by the user (joined with the path inside a walked directory).
    pub path: String,
    pub bytes: Vec<u8>,
    pub index: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> SourceFile {
        let index = LineIndex::new(&bytes);
        SourceFile {
            path: path.into(),
            bytes,
            index,
        }
    }
    pub fn text(&self, span: Span) -> &[u8] {
        &self.bytes[span.range()]
    }
    pub fn position(&self, offset: u32) -> Position {
        self.index.position(&self.bytes, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_invalid_bytes() {
        let mut bytes = "ab\nçd".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xffe\xffz");
        let idx = LineIndex::new(&bytes);
        assert_eq!(idx.position(&bytes, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(&bytes, 3), Position { line: 2, column: 1 });
        // "ç" is two bytes, one character
        assert_eq!(idx.position(&bytes, 5), Position { line: 2, column: 2 });
        let z = bytes.len() as u32 - 1;
        assert_eq!(idx.position(&bytes, z).column, 6);
    }
}
