//! Where a server listens: the winning `bind` line (or Redis 7.0's default `* -::*`), the
//! TCP and TLS ports and the Unix socket, each with the line it comes from.
//!
//! Redis 7.0.15 (`server.c: listenToPort`) binds every address of the last `bind` line on
//! `port` and again on `tls-port`; `*` is the IPv4 wildcard, `::*` the IPv6 one, a leading `-`
//! makes an address optional, and host names are resolved with `getaddrinfo`. An empty
//! `bind` (bare, or `bind ""`) and `port 0` mean no TCP listener. An address with a `/`
//! (a CIDR range) cannot be bound: Redis aborts at startup (reported by other rules), so it
//! is never counted as a listener here.

use std::net::IpAddr;

use super::args;
use crate::model::{Directive, Server, Workspace};
use crate::source::Span;

/// Redis' default ports.
pub const REDIS_PORT: u16 = 6379;
pub const SENTINEL_PORT: u16 = 26379;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrClass {
    /// 127.0.0.0/8, `::1`, `localhost`: only this host can connect.
    Loopback,
    /// `*`, `0.0.0.0`, `::`, `::*`: every interface of the host.
    Wildcard,
    /// One interface address or host name: whoever can route to it.
    Specific,
    /// Cannot be bound (a CIDR range): Redis aborts at startup.
    Invalid,
}

/// One address of a `bind` line.
#[derive(Debug, Clone)]
pub struct BindAddr {
    /// As written (a `-` prefix included); bind addresses are not secrets.
    pub text: String,
    /// The token; `None` for Redis' built-in default.
    pub span: Option<Span>,
    pub class: AddrClass,
    /// `-addr`: skipped when the address is not on any interface.
    pub optional: bool,
}

/// Classify a bind address as Redis would bind it.
pub fn classify(addr: &str) -> AddrClass {
    let a = addr.strip_prefix('-').unwrap_or(addr);
    if a == "*" || a == "::*" {
        return AddrClass::Wildcard;
    }
    if a.contains('/') || a.is_empty() {
        return AddrClass::Invalid;
    }
    if a.eq_ignore_ascii_case("localhost") || a.eq_ignore_ascii_case("localhost.localdomain") {
        return AddrClass::Loopback;
    }
    match a.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => AddrClass::Wildcard,
        Ok(ip) if ip.is_loopback() => AddrClass::Loopback,
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) if v4.is_loopback() => AddrClass::Loopback,
            Some(v4) if v4.is_unspecified() => AddrClass::Wildcard,
            _ => AddrClass::Specific,
        },
        _ => AddrClass::Specific,
    }
}

/// A numeric setting and the line it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Port {
    pub value: u16,
    /// The directive's value token, when a line sets it.
    pub at: Option<(crate::model::FileId, u32, Span)>,
}

/// Every listener of a server.
#[derive(Debug, Clone)]
pub struct Listeners {
    /// The winning `bind` line; `None` means Redis' default `* -::*`.
    pub bind: Option<Directive>,
    pub addrs: Vec<BindAddr>,
    pub port: Port,
    pub tls_port: Port,
    /// The winning non-empty `unixsocket` line.
    pub unixsocket: Option<Directive>,
}

impl Listeners {
    pub fn of(ws: &Workspace, server: &Server) -> Listeners {
        let bind = server.last("bind").cloned();
        let addrs = match &bind {
            Some(d) => args(ws, d)
                .into_iter()
                .filter(|(v, _)| !v.is_empty())
                .map(|(v, span)| {
                    let text = String::from_utf8_lossy(v).into_owned();
                    BindAddr {
                        class: classify(&text),
                        optional: text.starts_with('-'),
                        text,
                        span: Some(span),
                    }
                })
                .collect(),
            None => ["*", "-::*"]
                .iter()
                .map(|a| BindAddr {
                    text: a.to_string(),
                    span: None,
                    class: AddrClass::Wildcard,
                    optional: a.starts_with('-'),
                })
                .collect(),
        };
        let default_port = if server.sentinel {
            SENTINEL_PORT
        } else {
            REDIS_PORT
        };
        let unixsocket = server
            .last("unixsocket")
            .filter(|d| args(ws, d).first().is_some_and(|(v, _)| !v.is_empty()))
            .cloned();
        Listeners {
            bind,
            addrs,
            port: port(ws, server, "port", default_port),
            tls_port: port(ws, server, "tls-port", 0),
            unixsocket,
        }
    }

    /// Any TCP listener at all (plain or TLS) on an address Redis can bind.
    pub fn tcp(&self) -> bool {
        (self.port.value != 0 || self.tls_port.value != 0)
            && self.addrs.iter().any(|a| a.class != AddrClass::Invalid)
    }

    /// Addresses other hosts may connect to (wildcards and interface addresses).
    pub fn remote_addrs(&self) -> impl Iterator<Item = &BindAddr> {
        let tcp = self.tcp();
        self.addrs
            .iter()
            .filter(move |a| tcp && matches!(a.class, AddrClass::Wildcard | AddrClass::Specific))
    }

    /// Other hosts can open a TCP connection.
    pub fn remote(&self) -> bool {
        self.remote_addrs().next().is_some()
    }

    /// The wildcard addresses (every interface), when there is a TCP listener.
    pub fn wildcards(&self) -> impl Iterator<Item = &BindAddr> {
        self.remote_addrs()
            .filter(|a| a.class == AddrClass::Wildcard)
    }

    /// The ports other hosts reach, for messages: `port 6379`, `TLS port 6380`.
    pub fn ports_text(&self) -> String {
        let mut parts = Vec::new();
        if self.port.value != 0 {
            parts.push(format!("port {}", self.port.value));
        }
        if self.tls_port.value != 0 {
            parts.push(format!("TLS port {}", self.tls_port.value));
        }
        parts.join(" and ")
    }
}

fn port(ws: &Workspace, server: &Server, name: &str, default: u16) -> Port {
    let Some(d) = server.last(name) else {
        return Port {
            value: default,
            at: None,
        };
    };
    let a = args(ws, d);
    let Some((v, span)) = a.first() else {
        return Port {
            value: default,
            at: None,
        };
    };
    // An invalid number is fatal (other rules); judge the default meanwhile.
    let value = std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(default);
    Port {
        value,
        at: Some((d.file, d.line, *span)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for (a, c) in [
            ("127.0.0.1", AddrClass::Loopback),
            ("127.0.1.1", AddrClass::Loopback),
            ("-::1", AddrClass::Loopback),
            ("::1", AddrClass::Loopback),
            ("localhost", AddrClass::Loopback),
            ("::ffff:127.0.0.1", AddrClass::Loopback),
            ("*", AddrClass::Wildcard),
            ("-::*", AddrClass::Wildcard),
            ("0.0.0.0", AddrClass::Wildcard),
            ("::", AddrClass::Wildcard),
            ("10.0.0.5", AddrClass::Specific),
            ("fe80::1%eth0", AddrClass::Specific),
            ("redis.internal", AddrClass::Specific),
            ("10.0.0.0/8", AddrClass::Invalid),
        ] {
            assert_eq!(classify(a), c, "{a}");
        }
    }
}
