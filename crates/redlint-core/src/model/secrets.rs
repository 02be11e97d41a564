//! Where the secrets are, so that no output shows them unless asked to.

use super::{Kind, Syntax};
use crate::source::Span;

/// Directives whose arguments from the given index on are secrets.
fn secret_args(name: &[u8]) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    match lower.as_slice() {
        b"requirepass" | b"masterauth" | b"tls-key-file-pass" | b"tls-client-key-file-pass" => {
            Some(1)
        }
        _ => None,
    }
}

/// ACL rules that carry a password or a password hash.
pub fn is_secret_acl_rule(rule: &[u8]) -> bool {
    matches!(rule.first(), Some(b'>' | b'<' | b'#' | b'!'))
}

/// Helm values holding a secret: `auth.password`, `global.redis.password`, `*Password`.
pub fn is_secret_yaml_key(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    !last.contains("existing") && (last.contains("password") || last.contains("secret"))
}

pub fn find(kind: Kind, bytes: &[u8], syntax: &Syntax) -> Vec<Span> {
    let mut out = Vec::new();
    match syntax {
        Syntax::Conf(doc) => {
            for line in &doc.lines {
                let tokens = doc.tokens(line);
                let Some(first) = tokens.first() else {
                    continue;
                };
                let name = doc.value(bytes, first);
                if let Some(from) = secret_args(name) {
                    out.extend(tokens.iter().skip(from).map(|t| t.span));
                } else if name.eq_ignore_ascii_case(b"user") {
                    for t in tokens.iter().skip(2) {
                        let v = doc.value(bytes, t);
                        let v = v.strip_prefix(b"(").unwrap_or(v);
                        if is_secret_acl_rule(v) {
                            out.push(t.span);
                        }
                    }
                } else if name.eq_ignore_ascii_case(b"sentinel") && tokens.len() >= 2 {
                    let sub = doc.value(bytes, &tokens[1]).to_ascii_lowercase();
                    match sub.as_slice() {
                        b"auth-pass" => out.extend(tokens.iter().skip(3).map(|t| t.span)),
                        b"sentinel-pass" => out.extend(tokens.iter().skip(2).map(|t| t.span)),
                        _ => {}
                    }
                }
            }
        }
        Syntax::Acl(doc) => {
            for line in &doc.lines {
                for t in doc.tokens(line).iter().skip(2) {
                    let v = &bytes[t.range()];
                    let v = v.strip_prefix(b"(").unwrap_or(v);
                    if is_secret_acl_rule(v) {
                        out.push(*t);
                    }
                }
            }
        }
        Syntax::Yaml(doc) => out.extend(
            doc.entries
                .iter()
                .filter(|e| is_secret_yaml_key(&e.path) && !e.value.is_empty())
                .map(|e| e.span),
        ),
        Syntax::Sysctl(_) | Syntax::Text => {}
    }
    let _ = kind;
    out.sort_by_key(|s| s.start);
    out
}
