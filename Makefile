# The two commands of the README's Quick start. Each sets up from nothing and is safe to re-run:
# the MariaDB server package (for the private, throwaway instance), a virtualenv, the package.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test setup mariadb chromium node-example venv lint typecheck unit integration bench clean

demo: setup
	@$(BIN)/harness run scenarios/quickstart.yaml; rc=$$?; \
	  if [ $$rc -eq 1 ]; then echo "(a check failed: that is what the demo shows; exit 1 is expected)"; exit 0; fi; exit $$rc

test: setup chromium node-example lint typecheck
	$(BIN)/pytest -q

setup: mariadb venv

mariadb:
	@./scripts/ensure-mariadb.sh

# Node.js and the locked dependencies of examples/express-mysql2 (incident 002 in its own stack).
node-example:
	@./scripts/ensure-node-example.sh

# Debian's chromium + chromedriver, for the test that opens report.html headless.
chromium:
	@./scripts/ensure-chromium.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pool-harness needs Python >= 3.11, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check harness tests bench

typecheck: venv
	$(BIN)/mypy harness

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup chromium node-example
	$(BIN)/pytest -q tests/integration

bench: setup
	$(BIN)/python bench/proxy_overhead.py
	$(BIN)/python bench/report_scaling.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache *.egg-info
