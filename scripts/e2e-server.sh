#!/usr/bin/env bash
# The portal for the browser tests: debug build, fresh data, embedded org with test control.
set -euo pipefail
cd "$(dirname "$0")/.."
data=end2end/.data
rm -rf "$data"
export PORTICO_SERVER__LISTEN="127.0.0.1:${E2E_PORT:-3900}"
export PORTICO_SERVER__PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3900}"
export PORTICO_SERVER__DATA_DIR="$data"
export PORTICO_SERVER__SITE_ROOT=target/site-test
export PORTICO_DEVORG__LISTEN="127.0.0.1:${E2E_ORG_PORT:-3901}"
export PORTICO_DEVORG__TEST_CONTROL=true
# Help desk may break glass (the demo leaves it off): the approvals-flow browser test uses it.
export PORTICO_BREAK_GLASS__GROUP="Portico Help Desk"
mkdir -p "$data"
# Also kept in a file: the browser tests read the org's test-control token from it.
exec ./target/debug/portico > >(tee "$data/server.log")
