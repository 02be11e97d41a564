#!/usr/bin/env bash
# Validates redlint's SARIF output with Microsoft's validator (@microsoft/sarif-multitool from
# npm, installed into tests/sarif/node_modules when missing): the seed bundles and the CI
# fixture, against the SARIF rules and GitHub code scanning's ingestion rules. The Rust test
# fails instead of skipping when REDLINT_REQUIRE_SARIF_VALIDATOR is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/sarif/install.sh
REDLINT_REQUIRE_SARIF_VALIDATOR=1 cargo test -q -p redlint-cli --test ci_formats sarif_passes_microsofts_validator
