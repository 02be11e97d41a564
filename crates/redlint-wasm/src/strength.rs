//! RL401 weak-password's judge in the browser. zxcvbn's dictionaries are most of the engine's
//! size, so they live in a second wasm module (`crates/redlint-wasm/strength`) that the page
//! loads after its first findings and hands over with [`set_strength`]; until then the judge
//! has no answer, and the core says so with a `strength-pending` notice instead of judging.

use redlint_core::security::strength::{Estimate, Judge};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// The second module's namespace (`redlint_strength.js`), or any object with the same
    /// `estimate(password: Uint8Array, context: string[]) -> Float64Array`.
    pub type StrengthModule;

    #[wasm_bindgen(method)]
    fn estimate(this: &StrengthModule, password: &[u8], context: Vec<String>) -> Vec<f64>;
}

thread_local! {
    static MODULE: std::cell::RefCell<Option<StrengthModule>> = const { std::cell::RefCell::new(None) };
}

/// Give the loaded strength module to the engine: from now on RL401 prices passwords.
#[wasm_bindgen]
pub fn set_strength(module: StrengthModule) {
    MODULE.with(|m| *m.borrow_mut() = Some(module));
}

/// The judge of this build: in the browser, the strength module once given (none before).
#[cfg(target_arch = "wasm32")]
pub fn judge() -> Judge {
    Judge(bridged)
}

/// The judge of this build: natively (tests), the core's default.
#[cfg(not(target_arch = "wasm32"))]
pub fn judge() -> Judge {
    Judge::default()
}

/// Ask the strength module, when there is one.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn bridged(password: &[u8], context: &[String]) -> Option<Estimate> {
    let answer = MODULE.with(|m| {
        m.borrow()
            .as_ref()
            .map(|module| module.estimate(password, context.to_vec()))
    })?;
    Estimate::from_slice(&answer)
}
