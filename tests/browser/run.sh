#!/usr/bin/env bash
# The browser page's end-to-end tests in Debian's Chromium (tests/browser/*.test.mjs).
# Installs what is missing (Debian's chromium; playwright-core and axe-core from npm, never a
# browser download), builds the page (web/build.sh) and the CLI the tests compare it with, then
# runs the tests. Screenshots go to target/browser-artifacts/.
# Usage: tests/browser/run.sh [node --test options, e.g. --test-name-pattern=ACL]
set -euo pipefail
cd "$(dirname "$0")/../.."

die() { printf 'tests/browser/run.sh: %s\n' "$*" >&2; exit 1; }
timed() {
  local what=$1 start=$SECONDS
  shift
  "$@" || die "$what failed"
  printf '  -- %s: %d s\n' "$what" $((SECONDS - start))
}

install_chromium() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

install_npm_packages() {
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
}

# node_modules is current when npm ci wrote it after the last change of the lock file.
npm_packages_current() {
  [ -f tests/browser/node_modules/.package-lock.json ] &&
    [ tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ]
}

if [ ! -x /usr/bin/chromium ]; then
  timed "installing Debian's chromium (apt-get)" install_chromium
fi
if ! npm_packages_current; then
  timed "npm ci in tests/browser (playwright-core, axe-core)" install_npm_packages
fi
timed "building the page (web/build.sh)" web/build.sh
timed "building the CLI the page is compared with (cargo build -p redlint-cli)" cargo build -q -p redlint-cli

mkdir -p target/browser-artifacts
timed "the browser tests (node --test)" node --test --test-concurrency=1 --test-reporter=spec "$@" \
  tests/browser/harness.test.mjs tests/browser/page.test.mjs
