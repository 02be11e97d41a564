//! The page's second wasm module: RL401 weak-password's estimate, which needs zxcvbn's
//! dictionaries (most of the engine's size). The page loads it after its first findings
//! (`loadStrength()` in `web/src/engine.js`) and hands it to the main module, whose judge
//! calls [`estimate`] through JavaScript; until then the main module's check responses carry a
//! `strength-pending` notice (docs/EMBEDDING.md, "Size").
//!
//! It runs the very same `redlint_core::security::strength::estimate` as the CLI, so the
//! verdicts do not depend on which build priced the password.

use redlint_core::security::strength;
use wasm_bindgen::prelude::wasm_bindgen;

/// log10 of the guesses a pattern-aware attack needs, then the counts of what the password is
/// made of (`Estimate::to_array`). `context`: the deployment's own words, lower-case.
#[wasm_bindgen]
pub fn estimate(password: &[u8], context: Vec<String>) -> Vec<f64> {
    strength::estimate(password, &context).to_array().to_vec()
}
