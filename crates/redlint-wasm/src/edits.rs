//! A fixed file as editor changes against the text the page sent.
//!
//! The page applies them as one editor transaction (CodeMirror's `{from, to, insert}`, offsets
//! in UTF-16 code units of the original text, as JavaScript strings count), which keeps the
//! cursor and the undo history, and the response never repeats text the user pasted: only
//! what the fixes insert.

use serde::Serialize;
use similar::{DiffTag, TextDiff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub from: usize,
    pub to: usize,
    pub insert: String,
}

/// The changes that turn `old` into `new`, sorted, not overlapping, all relative to `old`.
pub fn changes(old: &str, new: &str) -> Vec<Change> {
    let diff = TextDiff::from_chars(old, new);
    let old_offsets = utf16_offsets(old);
    let new_chars: Vec<char> = new.chars().collect();
    let mut out: Vec<Change> = Vec::new();
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        let change = Change {
            from: old_offsets[o.start],
            to: old_offsets[o.end],
            insert: new_chars[n].iter().collect(),
        };
        // A deletion next to an insertion is one replacement.
        match out.last_mut() {
            Some(last) if last.to == change.from => {
                last.to = change.to;
                last.insert.push_str(&change.insert);
            }
            _ => out.push(change),
        }
    }
    out
}

/// UTF-16 offset of each char index of `s`, plus one past the end.
fn utf16_offsets(s: &str) -> Vec<usize> {
    let mut out = Vec::with_capacity(s.len() + 1);
    let mut at = 0;
    for c in s.chars() {
        out.push(at);
        at += c.len_utf16();
    }
    out.push(at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the page does: apply the changes, last first, on a UTF-16 string.
    fn apply(old: &str, changes: &[Change]) -> String {
        let mut units: Vec<u16> = old.encode_utf16().collect();
        for c in changes.iter().rev() {
            units.splice(c.from..c.to, c.insert.encode_utf16());
        }
        String::from_utf16(&units).unwrap()
    }

    #[test]
    fn changes_rebuild_the_new_text_in_utf16_offsets() {
        let old = "# café 🚀\nbind 0.0.0.0/0\nport 6379\n";
        let new = "# café 🚀\nbind 127.0.0.1\nport 6379\nprotected-mode yes\n";
        let c = changes(old, new);
        assert_eq!(apply(old, &c), new);
        // The emoji counts two units, as in JavaScript.
        assert_eq!(c[0].from, "# café 🚀\nbind ".encode_utf16().count());
        assert!(changes(old, old).is_empty());
        assert_eq!(apply("", &changes("", "x\n")), "x\n");
    }
}
