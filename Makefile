# The two set-up commands of the README: `make serve` and `make test`. Each installs what it needs
# first (scripts/setup.sh: pinned, idempotent, nothing prebuilt downloaded).

SHELL := /bin/bash
export PATH := $(CURDIR)/tests/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_OFFLINE := true
export CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: setup serve build test test-native test-browser test-e2e test-flower lint bench bench-load soak federation

setup:
	@scripts/setup.sh

## Build the page and serve it at http://127.0.0.1:8080 (rebuilds on change).
serve: setup
	cargo fetch
	trunk serve --release

build: setup
	cargo fetch
	trunk build --release

## A Flower federation whose clients are this page's tabs: a SuperLink, the page (trunk serve,
## proxying /v1/fleet/ to it) and Flower's FedAvg (flower/; APP=flower/secagg: under SecAgg+).
## NODES=2 ROUNDS=10 by default.
federation: setup
	scripts/flower_setup.sh
	cargo fetch
	scripts/federation.sh

## Every test: lint, native, wasm in headless Chromium (in-process and over Web Workers), end to
## end on the built page, and the Flower side (the pinned Fleet protocol, a real SuperLink).
test: setup lint test-native build test-browser test-e2e test-flower

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps

# The hostile suite again in a release build: what it refuses must also be refused with
# arithmetic that wraps instead of panicking, and its slowest directed test runs only here.
test-native:
	cargo test
	cargo test --release --test hostile

# The README's own command, as written (its timeout comes from .cargo/config.toml).
# tests/lessons_web loads the workers from the built dist/ (make build).
test-browser:
	wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install

test-e2e:
	node --test tests/e2e/

# The pinned flwr in its own virtualenv (scripts/flower_setup.sh): the Fleet protocol the browser
# client speaks, what a real SuperLink on loopback accepts and refuses, src/flower/'s objects
# checked with Flower's own classes, SecAgg+'s primitives checked with Flower's own functions,
# Message-API (PyTorch-named), legacy-API and SecAgg+ runs with four native minisyft nodes (dropout
# and too few nodes included; `federation_native.py [digits]`, run by hand, is the plain FedAvg
# run with two, which these and the browser test's digits part cover), and one
# with three headless browser tabs as its clients (needs dist/: make build).
test-flower:
	scripts/flower_setup.sh
	.venv-flower/bin/python tests/flower/protocol_pin.py
	.venv-flower/bin/python tests/flower/superlink_smoke.py
	.venv-flower/bin/python tests/flower/objects_cross_check.py
	.venv-flower/bin/python tests/flower/secaggplus_cross_check.py
	.venv-flower/bin/python tests/flower/federation_secagg.py
	node --test tests/flower/

## Benchmarks over real Web Workers in headless Chromium, each with its raw baseline (release build).
bench: build
	cargo test --release --target wasm32-unknown-unknown --test bench_web -- --include-ignored --nocapture

## The first cell's output on a throttled phone (Lighthouse's mobile profile), from hosts that send
## Brotli, gzip and nothing compressed: times and bytes before it.
bench-load: build
	node tests/e2e/bench_load.mjs

## 1000 training rounds on the built page, sampled every 100: time per round, memory, log, stores.
soak: build
	node tests/e2e/soak.mjs
