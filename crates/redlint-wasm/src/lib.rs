//! redlint for the browser page: JSON in, JSON out, over the very same engine as the CLI.
//!
//! No rule logic lives here: every function parses a request, calls `redlint-core`, and
//! serialises what it returned. The logic is in plain Rust functions ([`check_json`],
//! [`fix_json`], ...) that the `#[wasm_bindgen]` exports below only forward to, so it is tested
//! natively (`cargo test -p redlint-wasm`). The request and response shapes are described in
//! `docs/EMBEDDING.md`.
//!
//! Nothing here reads a disk: the pasted files are a [`redlint_core::fs::MemoryFs`] covering
//! the files' directories, so a reference outside them is a `reference-not-checked` notice,
//! and the run is always off-host (a browser is not where Redis runs).

mod api;
mod edits;
mod strength;

pub use api::{
    acl_dryrun_json, check_json, check_json_judged, fix_json, fix_json_judged, generate_json,
    rules_json,
};
pub use strength::{set_strength, StrengthModule};

use wasm_bindgen::prelude::wasm_bindgen;

/// Lint the pasted files: `{files, host?, redis_build?, select?, ignore?, config?,
/// show_secrets?}` → `{version, findings, summary, notices}` or `{error}`.
#[wasm_bindgen]
pub fn check(request: &str) -> String {
    check_json(request)
}

/// Apply fixes (safe ones; unsafe ones too with `unsafe_fixes`): → `{version, applied, files,
/// diff, findings, summary, notices}` or `{error}`.
#[wasm_bindgen]
pub fn fix(request: &str) -> String {
    fix_json(request)
}

/// Generate a deployment from `{profile?, options?}`; passwords come from the browser's
/// `crypto.getRandomValues`.
#[wasm_bindgen]
pub fn generate(request: &str) -> String {
    let mut failure = None;
    let mut random = |buf: &mut [u8]| {
        if let Err(e) = getrandom::fill(buf) {
            failure = Some(e.to_string());
        }
    };
    let out = generate_json(request, &mut random);
    match failure {
        // Never hand out passwords made without randomness.
        Some(e) => api::error(&format!(
            "the browser's random number generator failed: {e}"
        )),
        None => out,
    }
}

/// Every rule: code, name, category, severity, host check, fix, `page_path`; `page` is
/// `null` in the browser build (the page fetches `page_path` from its own origin).
#[wasm_bindgen]
pub fn rules() -> String {
    rules_json()
}

/// Redis 7.0's `ACL DRYRUN` for a user of the pasted files, offline.
#[wasm_bindgen]
pub fn acl_dryrun(request: &str) -> String {
    acl_dryrun_json(request)
}
