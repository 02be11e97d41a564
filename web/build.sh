#!/usr/bin/env bash
# Builds the browser page into web/dist (index.html at its root) from a fresh checkout:
# npm ci (when node_modules is missing), the engine (build-wasm.sh → src/pkg), the rule pages
# (rules/RLnnn-*.md → dist/rules/RLnnn.md, fetched by the page when first needed), then Vite.
# Every step that fails says which one it was.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
fail() { printf 'web/build.sh: step "%s" failed\n' "$*" >&2; exit 1; }

cd "$here"
if [ ! -d node_modules ] || [ ! -x node_modules/.bin/vite ]; then
  npm ci --no-audit --no-fund || fail "npm ci in web/"
fi
./build-wasm.sh src/pkg || fail "engine (web/build-wasm.sh src/pkg)"
node_modules/.bin/vite build --logLevel warn || fail "vite build"

mkdir -p dist/rules || fail "mkdir dist/rules"
for page in "$root"/rules/RL[0-9][0-9][0-9]*.md; do
  name=$(basename "$page")
  cp "$page" "dist/rules/${name:0:5}.md" || fail "copy rule page $name"
done
[ -f dist/index.html ] || fail "vite build (no dist/index.html)"
echo "web/build.sh: built $here/dist" >&2
