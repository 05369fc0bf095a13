# Every target creates .venv and installs the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres run bench bench-alerts lint clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m shared.demo $(if $(DEMO_ONCE),--once)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL: one throwaway schema per test (tests/database.py).
test-postgres: $(STAMP)
	$(BIN)/ruff check .
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

run: $(STAMP)
	$(BIN)/python -m shared.run

bench: $(STAMP)
	$(BIN)/python -m shared.bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache sms.db sms.db-wal sms.db-shm sms.db-writer.lock demo.db demo.db-wal demo.db-shm demo.db-writer.lock

bench-alerts: $(STAMP)
	$(BIN)/python -m shared.alerts.bench
