# Tend: the commands README documents.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app saas
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench worker lint format migrate demo chromium clean

# pip's output goes to $(VENV)/install.log, shown only when the install fails.
$(STAMP): pyproject.toml
	@echo "Installing dependencies (first run only, about a minute)..."
	@test -x $(PY) || python3 -m venv $(VENV)
	@{ $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip \
	  && $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'; \
	} >$(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

## run: set up, migrate, load demo data and serve on http://127.0.0.1:5000 (SQLite, no servers)
# demo and serve get the same address: without BASE_URL, links in mail and pages follow it.
# One line per step; migration warnings and errors still show.
run: $(STAMP)
	@echo "Migrating the database..."
	@TEND_MIGRATION_LOG_LEVEL=WARNING $(FLASK) db upgrade
	@echo "Loading demo data..."
	@$(FLASK) demo --host $(HOST) --port $(PORT)
	@$(FLASK) serve --host $(HOST) --port $(PORT)

## test: set up and run the whole suite, browser tests included
test: $(STAMP) chromium
	CHROMIUM_PATH="$$(bash scripts/ensure-chromium.sh)" $(PY) -m pytest $(PYTEST_ARGS)

## bench: performance benchmarks (needs PostgreSQL and Redis; see bench/README.md)
bench: $(STAMP)
	$(PY) bench/pages.py
	$(PY) bench/send.py
	$(PY) bench/import.py
	$(PY) bench/inbound.py
	$(PY) bench/images.py
	$(PY) bench/dashboard.py
	$(PY) bench/export.py
	$(PY) bench/webhooks.py
	$(PY) bench/back_issues.py
	$(PY) bench/insights.py

## worker: an RQ worker for production-like runs (needs REDIS_URL)
worker: $(STAMP)
	$(PY) -m worker

## lint: ruff, import-linter (the layers), bandit (security), pip-audit (known vulnerabilities, when reachable)
lint: $(STAMP)
	$(VENV)/bin/ruff check saas worker tests bench
	$(VENV)/bin/ruff format --check saas worker tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r saas worker
	$(VENV)/bin/pip-audit --progress-spinner off --skip-editable

format: $(STAMP)
	$(VENV)/bin/ruff format saas worker tests bench
	$(VENV)/bin/ruff check --fix saas worker tests bench

migrate: $(STAMP)
	$(FLASK) db upgrade

demo: $(STAMP)
	$(FLASK) demo --host $(HOST) --port $(PORT)

chromium: $(STAMP)
	@bash scripts/ensure-chromium.sh >/dev/null

clean:
	rm -rf $(VENV) instance tests/artifacts .pytest_cache
