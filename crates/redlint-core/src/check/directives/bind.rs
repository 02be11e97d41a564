//! RL007: `bind` addresses Redis can never listen on. The parser takes any words (up to 16);
//! at startup each address is resolved with `getaddrinfo` (IPv6 when it contains `:`) and
//! bound, and any failure other than "address not available here" on a `-`-optional
//! address aborts the server (`server.c: listenToPort`). CIDR ranges, `host:port`, empty
//! words and the same address twice fail on every host.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::display;
use crate::check::Diagnostic;
use crate::knowledge::directives::cstr;
use crate::model::FileId;
use crate::rules;
use crate::source::Span;
use crate::syntax::conf::{self, Token};

/// What an address binds, for spotting two listens on the same socket address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Socket {
    AnyV4,
    V4(Ipv4Addr),
    AnyV6,
    V6(Ipv6Addr, String),
}

impl Socket {
    fn v6(&self) -> bool {
        matches!(self, Socket::AnyV6 | Socket::V6(..))
    }
    /// On every Linux host: loopback and wildcards are always there to be bound.
    fn always_local(&self) -> bool {
        match self {
            Socket::AnyV4 | Socket::AnyV6 => true,
            Socket::V4(a) => a.is_loopback(),
            Socket::V6(a, _) => a.is_loopback(),
        }
    }
}

/// Why an address can never be listened on, if that is so.
fn impossible(addr: &[u8]) -> Option<(String, String)> {
    let shown = display(addr);
    let port_help = "bind takes only addresses; the port is set by `port`".to_string();
    if addr.is_empty() {
        return Some((
            "an empty bind address cannot be resolved".to_string(),
            "remove the empty word (a lone `bind \"\"` means: no TCP listener at all)".to_string(),
        ));
    }
    if addr.contains(&b'/') {
        return Some((
            format!("`{shown}` is a CIDR range or a path, but bind takes the addresses of this host's own interfaces"),
            "list this host's interface addresses, e.g. `bind 127.0.0.1 10.0.4.7`; to limit which clients may connect, use a firewall, `protected-mode`, passwords or ACLs".to_string(),
        ));
    }
    if addr.contains(&b':') {
        if addr == b"::*" || parse_v6(addr).is_some() {
            return None;
        }
        let text = String::from_utf8_lossy(addr);
        if let Some((host, port)) = text.rsplit_once(':') {
            if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) {
                return Some((
                    format!("`{shown}` is `host:port`, which is not an address"),
                    port_help,
                ));
            }
        }
        return Some((
            format!(
                "`{shown}` contains `:` so Redis binds it as IPv6, but it is not an IPv6 address"
            ),
            "write an IPv6 address such as `::1`, or an IPv4 address without a port".to_string(),
        ));
    }
    if addr == b"*" {
        return None;
    }
    if let Some(bad) = addr
        .iter()
        .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
    {
        let what = if addr.starts_with(b"{{")
            || addr.starts_with(b"${")
            || addr.starts_with(b"$")
            || addr.starts_with(b"%")
        {
            "an unfilled template placeholder".to_string()
        } else {
            format!(
                "not an address or host name (`{}` cannot appear in one)",
                display(&[*bad])
            )
        };
        return Some((
            format!("`{shown}` is {what}"),
            "write an interface address of this host, e.g. `127.0.0.1`".to_string(),
        ));
    }
    None
}

fn parse_v6(addr: &[u8]) -> Option<(Ipv6Addr, String)> {
    let text = std::str::from_utf8(addr).ok()?;
    let (ip, scope) = text.split_once('%').unwrap_or((text, ""));
    let a = ip.parse::<Ipv6Addr>().ok()?;
    // A scope (`%eth0`) is resolved only for link-local addresses (fe80::/10).
    if !scope.is_empty() && (a.segments()[0] & 0xffc0) != 0xfe80 {
        return None;
    }
    Some((a, scope.to_string()))
}

fn socket(addr: &[u8]) -> Option<Socket> {
    if addr.contains(&b':') {
        if addr == b"::*" {
            return Some(Socket::AnyV6);
        }
        let (a, scope) = parse_v6(addr)?;
        return Some(if a.is_unspecified() {
            Socket::AnyV6
        } else {
            Socket::V6(a, scope)
        });
    }
    if addr == b"*" {
        return Some(Socket::AnyV4);
    }
    if addr.eq_ignore_ascii_case(b"localhost") {
        return Some(Socket::V4(Ipv4Addr::LOCALHOST));
    }
    let a: Ipv4Addr = std::str::from_utf8(addr).ok()?.parse().ok()?;
    Some(if a.is_unspecified() {
        Socket::AnyV4
    } else {
        Socket::V4(a)
    })
}

