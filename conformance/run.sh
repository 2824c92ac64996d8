#!/usr/bin/env bash
# Runs Okta's official Python and Node SDKs against a fresh embedded org (each on its own org, so
# their counts do not interfere). Needs target/debug/portico, .venv (okta) and node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
run_against_org() {
  local port=$1; shift
  local dir; dir=$(mktemp -d)
  PORTICO_SERVER__DATA_DIR="$dir" PORTICO_DEVORG__LISTEN="127.0.0.1:$port" PORTICO_LOG__FILTER=warn \
    PORTICO_DEVORG__TEST_CONTROL=true \
    ./target/debug/portico devorg >"$dir/out" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do grep -q "Demo sign-in accounts" "$dir/out" 2>/dev/null && break; sleep 0.2; done
  local token; token=$(sed -n 's/.*Demo API token (Authorization: SSWS <token>): //p' "$dir/out")
  [ -n "$token" ] || { cat "$dir/out"; kill "$pid"; return 1; }
  local control; control=$(sed -n 's/.*Test-control API token (Authorization: Bearer <token>): //p' "$dir/out")
  local rc=0
  ORG_URL="http://127.0.0.1:$port" OKTA_TOKEN="$token" CONTROL_TOKEN="$control" "$@" || rc=$?
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  return $rc
}
echo "== Okta Python SDK"  # its documented testing switch allows the plain-http loopback org
OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true run_against_org 3960 .venv/bin/python conformance/python/check.py
echo "== Okta Node SDK";   run_against_org 3961 node conformance/node/check.mjs
