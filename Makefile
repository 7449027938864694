# The two entry points of the README. Each sets everything up from a fresh clone
# (Python venv, the pinned CDK CLI and a supported Node.js from npm) and then runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_PY   := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

# Node 22 (npm package `node`) and the pinned `cdk` come first on PATH, so that
# both the CLI and jsii (which aws-cdk-lib uses under Python) run on it.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: help setup synth test lint docs bench bench-peer bench-scan clean e2e browser

help:
	@echo "make synth   set up, then cdk synth the demo app with every check on"
	@echo "make test    set up, then run the whole test suite"
	@echo "make e2e     set up, then cdk deploy the e2e app to a local AWS emulator, check it, destroy it"

setup: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@node --version | grep -q '^v22\.' || { echo "expected Node 22 from node_modules/.bin, got $$(node --version)"; exit 1; }
	@touch $@

synth: setup
	rm -rf cdk.out
	cdk synth --quiet --no-notices
	@$(PY) -m secure_constructs._synth_summary cdk.out

test: setup browser
	$(PY) -m pytest -q -n 2

# Headless Chromium for the security-report browser test (Debian package; needs root for apt-get).
browser:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }

# Deploys tests/e2e/app_e2e.py to a local emulator on 127.0.0.1 and runs the e2e checks (docs/local-deploy.md).
# The harness bounds every step and always destroys the stack and stops the emulator by its PID.
e2e: setup
	timeout -k 240 1200 $(PY) tests/e2e/harness.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: setup
	$(PY) benchmarks/bench.py

# secure_constructs against plain aws-cdk-lib hardened by hand for the same protection
# (benchmarks/peers/hardened.py), then how jsii's Python and Node processes share the work.
# A quick run: make bench-peer BENCH_ARGS="--sizes 20 --rounds 3" JSII_ARGS="--rounds 2"
BENCH_ARGS ?= --explain
JSII_ARGS ?=
bench-peer: setup
	$(PY) benchmarks/bench_peer.py $(BENCH_ARGS)
	$(PY) benchmarks/bench_jsii.py $(JSII_ARGS)

# The template scanner against checkov and cfn-lint, installed in their own environment (.venv-peers).
PEERS := .venv-peers
$(PEERS)/.installed: benchmarks/requirements-peers.txt
	python3 -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements-peers.txt
	@touch $@

bench-scan: setup $(PEERS)/.installed
	$(PY) benchmarks/bench_scan.py --peers $(PEERS)/bin

clean:
	rm -rf cdk.out .venv .venv-peers node_modules tmp/e2e

docs: setup
	$(PY) scripts/gen_docs.py
