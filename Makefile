# Two commands do all set-up: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast lint bench soak burst browser-deps redis-deps htmx swagger clean lock audit train

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installs come from the hashed lock files (`make lock` writes them from pyproject.toml): the exact
# versions CI and Docker run, each file checked against its hash. The app itself goes in editable.
$(VENV)/.installed: requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

# The dev lock carries the bench extras too.
$(VENV)/.installed-bench: $(VENV)/.installed-dev
	touch $@

# Re-resolve both lock files from pyproject.toml (newest releases within its bounds, with hashes).
LOCK := $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links \
	--no-emit-index-url --no-emit-trusted-host
lock: $(VENV)/.installed-dev
	$(LOCK) --upgrade -o requirements.lock pyproject.toml
	$(LOCK) --upgrade --extra dev --extra bench -o requirements-dev.lock pyproject.toml

# Known advisories in every locked package (pip-audit); a clear skip when the advisory service does not answer.
audit: $(VENV)/.installed-dev
	$(PY) scripts/audit.py requirements.lock requirements-dev.lock

# The pinned htmx is fetched first (once) so an offline classroom steps without a CDN; with no
# network it says so and the app loads htmx from the CDN when reachable, or works without it.
run: $(VENV)/.installed
	-@$(PY) scripts/fetch_htmx.py
	-@$(PY) scripts/fetch_swagger.py
	$(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT) --timeout-keep-alive 65 --no-server-header

# The pinned htmx, fetched from the npm registry into the git-ignored static/vendor/.
htmx: $(VENV)/.installed
	$(PY) scripts/fetch_htmx.py

# The pinned Swagger UI (swagger-ui-dist), fetched from the npm registry into static/vendor/, so /docs works offline.
swagger: $(VENV)/.installed
	$(PY) scripts/fetch_swagger.py

# Debian's chromium for the browser tests (needs root; skipped politely otherwise).
browser-deps:
	@scripts/ensure_chromium.sh

# Debian's redis-server for the classroom tests (needs root; those tests skip with a message otherwise).
redis-deps:
	@scripts/ensure_redis.sh

# The bench extras too, so the benchmark harness's smoke test runs (it never asserts timings).
test: $(VENV)/.installed-bench browser-deps redis-deps htmx swagger
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

# 2 × 8 worst-case uploads at once against one worker: peak RSS rise ≤ 256 MiB, /healthz answering, nothing lost.
burst: $(VENV)/.installed-dev
	$(PY) scripts/burst.py --rounds 2

# Retrain the built-in digit network (seeded, a few seconds): writes app/models/digits.npz and digits.json.
train: $(VENV)/.installed-dev
	$(PY) scripts/train.py

bench: $(VENV)/.installed-bench
	$(PY) -m bench --output docs/benchmark-results.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis static/vendor
