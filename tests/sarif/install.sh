#!/usr/bin/env bash
# Installs Microsoft's SARIF validator (@microsoft/sarif-multitool, npm) into
# tests/sarif/node_modules when it is missing. Used by tests/sarif/run.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/node_modules/.bin/sarif-multitool" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "tests/sarif: npm is missing (apt-get install npm)" >&2; exit 1; }
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
