# The two set-up commands (README): `make run` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot run

# Every test on SQLite, then every test again on a throwaway PostgreSQL the script starts and stops.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest
	scripts/with-postgres $(VENV)/bin/pytest -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
