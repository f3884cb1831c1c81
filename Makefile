# The two set-up commands (README): `make run` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint mutation demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot run

# A week of 1:1s against the bundled Slack emulator, printed as each person saw it (no Slack needed).
demo: $(STAMP)
	$(VENV)/bin/python -m bot demo

# Every test on SQLite, then every test again on a throwaway PostgreSQL the script starts and stops.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest
	scripts/with-postgres $(VENV)/bin/pytest -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Mutation testing of the domain, the services and three core modules (tests/MUTATION.md); not part of
# `make test`. From scratch each time (a kept mutants/ can hold stale results); CI=true derandomizes the
# property tests, so a mutant is killed or not by the same examples every run. Then the count per package.
mutation: $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[dev,mutation]'
	rm -rf mutants
	CI=true $(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results --all true \
		| sed -E 's/^ *bot\.(domain|services|slack\.text|slack\.dedup|store\.outbox)[.:].*: /\1 /' | sort | uniq -c
