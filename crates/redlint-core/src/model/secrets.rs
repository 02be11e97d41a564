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

/// ACL rules that carry a password or a password hash. A `#` word not followed by a hex
/// digit (`#`, `#note`) is a comment someone wrote, not a hash.
pub fn is_secret_acl_rule(rule: &[u8]) -> bool {
    match rule.first() {
        Some(b'>' | b'<' | b'!') => true,
        Some(b'#') => rule.get(1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// Helm values holding a secret: `auth.password`, `global.redis.password`, `*Password`.
pub fn is_secret_yaml_key(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    !last.contains("existing") && (last.contains("password") || last.contains("secret"))
}

/// Command-line flags of redis-cli and redis-server whose next word is a password.
const PASSWORD_FLAGS: &[&str] = &["-a", "--pass", "--requirepass", "--masterauth"];

/// A YAML scalar that carries a password among other words: an environment assignment of a
/// `*PASSWORD*`/`*PASS`/`*SECRET*` variable, or a command line with `-a`/`--requirepass`.
fn secret_in_words(value: &str) -> bool {
    let upper = value.to_ascii_uppercase();
    let env = upper.split_once('=').is_some_and(|(k, v)| {
        !v.is_empty() && (k.contains("PASSWORD") || k.ends_with("PASS") || k.contains("SECRET"))
    });
    let words: Vec<&str> = value.split_whitespace().collect();
    env || words.len() > 1
        && words[..words.len() - 1]
            .iter()
            .any(|w| PASSWORD_FLAGS.contains(w))
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
        Syntax::Yaml(doc) => {
            let mut after_flag = false;
            for e in &doc.entries {
                if is_secret_yaml_key(&e.path) && !e.value.is_empty() {
                    out.push(e.span);
                } else if after_flag || secret_in_words(&e.value) {
                    // `REDIS_PASSWORD=…`, `redis-cli -a …`, `--requirepass …`: the whole
                    // scalar (it may be a shell line).
                    out.push(e.span);
                }
                // The user name given with a password is hidden with it.
                after_flag = PASSWORD_FLAGS.contains(&e.value.as_str()) || e.value == "--user";
            }
        }
        Syntax::Sysctl(_) | Syntax::Text => {}
    }
    let _ = kind;
    out.sort_by_key(|s| s.start);
    out
}
