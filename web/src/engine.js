// The page's one door to the engine (crates/redlint-wasm, built into ./pkg by build-wasm.sh).
// Every call is JSON in, JSON out (docs/EMBEDDING.md); nothing here judges a config.
import init, * as wasm from './pkg/redlint_wasm.js';

let ready = null;

/** Loads the engine once; every other function awaits it. */
export function load() {
  ready ??= init();
  return ready;
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
