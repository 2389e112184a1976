"""Shared fixtures: a fresh database per run, a Redis key prefix per run, the Stripe simulator."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import redis
from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from checkout_app import create_app
from checkout_app.dev import embedded
from checkout_app.extensions import EXTENSION
from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import SECRET_KEY, WEBHOOK_SECRET, Catalog, add_course, add_event, insert

RUN_ID = f"{os.getpid()}_{secrets.token_hex(4)}"
TABLES = (
    "staff_sessions, staff, audit_log, refund_lines, refunds, disputes, stripe_events, outbox,"
    " entitlements, bookings, order_items, orders, users, events, courses, digital_products"
)
SUPPORT_TOKEN = "support-token-for-tests-0123456789abcdef"
JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"


def alembic_config(url: str) -> Config:
    """An Alembic config aimed at `url` that leaves the test's logging alone."""
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server: DATABASE_URL when given, else the embedded one."""
    return os.environ.get("DATABASE_URL") or embedded.database_url()


@pytest.fixture(scope="session")
def make_database(server_url: str) -> Iterator[Callable[[], str]]:
    """Creates throwaway databases on the server; drops them all at the end of the run."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"checkout_test_{RUN_ID}_{len(created)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(make_database: Callable[[], str]) -> str:
    """This run's own database, migrated to head."""
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or embedded.redis_url()


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """This run's own key prefix; every key under it is deleted at the end."""
    prefix = f"test:{RUN_ID}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        client.unlink(*keys)


@pytest.fixture(scope="session")
def stripe_sim() -> Iterator[SimServer]:
    with SimServer() as server:
        yield server


@pytest.fixture
def sim(stripe_sim: SimServer, redis_url: str, redis_prefix: str) -> SimControl:
    """Control of the simulator, reset for each test (with the app's record of its creates)."""
    control = SimControl(stripe_sim.url)
    control.reset()
    redis.Redis.from_url(redis_url).delete(f"{redis_prefix}stripe-attempts")
    return control


@pytest.fixture(scope="session")
def base_env(database_url: str, redis_url: str, redis_prefix: str, stripe_sim: SimServer):
    """The environment every test app starts from."""
    return {
        "APP_ENV": "test",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
        "STRIPE_SECRET_KEY": "sk_test_checkout_app",
        "STRIPE_API_BASE": stripe_sim.url,
        "STRIPE_MAX_RETRIES": "0",
        "STRIPE_TIMEOUT_SECONDS": "2",
        "BASE_URL": "http://shop.test",
        "ALLOWED_REDIRECT_HOSTS": "www.shop.test",
        "TAX_RATE": "0",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # The suite shares one client address; the limit tests set their own.
        "RATE_LIMIT_CHECKOUT": "100000/minute",
        "RATE_LIMIT_CART": "100000/minute",
        "RATE_LIMIT_ORDERS": "100000/minute",
        "RATE_LIMIT_SUPPORT_TOKEN": "100000/minute",
        # Likewise for seat holds per client address; test_seat_hoarding sets its own.
        "SEAT_HOLD_LIMIT": "100000",
        "MAX_TICKETS_PER_ORDER": "99",
        "SUPPORT_API_TOKEN": SUPPORT_TOKEN,
        "RATE_LIMIT_ADMIN_LOGIN": "100000/minute",
        "AUTH_JWT_SECRET": JWT_SECRET,
    }


@pytest.fixture
def make_app(base_env: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    """Builds an app with env-style overrides; disposes its engine afterwards."""
    apps: list[Flask] = []

    def make(**overrides: str) -> Flask:
        app = create_app({**base_env, **overrides})
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions[EXTENSION].session_factory.kw["bind"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def db(database_url: str) -> Iterator:
    """A connection to this run's database for arranging and asserting; tables emptied after."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
        conn.execute(text(f"TRUNCATE {TABLES} CASCADE"))
    engine.dispose()


@pytest.fixture
def catalog(db) -> Catalog:
    """Two courses, an e-book, a 5-seat event, an inactive course, a past event, a user."""
    return Catalog(
        course=add_course(db, "Python Foundations", "49.00"),
        course_b=add_course(db, "Flask in Depth", "79.99"),
        product=insert(
            db, "digital_products", slug="ebook", title="Field Notes", price=Decimal("19.99")
        ),
        event=add_event(db, "Testing Workshop", "120.00", capacity=5),
        inactive_course=add_course(db, "Retired Course", "10.00", active=False),
        past_event=add_event(db, "Last Year's Meetup", "15.00", capacity=50, days=-1),
        user=insert(db, "users", email="known@example.com", name="Known Shopper"),
    )
