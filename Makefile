# checkout_app: `make run` serves the app, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export APP_ENV ?= development
export PORT ?= 5000

.PHONY: install lint format migrate seed run test test-unit clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/flask --app wsgi seed-catalog

# Embedded PostgreSQL/Redis and the Stripe simulator start by themselves when not configured.
run: seed
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install
	APP_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

test-unit: install
	APP_ENV=test $(BIN)/pytest tests/unit $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info test-artifacts
