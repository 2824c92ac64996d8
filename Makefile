# Two commands: `make run` (the portal with its embedded org) and `make test` (every test).
# Both install what they lack first (scripts/setup.sh), and skip what is already there.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: bench run test setup-run setup-test build-release build-debug test-rust test-conformance test-e2e clean

run: setup-run build-release
	PORTICO_SERVER__SITE_ROOT=target/site ./target/release/portico

test: setup-test test-rust build-debug test-conformance test-e2e

setup-run:
	./scripts/setup.sh run

setup-test:
	./scripts/setup.sh test

build-release:
	cargo leptos build --release

build-debug:
	cargo leptos build

test-rust:
	cargo test --locked -p portico-vocab -p portico-clock -p portico-core -p portico-devorg -p portico-server -p portico-app --features portico-app/ssr

# Okta's own Python and Node SDKs, unmodified, against the embedded org.
test-conformance:
	./conformance/run.sh

test-e2e:
	npx playwright test -c end2end

clean:
	rm -rf target end2end/test-results end2end/.data

# Benchmarks (release build): the embedded org at 100k users; the portal's own costs.
bench: setup-run build-release
	cargo run --release -p portico-bench --bin devorg-scale
	cargo run --release -p portico-bench --bin portal
