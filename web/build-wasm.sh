#!/usr/bin/env bash
# Builds the engine for the page: redlint-wasm for wasm32 (profile `wasm`), wasm-bindgen's JS
# glue (--target web), then wasm-opt -Oz from npm's binaryen (never Debian's 108: its output
# fails in Chromium, see ../shared/design/WASM.md).
# Usage: web/build-wasm.sh OUTDIR     (OUTDIR gets redlint_wasm.js and redlint_wasm_bg.wasm, the
# first load, and redlint_strength.js + redlint_strength_bg.wasm, the password-strength module
# engine.js's loadStrength() loads later; see docs/EMBEDDING.md, "Size")
# Installs what is missing: the wasm32 target (rustup), wasm-bindgen-cli at the version in
# Cargo.lock (cargo install, no --locked: see WASM.md), binaryen (npm ci in web/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:?usage: web/build-wasm.sh OUTDIR}"
mkdir -p "$out"
fail() { printf 'build-wasm: %s\n' "$*" >&2; exit 1; }

rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown || fail "rustup target add wasm32-unknown-unknown"

want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$root/Cargo.lock")
[ -n "$want" ] || fail "no wasm-bindgen version in Cargo.lock"
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "build-wasm: installing wasm-bindgen-cli $want with cargo (a few minutes, once)" >&2
  cargo install -q wasm-bindgen-cli --version "$want" || fail "cargo install wasm-bindgen-cli $want"
fi

[ -x "$here/node_modules/.bin/wasm-opt" ] || (cd "$here" && npm ci --no-audit --no-fund) \
  || fail "npm ci in web/ (binaryen's wasm-opt)"

# One module per cargo run: built together, cargo would unify the core's features and put
# zxcvbn's dictionaries back into the first load.
for crate in redlint-wasm:redlint_wasm redlint-wasm-strength:redlint_strength; do
  pkg="${crate%%:*}" lib="${crate##*:}"
  (cd "$root" && cargo build -q -p "$pkg" --target wasm32-unknown-unknown --profile wasm) \
    || fail "cargo build -p $pkg --target wasm32-unknown-unknown --profile wasm"
  wasm-bindgen --target web --out-dir "$out" --no-typescript \
    "$root/target/wasm32-unknown-unknown/wasm/$lib.wasm" || fail "wasm-bindgen $lib"
  "$here/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/${lib}_bg.wasm" -o "$out/${lib}_bg.wasm" || fail "wasm-opt -Oz $lib"
  echo "build-wasm: $(du -h "$out/${lib}_bg.wasm" | cut -f1) $out/${lib}_bg.wasm" >&2
done
