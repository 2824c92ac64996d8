#!/usr/bin/env bash
# Installs what `make run` / `make test` need and is missing; a second run installs nothing.
# Usage: scripts/setup.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# No cargo-leptos and no wasm-bindgen CLI: the site build (crates/site) uses wasm-bindgen as a
# library at the version Cargo.lock pins, so there is nothing separate to install or keep in step.

# Node packages: wasm-opt (npm binaryen; Debian's is too old) and, for tests, Playwright.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing node packages (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "$mode" = test ]; then
  # Okta's official Python SDK for the conformance run, pinned, in a project-local venv.
  want=$(sed -n 's/^okta==//p' conformance/python/requirements.txt)
  if [ "$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("okta"))' 2>/dev/null)" != "$want" ]; then
    say "installing the Okta Python SDK $want (.venv)"
    python3 -m venv .venv
    .venv/bin/pip install -q -r conformance/python/requirements.txt
  fi
  # A real SMTP server for the tests that send mail (crates/testkit/py/smtp_server.py).
  want=$(sed -n 's/^aiosmtpd==//p' crates/testkit/py/requirements.txt)
  if [ "$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("aiosmtpd"))' 2>/dev/null)" != "$want" ]; then
    say "installing aiosmtpd $want (.venv)"
    .venv/bin/pip install -q -r crates/testkit/py/requirements.txt
  fi
  # Debian's Chromium for the browser tests (Playwright's own download does not work offline).
  [ -x /usr/bin/chromium ] || apt_install chromium
  # Debian's PostgreSQL: the tests start throwaway clusters of their own (crates/testkit/src/pg.rs).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
fi
say "tools ready"
