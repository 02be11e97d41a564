//! The directive table of Redis 7.0.15 (`rules/redis-7.0/directives.json`).
//!
//! PLACEHOLDER until the table lands: only what the model needs (canonical names and which
//! directives may repeat).

use std::borrow::Cow;

/// Directives whose repeated lines accumulate instead of the last one winning.
const MULTI_VALUED: &[&str] = &[
    "save",
    "include",
    "rename-command",
    "loadmodule",
    "user",
    "client-output-buffer-limit",
    "sentinel",
];

/// The primary, lower-case name of a directive as Redis dispatches it (aliases resolved).
pub fn canonical_name(name: &[u8]) -> Cow<'static, str> {
    Cow::Owned(String::from_utf8_lossy(name).to_ascii_lowercase())
}

/// True if repeated lines of this (canonical) directive accumulate rather than override.
pub fn is_multi_valued(canonical: &str) -> bool {
    MULTI_VALUED.contains(&canonical) || canonical.contains('.')
}
