// The page's one door to the engine (crates/redlint-wasm, built into ./pkg by build-wasm.sh).
// Every call is JSON in, JSON out (docs/EMBEDDING.md); nothing here judges a config.
//
// Two modules: ./pkg/redlint_wasm* is everything the first findings need; the password-strength
// estimate (zxcvbn's dictionaries, most of the engine's size) is ./pkg/redlint_strength*, loaded
// by loadStrength(). Until it is in, RL401 weak-password does not fire and check/fix responses
// carry a `strength-pending` notice: call loadStrength() after the first findings show, then
// lint again. Rule pages are not in the module: rules() gives `page: null` and a `page_path`
// (rules/RLnnn.md) to fetch from the page's own origin.
import init, * as wasm from './pkg/redlint_wasm.js';

let ready = null;
let strength = null;

/** Loads the engine once; every other function awaits it. */
export function load() {
  ready ??= init({ module_or_path: new URL('./pkg/redlint_wasm_bg.wasm', import.meta.url) });
  return ready;
}

/**
 * Loads the password-strength module once and hands it to the engine; resolves when checks
 * judge password strength (lint again then: earlier responses said `strength-pending`).
 */
export function loadStrength() {
  strength ??= (async () => {
    await load();
    const judge = await import('./pkg/redlint_strength.js');
    await judge.default({
      module_or_path: new URL('./pkg/redlint_strength_bg.wasm', import.meta.url),
    });
    wasm.set_strength(judge);
  })();
  return strength;
}

function call(fn, request) {
  const out = JSON.parse(fn(JSON.stringify(request)));
  if (out.error) throw new Error(out.error);
  return out;
}

export async function check(request) { await load(); return call(wasm.check, request); }
export async function fix(request) { await load(); return call(wasm.fix, request); }
export async function generate(request) { await load(); return call(wasm.generate, request); }
export async function aclDryrun(request) { await load(); return call(wasm.acl_dryrun, request); }
export async function rules() { await load(); return JSON.parse(wasm.rules()); }
