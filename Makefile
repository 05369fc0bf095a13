# Every target creates .venv and installs the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run bench bench-alerts lint clean

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

run: $(STAMP)
	$(BIN)/python -m shared.run

bench: $(STAMP)
	$(BIN)/python -m shared.bench

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache sms.db sms.db-wal sms.db-shm demo.db demo.db-wal demo.db-shm

bench-alerts: $(STAMP)
	$(BIN)/python -m shared.alerts.bench
