//! A fixed file as editor changes against the text the page sent.
//!
//! The page applies them as one editor transaction (CodeMirror's `{from, to, insert}`, offsets
//! in UTF-16 code units of the original text, as JavaScript strings count), which keeps the
//! cursor and the undo history, and the response never repeats text the user pasted: only
//! what the fixes insert.

use std::collections::HashMap;

use redlint_core::model::Workspace;
use serde::Serialize;
use serde_json::Value;
use similar::{DiffTag, TextDiff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub from: usize,
    pub to: usize,
    pub insert: String,
}

/// The changes that turn `old` into `new`, sorted, not overlapping, all relative to `old`.
///
/// Lines are diffed as the core's fix diff does (one diff routine in the build, which keeps
/// the browser module small), then each changed block is narrowed to the characters that
/// differ, so an edit inside a line stays inside it.
pub fn changes(old: &str, new: &str) -> Vec<Change> {
    let diff = TextDiff::from_lines(old, new);
    let old_at = line_starts(|i| diff.old_slice(i).map(|l| l.len()));
    let new_at = line_starts(|i| diff.new_slice(i).map(|l| l.len()));
    let old16 = Utf16::of(old);
    let mut out: Vec<Change> = Vec::new();
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        let (mut a, mut b) = (old_at[o.start], old_at[o.end]);
        let (mut c, mut d) = (new_at[n.start], new_at[n.end]);
        let prefix = common_prefix(&old[a..b], &new[c..d]);
        a += prefix;
        c += prefix;
        let suffix = common_suffix(&old[a..b], &new[c..d]);
        b -= suffix;
        d -= suffix;
        let change = Change {
            from: old16.at(old, a),
            to: old16.at(old, b),
            insert: new[c..d].to_string(),
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

/// Byte offset where each line starts, plus one past the last; `len(i)` is line `i`'s length.
fn line_starts(len: impl Fn(usize) -> Option<usize>) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    while let Some(l) = len(out.len() - 1) {
        at += l;
        out.push(at);
    }
    out
}

/// Bytes of the longest common prefix of `a` and `b`, whole characters only.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
        .min(b.len())
}

/// Bytes of the longest common suffix of `a` and `b`, whole characters only.
fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Byte offsets to UTF-16 offsets (JavaScript's string indices) for one text: the identity
/// for ASCII, else a table built once.
enum Utf16 {
    Ascii,
    Table(Vec<usize>),
}

impl Utf16 {
    fn of(text: &str) -> Utf16 {
        if text.is_ascii() {
            return Utf16::Ascii;
        }
        let mut table = vec![0; text.len() + 1];
        let mut units = 0;
        for (i, ch) in text.char_indices() {
            // Inside a character (never asked for: edits cut at characters) counts as its start.
            table[i..i + ch.len_utf8()].fill(units);
            units += ch.len_utf16();
        }
        table[text.len()] = units;
        Utf16::Table(table)
    }

    fn at(&self, text: &str, byte: usize) -> usize {
        match self {
            Utf16::Ascii => byte.min(text.len()),
            Utf16::Table(t) => t[byte.min(text.len())],
        }
    }
}

/// Give every fix edit of the findings (`[{fix: {edits: [{file, start, end}]}}]`, byte
/// offsets) its `from16`/`to16`: the same place in UTF-16 code units of that file's text, so
/// the page's editor applies a quick fix exactly on non-ASCII text. An edit of a file the
/// workspace does not have keeps its byte offsets only.
pub fn add_utf16_offsets(findings: &mut Value, ws: &Workspace) {
    let mut texts: HashMap<String, (String, Utf16)> = HashMap::new();
    for id in ws.ids() {
        let source = &ws.file(id).source;
        let text = String::from_utf8_lossy(&source.bytes).into_owned();
        let table = Utf16::of(&text);
        texts.entry(source.path.clone()).or_insert((text, table));
    }
    let Some(findings) = findings.as_array_mut() else {
        return;
    };
    for finding in findings {
        let Some(edits) = finding
            .pointer_mut("/fix/edits")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for edit in edits {
            let file = edit["file"].as_str().unwrap_or_default();
            let Some((text, table)) = texts.get(file) else {
                continue;
            };
            for (bytes, units) in [("start", "from16"), ("end", "to16")] {
                if let Some(b) = edit[bytes].as_u64() {
                    edit[units] = Value::from(table.at(text, b as usize) as u64);
                }
            }
        }
    }
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
        // An edit inside a line stays inside it, after a non-ASCII line.
        assert_eq!(
            c[0],
            Change {
                from: "# café 🚀\nbind ".encode_utf16().count(),
                to: "# café 🚀\nbind 0.0.0.0/0".encode_utf16().count(),
                insert: "127.0.0.1".into()
            }
        );
        let old = "user ä on\n";
        let new = "user ä off\n";
        assert_eq!(apply(old, &changes(old, new)), new);
        assert_eq!(apply("", &changes("", "x\n")), "x\n");
    }
}
