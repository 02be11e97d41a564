#!/usr/bin/env bash
# The editor and pre-commit tests with their real tools, installed when missing:
# Debian's neovim (its built-in LSP client drives `redlint server`) and pre-commit from PyPI
# (in a venv under target/). Called by tests/run; run it alone from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v nvim >/dev/null 2>&1; then
  echo "installing neovim (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
nvim --version | head -1

venv=target/precommit-venv
if [ ! -x "$venv/bin/pre-commit" ]; then
  echo "installing pre-commit (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pre-commit
fi
"$venv/bin/pre-commit" --version

# The hooks are read at a committed revision: .pre-commit-hooks.yaml must be in HEAD.
REDLINT_REQUIRE_EDITORS=1 cargo test -q -p redlint-cli --test editors
cargo test -q -p redlint-lsp