/// The words of a `bind` line with their spans. One non-empty argument is re-split
/// (`bind "127.0.0.1 ::1"`); its words point at it. `bind ""` has none (no TCP listener).
fn addresses(tokens: &[Token], vals: &[&[u8]]) -> Vec<(Vec<u8>, Span)> {
    if vals.len() == 2 && !vals[1].is_empty() {
        conf::split_value(cstr(vals[1]))
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a, tokens[1].span))
            .collect()
    } else if vals.len() == 2 {
        Vec::new()
    } else {
        vals[1..]
            .iter()
            .zip(&tokens[1..])
            .map(|(v, t)| (v.to_vec(), t.span))
            .collect()
    }
}

/// The host names of a `bind` line (not addresses, wildcards or `localhost`, nor words that
/// can never be bound, which RL007 reports): resolved with `getaddrinfo` at startup.
pub(super) fn host_names(tokens: &[Token], vals: &[&[u8]]) -> Vec<(String, Span)> {
    addresses(tokens, vals)
        .into_iter()
        .filter_map(|(raw, span)| {
            let addr = cstr(raw.strip_prefix(b"-").unwrap_or(&raw)).to_vec();
            let name = (impossible(&addr).is_none()
                && socket(&addr).is_none()
                && !addr.eq_ignore_ascii_case(b"localhost"))
            .then(|| String::from_utf8_lossy(&addr).into_owned())?;
            Some((name, span))
        })
        .collect()
}

/// Check the addresses of a `bind` line the parser accepted.
pub(super) fn check_line(id: FileId, tokens: &[Token], vals: &[&[u8]], out: &mut Vec<Diagnostic>) {
    let owned = addresses(tokens, vals);
    let addrs: Vec<(&[u8], Span)> = owned.iter().map(|(a, s)| (a.as_slice(), *s)).collect();
    let mut seen: HashMap<Socket, (bool, Span)> = HashMap::new();
    let mut any_v4: Option<(bool, Span)> = None;
    let mut others_v4: Vec<(bool, Span, bool)> = Vec::new(); // (optional, span, always local)
    for (raw, span) in addrs {
        let optional = raw.first() == Some(&b'-');
        let addr = cstr(if optional { &raw[1..] } else { raw });
        if let Some((why, help)) = impossible(addr) {
            out.push(
                Diagnostic::new(
                    &rules::BIND_CIDR,
                    id,
                    span,
                    format!("{why}: Redis aborts at startup (`Could not create server TCP listening socket {}:<port>: Name or service not known`)", display(addr)),
                )
                .fatal()
                .help(help),
            );
            continue;
        }
        let Some(sock) = socket(addr) else { continue };
        if let Some((first_optional, first_span)) = seen.get(&sock).copied() {
            // The second listen on the same address fails with EADDRINUSE, or (when the
            // address is not on this host) the non-optional one fails with EADDRNOTAVAIL.
            if sock.always_local() || !(optional && first_optional) {
                out.push(
                    Diagnostic::new(
                        &rules::BIND_CIDR,
                        id,
                        span,
                        format!("`{}` is bound twice: the second listen fails (`Address already in use`) and Redis aborts at startup", display(addr)),
                    )
                    .fatal()
                    .related(id, first_span, "first bound here")
                    .help("list each address once"),
                );
            }
            continue;
        }
        seen.insert(sock.clone(), (optional, span));
        if !sock.v6() {
            if sock == Socket::AnyV4 {
                any_v4 = Some((optional, span));
            } else {
                others_v4.push((optional, span, sock.always_local()));
            }
        }
    }
    // The IPv4 wildcard and any specific IPv4 address of this host collide on the port.
    if let Some((_, any_span)) = any_v4 {
        for (optional, span, local) in others_v4 {
            if local || !optional {
                out.push(
                    Diagnostic::new(
                        &rules::BIND_CIDR,
                        id,
                        span,
                        "the IPv4 wildcard is bound too: listening on this address as well fails (`Address already in use`) and Redis aborts at startup",
                    )
                    .fatal()
                    .related(id, any_span, "the wildcard (all IPv4 addresses)")
                    .help("bind either `*`/`0.0.0.0` alone, or the specific addresses"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_addresses() {
        assert!(impossible(b"10.0.0.0/8").is_some());
        assert!(impossible(b"127.0.0.1:6379").is_some());
        assert!(impossible(b"").is_some());
        assert!(impossible(b"#").is_some());
        assert!(impossible(b"{{ ip }}").is_some());
        assert!(impossible(b"fe80::1%eth0").is_none());
        assert!(impossible(b"::1%lo").is_some());
        assert!(impossible(b"[::1]").is_some());
        assert!(impossible(b"::1:6379").is_none());
        assert!(impossible(b"::*").is_none());
        assert!(impossible(b"*").is_none());
        assert!(impossible(b"localhost").is_none());
        assert!(impossible(b"redis-master.local").is_none());
        assert!(impossible(b"::1").is_none());
    }
}
