//! RL011: NUL bytes. Redis reads a config file with `fgets` into a 1025-byte buffer and
//! appends each chunk with `sdscat`, a C-string concatenation: a NUL cuts the rest of its
//! chunk off (up to and including the newline, for short lines), so the next line is glued
//! onto this one (`maxmemory 2mb\0junk\ntimeout 5` is read as `maxmemory 2mbtimeout 5`).
//! We rebuild the text Redis really parses, and ask the line verdict about the lines the NUL
//! changed: fatal only when Redis refuses one of them.

use super::{display, line_context, values};
use crate::check::{Context, Diagnostic};
use crate::knowledge::directives::line;
use crate::model::{FileId, Kind};
use crate::rules;
use crate::source::Span;
use crate::syntax::conf::{self, LineKind};

/// `CONFIG_READ_LEN`: fgets reads at most this many bytes per call.
const CHUNK: usize = 1024;

/// Report the NUL bytes of a file; returns the (sorted) indices of the physical lines whose
/// meaning they change, which the other line checks then leave alone.
pub(super) fn check_file(ctx: &Context<'_>, id: FileId, out: &mut Vec<Diagnostic>) -> Vec<u32> {
    let f = ctx.ws.file(id);
    let bytes = &f.source.bytes;
    if !bytes.contains(&0) {
        return Vec::new();
    }
    let index = &f.source.index;
    // The text Redis parses, with the source offset of every byte kept.
    let mut text: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut origin: Vec<u32> = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    while pos < bytes.len() {
        let limit = (pos + CHUNK).min(bytes.len());
        let end = bytes[pos..limit]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(limit, |i| pos + i + 1);
        let chunk = &bytes[pos..end];
        let keep = chunk.iter().position(|&b| b == 0).unwrap_or(chunk.len());
        text.extend_from_slice(&chunk[..keep]);
        origin.extend((pos..pos + keep).map(|o| o as u32));
        pos = end;
    }
    let nul_lines: Vec<usize> = {
        let mut v: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == 0)
            .map(|(i, _)| index.line_of(i as u32))
            .collect();
        v.dedup();
        v
    };
    // Effective lines touched by a NUL: any that contains bytes of a NUL line, or that
    // spans more than one physical line.
    let cx = line_context(ctx, f.kind == Kind::Sentinel);
    let mut affected: Vec<u32> = nul_lines.iter().map(|l| *l as u32).collect();
    let mut refused: Vec<(usize, usize, String, String)> = Vec::new(); // (first and last physical line, effective line, why)
    let mut start = 0;
    while start < text.len() {
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| start + i);
        if end > start {
            let first = index.line_of(origin[start]);
            let last = index.line_of(origin[end - 1]);
            let touched = first != last || nul_lines.binary_search(&first).is_ok();
            if touched {
                affected.extend((first..=last).map(|l| l as u32));
                let eff = &text[start..end];
                if let Some(why) = effective_refusal(eff, &cx) {
                    refused.push((first, last, display(eff), why));
                }
            }
        }
        start = end + 1;
    }
    affected.sort_unstable();
    affected.dedup();
    for l in &nul_lines {
        let line_start = index.line_start(*l) as usize;
        let at = bytes[line_start..]
            .iter()
            .position(|&b| b == 0)
            .map_or(line_start, |i| line_start + i);
        let span = Span::new(at, at + 1);
        let secret = f
            .secrets
            .iter()
            .any(|s| index.line_of(s.start) == *l || index.line_of(s.start) == *l + 1);
        let verdict = refused
            .iter()
            .find(|(first, last, _, _)| (*first..=*last).contains(l));
        let head = "NUL byte: Redis reads the file as C strings, so the rest of this line is lost and the next line is glued onto it";
        let d = match verdict {
            Some((_, _, eff, why)) => {
                let shown = if secret {
                    String::new()
                } else {
                    format!(" `{eff}`")
                };
                Diagnostic::new(
                    &rules::NUL_BYTE,
                    id,
                    span,
                    format!("{head}; Redis reads{shown} and refuses to start (`{why}`)"),
                )
                .fatal()
            }
            None => Diagnostic::new(
                &rules::NUL_BYTE,
                id,
                span,
                format!("{head}; Redis accepts what it reads, but not what the file shows"),
            ),
        };
        out.push(d.help("remove the NUL byte (the file was probably saved in UTF-16 or damaged); config files are plain text"));
    }
    affected
}

/// Why Redis refuses one effective line, if it does.
fn effective_refusal(eff: &[u8], cx: &line::LineContext) -> Option<String> {
    let doc = conf::parse(eff);
    let l = doc.lines.first()?;
    match l.kind {
        LineKind::UnbalancedQuotes => Some("Unbalanced quotes in configuration line".to_string()),
        LineKind::Directive => {
            let vals = values(&doc, eff, doc.tokens(l));
            if crate::knowledge::directives::cstr(vals[0]).eq_ignore_ascii_case(b"sentinel")
                && vals.len() > 1
            {
                // Queued for Sentinel (or refused outside it): the Sentinel checks decide.
                return (!cx.sentinel)
                    .then(|| "sentinel directive while not in sentinel mode".to_string());
            }
            line::verdict(&vals, cx).err().map(|e| e.redis)
        }
        _ => None,
    }
}
