//! Helm values files (YAML): the scalar values, each with its dotted path and where it is
//! written. Parsing is yaml-rust2's; this module only keeps what the Helm checks ask about.
//!
//! Not lossless like the other syntaxes: fixes never edit YAML, findings only point into it.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::source::Span;

/// Files larger than this are not analysed (Helm values are small; this bounds the work).
pub const MAX_BYTES: usize = 4 << 20;

#[derive(Debug, Clone, Default)]
pub struct YamlDocument {
    /// Scalars in document order: `auth.password`, `replica.replicaCount`, `a.list[0]`.
    pub entries: Vec<YamlEntry>,
    /// Why the file was not (completely) read, with the byte offset where parsing stopped.
    pub error: Option<(u32, String)>,
}

#[derive(Debug, Clone)]
pub struct YamlEntry {
    pub path: String,
    pub value: String,
    /// The value as written (a block scalar: its first line).
    pub span: Span,
    /// A `|`/`>` block scalar (embedded files such as a redis.conf).
    pub block: bool,
}

impl YamlDocument {
    pub fn get(&self, path: &str) -> Option<&YamlEntry> {
        self.entries.iter().find(|e| e.path == path)
    }
}

enum Frame {
    /// A mapping: the path of the key being read (None while waiting for a key).
    Map {
        prefix: String,
        key: Option<String>,
    },
    Seq {
        prefix: String,
        index: usize,
    },
}

/// Where a scalar starting at `start` ends in `text`: the end of a quoted string, or the end of
/// a plain scalar on its line (before a ` #` comment).
fn scalar_end(text: &str, start: usize, style: TScalarStyle) -> usize {
    let bytes = text.as_bytes();
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    match style {
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            let q = bytes[start];
            let mut i = start + 1;
            while i < line_end {
                if bytes[i] == b'\\' && q == b'"' {
                    i += 2;
                    continue;
                }
                if bytes[i] == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            line_end
        }
        _ => {
            let line = &text[start..line_end];
            let cut = line.find(" #").unwrap_or(line.len());
            start + line[..cut].trim_end().len()
        }
    }
}

fn child(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Parse a values file. Invalid UTF-8, oversized files and YAML errors give what was read
/// before the problem, plus the error.
pub fn parse(bytes: &[u8]) -> YamlDocument {
    let mut doc = YamlDocument::default();
    if bytes.len() > MAX_BYTES {
        doc.error = Some((
            0,
            format!("larger than {} MiB: not analysed", MAX_BYTES >> 20),
        ));
        return doc;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        doc.error = Some((0, "not valid UTF-8: not analysed".to_string()));
        return doc;
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(e) => e,
            Err(e) => {
                let at = e.marker().index().min(bytes.len());
                doc.error = Some((at as u32, e.info().to_string()));
                break;
            }
        };
        // The path a new value in the current container gets.
        let slot = |stack: &mut Vec<Frame>| -> Option<String> {
            match stack.last_mut()? {
                Frame::Map { prefix, key } => key.take().map(|k| child(prefix, &k)),
                Frame::Seq { prefix, index } => {
                    *index += 1;
                    Some(format!("{prefix}[{}]", *index - 1))
                }
            }
        };
        match event {
            Event::StreamEnd => break,
            Event::MappingStart(..) => {
                let prefix = if stack.is_empty() {
                    Some(String::new())
                } else {
                    slot(&mut stack)
                };
                stack.push(Frame::Map {
                    prefix: prefix.unwrap_or_default(),
                    key: None,
                });
            }
            Event::SequenceStart(..) => {
                let prefix = slot(&mut stack).unwrap_or_default();
                stack.push(Frame::Seq { prefix, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(value, style, ..) => {
                if let Some(Frame::Map { key: k @ None, .. }) = stack.last_mut() {
                    *k = Some(value);
                    continue;
                }
                let Some(path) = slot(&mut stack) else {
                    continue;
                };
                let start = mark.index().min(text.len());
                if !text.is_char_boundary(start) {
                    continue;
                }
                let block = matches!(style, TScalarStyle::Literal | TScalarStyle::Folded);
                let end = if block {
                    text[start..].find('\n').map_or(text.len(), |i| start + i)
                } else {
                    scalar_end(text, start, style)
                };
                doc.entries.push(YamlEntry {
                    path,
                    value,
                    span: Span::new(start, end.max(start)),
                    block,
                });
            }
            Event::Alias(_) => {
                let _ = slot(&mut stack);
            }
            _ => {}
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_values_and_spans() {
        let text = "architecture: replication\nauth:\n  enabled: true\n  password: \"changeme\" # x\nmaster:\n  resources:\n    limits:\n      memory: 2Gi\n  configuration: |\n    maxmemory 1gb\n    save \"\"\nlist:\n  - a\n  - 'b'\n";
        let doc = parse(text.as_bytes());
        assert!(doc.error.is_none(), "{:?}", doc.error);
        let at = |p: &str| {
            let e = doc
                .get(p)
                .unwrap_or_else(|| panic!("{p}: {:?}", doc.entries));
            (e.value.clone(), &text[e.span.range()])
        };
        assert_eq!(at("architecture"), ("replication".into(), "replication"));
        assert_eq!(at("auth.password"), ("changeme".into(), "\"changeme\""));
        assert_eq!(at("master.resources.limits.memory"), ("2Gi".into(), "2Gi"));
        assert_eq!(at("list[1]"), ("b".into(), "'b'"));
        let conf = doc.get("master.configuration").unwrap();
        assert!(conf.block && conf.value.starts_with("maxmemory 1gb\n"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for text in [
            &b"a: [1, 2"[..],
            b"\xff\xfe",
            b"key: value\n  bad indent: x\n",
            b"- - - - - - -",
            b"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
            b"&a [*a]",
        ] {
            let _ = parse(text);
        }
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).error.is_some());
    }
}
