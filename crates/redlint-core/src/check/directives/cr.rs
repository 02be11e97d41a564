//! RL026: lines ended by a carriage return alone (classic Mac OS line endings). Redis splits
//! the file on `\n` only and reads `\r` as a space between arguments (`sdssplitargs` uses
//! `isspace`), so the lines an editor shows between two newlines are one line to Redis: the
//! first directive gets every following line as more arguments, or, when that first line is a
//! comment, every setting after it is silently ignored.

use crate::check::{Context, Diagnostic};
use crate::model::FileId;
use crate::rules;
use crate::source::Span;
use crate::syntax::conf::LineKind;

/// Report each line (as Redis splits them) that holds more than one line as an editor shows
/// them. Other checks judge what Redis reads; this one says why it reads that.
pub(super) fn check_file(ctx: &Context<'_>, id: FileId, out: &mut Vec<Diagnostic>) {
    let f = ctx.ws.file(id);
    let Some(doc) = f.conf() else { return };
    let bytes = &f.source.bytes;
    for l in &doc.lines {
        let content = &bytes[l.content.range()];
        // Only a `\r` with more text after it on the same line joins lines; a trailing one
        // (CRLF files) is trimmed by Redis.
        let Some(cr) = content.iter().position(|&b| b == b'\r') else {
            continue;
        };
        let shown = content
            .split(|&b| b == b'\r')
            .filter(|s| !s.iter().all(u8::is_ascii_whitespace))
            .count();
        if shown < 2 {
            continue;
        }
        let at = l.content.start as usize + cr;
        let first = String::from_utf8_lossy(&content[..cr]).trim().to_string();
        let consequence = if l.kind == LineKind::Comment {
            "it starts with a comment, so Redis ignores all of them: every setting after the first line is silently lost, and Redis runs with its defaults for them".to_string()
        } else {
            let name = first.split_whitespace().next().unwrap_or_default();
            let name = crate::security::show(name.as_bytes());
            format!("Redis reads one `{name}` line with all the others as its arguments")
        };
        out.push(
            Diagnostic::new(
                &rules::CR_LINE_ENDINGS,
                id,
                Span::new(at, at + 1),
                format!(
                    "lines end with a carriage return alone (classic Mac OS line endings): Redis splits lines on `\\n` only, so these {shown} lines are one line to it; {consequence}"
                ),
            )
            .help("convert the file to Unix line endings (`\\n`), e.g. `tr '\\r' '\\n' < redis.conf > redis.conf.new`; CRLF (Windows) endings are fine"),
        );
    }
}
