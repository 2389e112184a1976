"""Test helpers: rows in the real database, carts through the real API, signed events."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jwt
from sqlalchemy import event, text

from checkout_app.domain.cart import new_session_id
from checkout_app.extensions import RATE_LIMITS

# The test apps' SECRET_KEY: session ids are sealed with it.
SECRET_KEY = "test-secret"
# The test apps' STRIPE_WEBHOOK_SECRET, and where Stripe posts its events.
WEBHOOK_SECRET = "whsec_test_checkout_app"
WEBHOOK_PATH = "/api/webhooks/stripe"


def forget_rate_limits(app) -> None:
    """Drop every rate-limit window of the app's Redis prefix: all test clients share one
    address, so an earlier test's requests would count against this one's budgets."""
    limits = app.extensions[RATE_LIMITS]
    for key in limits.client.scan_iter(f"{limits.prefix}limits:*"):
        limits.client.delete(key)


def issued_session_id() -> str:
    """A session id the test apps accept as their own (no cart stored under it yet)."""
    return new_session_id(SECRET_KEY)


@dataclass(frozen=True)
class Catalog:
    course: uuid.UUID  # 49.00
    course_b: uuid.UUID  # 79.99
    product: uuid.UUID  # 19.99
    event: uuid.UUID  # 120.00, 5 seats
    inactive_course: uuid.UUID
    past_event: uuid.UUID
    user: uuid.UUID


def insert(db, table: str, **values) -> uuid.UUID:
    """Insert one row and return its id."""
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    return db.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values
    ).scalar_one()


def add_course(db, title: str, price: str, active: bool = True) -> uuid.UUID:
    slug = f"{title.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}"
    return insert(db, "courses", slug=slug, title=title, price=Decimal(price), is_active=active)


def add_event(db, title: str, price: str, capacity: int, days: int = 30) -> uuid.UUID:
    return insert(
        db,
        "events",
        slug=f"event-{uuid.uuid4().hex[:8]}",
        title=title,
        price=Decimal(price),
        capacity=capacity,
        starts_at=datetime.now(UTC) + timedelta(days=days),
    )


def add_to_cart(client, item_type: str, item_id, quantity: int | None = None):
    """POST /api/cart/items and return the response (the client keeps the cookie)."""
    body = {"itemType": item_type, "itemId": str(item_id)}
    if quantity is not None:
        body["quantity"] = quantity
    return client.post("/api/cart/items", json=body)


def count_rows(db) -> dict[str, int]:
    """Rows in each order table: what a failed checkout must leave at zero."""
    return {
        table: db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("orders", "order_items", "bookings")
    }


@contextmanager
def recorded_statements(engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for these raw bytes, signed the way Stripe signs."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def signed(event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header."""
    body = json.dumps(event).encode()
    return body, signature(body, secret, timestamp)


def deliver(client, event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """POST `event` to the test app's webhook endpoint, signed as Stripe signs it."""
    body, stripe_signature = signed(event, secret, timestamp)
    return client.post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature},
    )


def wait_until_ok(client, path: str, limit: float = 20.0) -> float:
    """Seconds until `path` answers 200 again (after a backend came back)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if client.get(path).status_code == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{path} did not recover within {limit} s")


def identity_token(user_id, secret: str, **claims) -> str:
    """An HS256 identity token for `user_id` with the test app's issuer and audience."""
    now = int(time.time())
    payload = {
        "sub": str(user_id),
        "iss": "http://shop.test",
        "aud": "checkout_app",
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying `token`."""
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10) -> None:
    """Return once something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stripe_event(event_type: str, session: dict, **changes) -> dict:
    """A Stripe event around a copy of a Checkout Session object."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": {**session, **changes}},
    }
