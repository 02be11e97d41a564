//! What redlint knows about Redis 7.0 and Linux, loaded from the data files in `rules/`.

pub mod commands;
pub mod directives;
pub mod sysctl_keys;
