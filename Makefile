# Every target creates .venv and installs the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres lint run bench bench-alerts clean

# requirements.txt is what the apps need in production; requirements-dev.txt adds the tests' tools.
$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tools.demo $(if $(DEMO_ONCE),--once)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL: one throwaway schema per test (tests/database.py).
test-postgres: lint
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, and imports one way (pyproject.toml: shared never imports an app or a tool).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

run: $(STAMP)
	$(BIN)/python -m tools.run

# Server CPU per report of each app against its floor, then bursts and memory
# (docs/benchmark.md). Linux only (it reads /proc). Drives the servers with wrk when it is
# installed (apt-get install wrk, or brew install wrk), with the bundled tools.loadgen if not.
bench: $(STAMP)
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache sms.db sms.db-wal sms.db-shm demo.db demo.db-wal demo.db-shm

bench-alerts: $(STAMP)
	$(BIN)/python -m tools.bench_alerts
