# gridwatch: `make run` sets up and starts the app; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB := data/gridwatch.duckdb
PORT ?= 8501

.PHONY: run test lint demo bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(DB): | $(VENV)/.runtime
	$(PY) -m gridwatch demo --db $(DB)

demo: $(VENV)/.runtime
	$(PY) -m gridwatch demo --db $(DB)

run: $(VENV)/.runtime $(DB)
	$(PY) -m gridwatch serve --port $(PORT) -- --server.headless true --browser.gatherUsageStats false

test: $(VENV)/.dev
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache
