# checkout_app: `make run` serves the app, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Runtime dependencies only (make run); the dev extra (test and lint tools) on top for the rest.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export APP_ENV ?= development
export PORT ?= 5000

.PHONY: install install-dev chromium fleet-packages lint format migrate seed run stop test test-unit \
	bench bench-quick bench-admin fleet fleet-stop fleet-drill chaos clean

install: $(STAMP)

install-dev: $(DEV_STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/flask --app wsgi seed-catalog --summary

# Embedded PostgreSQL/Redis and the Stripe simulator start by themselves when not configured
# (outside production); in development gunicorn listens on 127.0.0.1 only.
run: seed
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# The embedded PostgreSQL and Redis (and a simulator left running) keep going after `make run`.
stop: install
	$(BIN)/python -m checkout_app.dev stop

chromium: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# The fleet (deploy/, docs/SCALING.md) runs Debian's nginx, PgBouncer, redis-server and
# redis-sentinel; tests/fleet needs them too.
fleet-packages:
	@test -x /usr/sbin/nginx -a -x /usr/sbin/pgbouncer -a -x /usr/bin/redis-sentinel || { \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    nginx pgbouncer redis-server redis-sentinel; }

test: install-dev chromium fleet-packages
	APP_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

# The fault drill (tests/chaos/): its own PostgreSQL, Redis, simulator and gunicorn, 20 shoppers,
# each fault 10 s; writes docs/RELIABILITY.md. `make test` runs it with 3 s faults.
chaos: install-dev
	APP_ENV=test CHAOS_SECONDS=10 CHAOS_STRICT=1 CHAOS_REPORT=docs/RELIABILITY.md $(BIN)/pytest -q -s tests/chaos $(PYTEST_ARGS)

test-unit: install-dev
	APP_ENV=test $(BIN)/pytest tests/unit $(PYTEST_ARGS)

# The benchmark (BENCHMARKS.md): the app and a bare Stripe baseline under load, on DATABASE_URL /
# REDIS_URL (else 127.0.0.1:5432 / 6379, else the embedded servers). bench-quick is CI's smoke
# test: correctness only (no errors, seats exact), a non-zero exit when it fails.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(DEV_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) fleet-packages
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

# The back office's order list on 200,000 seeded orders: milliseconds per page (BENCHMARKS.md).
bench-admin: $(BENCH_STAMP)
	$(BIN)/python -m bench.admin_list $(BENCH_ARGS)

# The production topology on loopback: nginx -> 3 gunicorn instances -> PgBouncer -> its own
# PostgreSQL, Redis primary + replica + 3 Sentinels, the Stripe simulator. Runtime files in
# instance/fleet/. `make fleet` starts it in the background and prints the URLs; `make fleet-stop`
# stops what it started. `make fleet-drill` starts its own fleet, runs the faults, prints the table.
fleet: $(BENCH_STAMP) fleet-packages
	$(BIN)/python -m bench.fleet up

fleet-stop: $(BENCH_STAMP)
	$(BIN)/python -m bench.fleet down

fleet-drill: $(BENCH_STAMP) fleet-packages
	$(BIN)/python -m bench.fleet drill $(DRILL_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info test-artifacts
