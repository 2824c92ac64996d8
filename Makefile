# Two commands: `make run` (the portal with its embedded org) and `make test` (every test).
# Both install what they lack first (scripts/setup.sh), and skip what is already there.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: bench bench-jobs scale run test setup-run setup-test build-release build-debug test-rust test-conformance test-e2e clean

run: setup-run build-release
	PORTICO_SERVER__SITE_ROOT=target/site ./target/release/portico

test: setup-test test-rust build-debug test-conformance test-e2e

setup-run:
	./scripts/setup.sh run

setup-test:
	./scripts/setup.sh test

# The server and the site (portico-site: WASM, JS, CSS, hashed and precompressed) build side by
# side: the site's WASM has its own target dir (target/front), so neither waits for the other.
# `make test` builds into target/site-test, so it never touches what `make run` serves.
build-release:
	cargo build --locked --release -p portico-site
	./target/release/portico-site --release --out target/site & site=$$!; \
	  cargo build --locked --release -p portico-server --bin portico; server=$$?; \
	  wait $$site && exit $$server

build-debug:
	cargo build --locked -p portico-site
	./target/debug/portico-site --out target/site-test & site=$$!; \
	  cargo build --locked -p portico-server --bin portico; server=$$?; \
	  wait $$site && exit $$server

# Every crate's tests, then the portal's integration suite again on PostgreSQL: with-postgres
# starts a throwaway cluster (Debian's postgresql, a temp dir, a free port) and stops it after.
# The scale test alone: three portal processes on one throwaway PostgreSQL behind a round-robin
# balancer, an external org, a replica killed mid-call, 1,000 double-approved requests.
# Bulk jobs at Okta's rate and concurrency limits, beside Okta's Python SDK doing the same work.
bench-jobs: setup-test
	cargo build --locked --release -p portico-server -p portico-bench
	./target/release/jobs

scale: setup-test
	cargo build --locked --release -p portico-server -p portico-bench
	./target/release/replicas

test-rust:
	cargo test --locked -p portico-vocab -p portico-clock -p portico-site -p portico-core -p portico-devorg -p portico-server -p portico-app --features portico-app/ssr
	cargo run --locked -q -p portico-testkit --bin with-postgres -- cargo test --locked -p portico-server --test it

# Okta's own Python and Node SDKs, unmodified, against the embedded org.
test-conformance:
	./conformance/run.sh

test-e2e:
	npx playwright test -c end2end

clean:
	rm -rf target end2end/test-results end2end/.data

# Benchmarks (release build): the embedded org at 100k users; the portal's own costs; memory
# (the real binary in its own process); steady under load (200 sessions, two 5-minute runs).
# Each prints its figures and exits 1 on a missed target; every one runs, then the result.
# setup-test: the first-load benchmark measures in Chromium.
bench: setup-test build-release
	cargo build --locked --release -p portico-bench
	status=0; \
	  for b in devorg-scale portal memory load replicas jobs; do ./target/release/$$b || status=1; done; \
	  node bench/first-load.mjs || status=1; \
	  exit $$status
