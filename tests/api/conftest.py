"""The app served over HTTP on a free port, on a migrated database of its own with a catalog."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from _pytest.terminal import TerminalReporter
from alembic import command
from flask import Flask
from sqlalchemy import Connection, create_engine
from werkzeug.serving import WSGIRequestHandler, make_server

from checkout_app import create_app
from checkout_app.adapters.cart_store import CartStore
from checkout_app.extensions import EXTENSION
from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl
from tests.conftest import alembic_config
from tests.helpers import insert

from .shoppers import COURSE, EVENT, EXAMPLES, PRODUCT, RETIRED_COURSE, SMALL_EVENT

# Settings of the served app; the rate limits sit far above what a fuzzing run sends.
SERVED_ENV = {
    "RATE_LIMIT_CHECKOUT": "100000/minute",
    "RATE_LIMIT_CART": "100000/minute",
    "TAX_RATE": "0.0825",
}


class QuietHandler(WSGIRequestHandler):
    """No access log line per request."""

    def log_request(self, *args: object) -> None:
        pass


def add_catalog(db: Connection) -> None:
    """The items shoppers.py names, with their fixed ids."""
    starts = datetime.now(UTC) + timedelta(days=30)
    course = {"table": "courses", "price": "49.00"}
    event = {"table": "events", "price": "120.00", "starts_at": starts}
    for row in (
        {**course, "id": COURSE, "slug": "python", "is_active": True},
        {**course, "id": RETIRED_COURSE, "slug": "retired", "is_active": False},
        {"table": "digital_products", "id": PRODUCT, "slug": "ebook", "price": "19.99"},
        {**event, "id": EVENT, "slug": "workshop", "capacity": 1_000_000},
        {**event, "id": SMALL_EVENT, "slug": "meetup", "capacity": 1},
    ):
        table = row.pop("table")
        insert(db, table, title=row["slug"], **row)


@pytest.fixture(scope="module")
def api_database_url(make_database: Callable[[], str]) -> str:
    """A database of this module's own, so the orders a fuzzing run leaves meet no other test."""
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        add_catalog(db)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def served_app(
    base_env: dict[str, str], api_database_url: str, redis_prefix: str, stripe_sim: SimServer
) -> Iterator[Flask]:
    """The app as production builds it, on this module's database, Redis prefix and settings."""
    SimControl(stripe_sim.url).reset()
    overrides = {"DATABASE_URL": api_database_url, "REDIS_KEY_PREFIX": f"{redis_prefix}api:"}
    app = create_app({**base_env, **SERVED_ENV, **overrides})
    yield app
    app.extensions[EXTENSION].session_factory.kw["bind"].dispose()


@pytest.fixture(scope="module")
def carts(served_app: Flask) -> CartStore:
    """The served app's cart store, to put shoppers' carts in place."""
    return served_app.extensions[EXTENSION].carts


@pytest.fixture(scope="module")
def base_url(served_app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server (werkzeug, threaded) on a free port."""
    server = make_server("127.0.0.1", 0, served_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Print how many examples schemathesis sent to each operation, by phase."""
    if not EXAMPLES:
        return
    terminalreporter.section("schemathesis examples per operation")
    for label, phases in sorted(EXAMPLES.items()):
        by_phase = ", ".join(f"{phase} {n}" for phase, n in sorted(phases.items()))
        terminalreporter.write_line(f"{sum(phases.values()):6d}  {label}  ({by_phase})")
