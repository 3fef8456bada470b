# detente: two commands on a fresh machine with python3, pip and make.
#   make demo   set up .venv and forecast the bundled U.S.-Russia reset scenario
#   make test   set up .venv (with test tools) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
CONSTRAINTS := constraints.txt

.PHONY: demo test setup setup-test lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

setup: $(BIN)/python
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[all]"

setup-test: $(BIN)/python
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[all,test]"
	@bash scripts/install-browser.sh || echo "note: no Chromium; the browser tests will be skipped"

demo: setup
	$(BIN)/detente run us-russia-reset

lint: setup-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

# the browser tests' screenshots go to a scratch folder; `make screenshots` refreshes docs/
test: setup-test
	$(BIN)/ruff check src tests benchmarks scripts
	DETENTE_SCREENSHOTS=$${DETENTE_SCREENSHOTS:-.pytest_cache/screenshots} $(BIN)/python -m pytest

screenshots: setup-test
	DETENTE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/app -m browser

bench: setup
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
