# Set-up on a fresh machine: `make contract` (suite against the embedded server) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

ENDPOINT ?=
TOKEN ?=
PROFILE ?= default
ARGS ?=

.PHONY: install test test-exhaustive lint contract bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

lint: install
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/ruff format --check src tests conftest.py
	npx --no-install redocly lint --config redocly.yaml openapi/model_management.yaml
	@mkdir -p build && $(BIN)/mmcontract contract --level client --output build/client-contract.yaml
	npx --no-install redocly lint --config redocly.yaml build/client-contract.yaml

test: install lint
	$(BIN)/pytest tests/selftest -m "not exhaustive"

# Each legal variant of the reference server alone under the whole page-level suite (~33 quick runs).
test-exhaustive: install
	$(BIN)/pytest tests/selftest -m exhaustive

# The token travels in the environment, never on a command line that make echoes.
contract: install
	@DATAROBOT_API_TOKEN="$(TOKEN)" $(BIN)/mmcontract run --profile $(PROFILE) \
		$(if $(ENDPOINT),--endpoint $(ENDPOINT)) $(ARGS)

# wrk (Debian) drives the server benchmark; installed here when missing and we may (root with apt-get).
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true
	$(PY) -m mmcontract.bench

clean:
	rm -rf $(VENV) node_modules build dist .pytest_cache .ruff_cache .hypothesis src/*.egg-info
	find reports -mindepth 1 ! -name README.md -delete
