//! What the security rules (`check::exposure`, `check::passwords`) look at: who can reach a
//! server and as which user ([`access`]), every password of the deployment with the principal
//! it belongs to ([`credentials`]), and how hard a password is to guess ([`strength`]).

pub mod access;
pub mod credentials;
pub mod listen;
pub mod strength;

use crate::model::{Directive, Workspace};
use crate::source::Span;

/// The decoded arguments of a directive line (the name excluded), with their spans.
pub(crate) fn args<'a>(ws: &'a Workspace, d: &Directive) -> Vec<(&'a [u8], Span)> {
    let (f, doc, l) = ws.conf_line(d.file, d.line);
    doc.tokens(l)
        .iter()
        .skip(1)
        .map(|t| (doc.value(&f.source.bytes, t), t.span))
        .collect()
}

/// The span of a whole directive line (its content, without the line break).
pub(crate) fn line_span(ws: &Workspace, d: &Directive) -> Span {
    let (_, _, l) = ws.conf_line(d.file, d.line);
    l.content
}

/// A value for a message, whole (not shortened); an empty value is shown as `""`.
pub(crate) fn show_full(value: &[u8]) -> String {
    if value.is_empty() {
        EMPTY.to_string()
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

/// How messages show an empty value: as Redis would write it.
pub(crate) const EMPTY: &str = "\"\"";

/// A value for a message: printable, short, never a secret (callers pass non-secrets only).
/// An empty value is shown as `""`, so a message never quotes nothing.
pub(crate) fn show(value: &[u8]) -> String {
    if value.is_empty() {
        return EMPTY.to_string();
    }
    let s = String::from_utf8_lossy(value);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.into_owned()
    }
}
