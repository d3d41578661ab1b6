# Two commands do all set-up: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast lint bench soak browser-deps htmx clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT) --timeout-keep-alive 65 --no-server-header

# The pinned htmx, fetched from the npm registry into the git-ignored static/vendor/.
htmx: $(VENV)/.installed-dev
	$(PY) scripts/fetch_htmx.py

# Debian's chromium for the browser tests (needs root; skipped politely otherwise).
browser-deps:
	@scripts/ensure_chromium.sh

# The bench extras too, so the benchmark harness's smoke test runs (it never asserts timings).
test: $(VENV)/.installed-bench browser-deps htmx
	$(PY) -m pytest

test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not browser and not server and not slow"

# ruff, then mypy (strict; its narrow exceptions are listed in pyproject.toml): zero errors on app/.
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check app tests bench scripts
	$(PY) -m mypy

# Several minutes of concurrent uploads and steps against 2 workers; appends its figures to docs/soak.md.
soak: $(VENV)/.installed-dev
	$(PY) scripts/soak.py --seconds 300 --workers 2 --output docs/soak.md

bench: $(VENV)/.installed-bench
	$(PY) -m bench --output docs/benchmark-results.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis static/vendor
