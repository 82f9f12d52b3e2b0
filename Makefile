# streamgate — `make test` is THE test command (README, .ci/run). It needs only the Rust toolchain,
# Python 3 with pip and Node.js; the project's own tools are installed on first use into
# project-local, git-ignored folders, pinned by the files under requirements/.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
CARGO ?= cargo
VENV := .venv
# moto needs newer boto3/urllib3 than SAM CLI pins: each tool set gets its own virtual environment.
MOTO_VENV := $(VENV)/moto
LAMBDA_VENV := $(VENV)/lambda
CARGO_LAMBDA := $(LAMBDA_VENV)/bin/cargo-lambda

.PHONY: help tools test lint unit bench watch clean-tools

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# A stamp per virtual environment: reinstalled only when its pinned requirements change.
$(VENV)/%/.installed: requirements/%.txt
	rm -rf $(VENV)/$*
	$(PYTHON) -m venv $(VENV)/$*
	$(VENV)/$*/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

tools: $(MOTO_VENV)/.installed ## Install the pinned test tools (moto server) into .venv/

lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit: ## Unit tests only (no emulator needed)
	$(CARGO) test --workspace --lib --bins --locked

test: tools lint ## Everything: lint, unit, fixture and emulator-backed integration tests
	$(CARGO) test --workspace --locked

bench: tools ## Benchmarks (release build): criterion, and the consumer against moto
	$(CARGO) bench --workspace --locked

watch: $(MOTO_VENV)/.installed $(LAMBDA_VENV)/.installed ## `cargo lambda watch` on :9000, with the local secret in moto
	scripts/dev-watch.sh

clean-tools: ## Remove the project-local tools
	rm -rf $(VENV) node_modules
