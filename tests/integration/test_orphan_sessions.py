"""No Stripe session without an order once `flask expire-stale-orders` has run.

Before, a create the app gave up on (timeout) could still make a session at Stripe, and an
order write that failed after a create whose expiry failed too left its session open: nothing
recorded them, so they stayed open and payable with no order behind them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from ..helpers import add_to_cart

CHECKOUT = "/api/checkout/create-session"


def open_sessions_without_order(sim, db) -> list[str]:
    orders = {
        (str(order_id), session_id)
        for order_id, session_id in db.execute(
            text("SELECT id, stripe_checkout_session_id FROM orders")
        )
    }
    return [
        s["id"]
        for s in sim.sessions()
        if s["status"] == "open" and (s["client_reference_id"], s["id"]) not in orders
    ]


def wait_for_sessions(sim, count: int) -> None:
    deadline = time.monotonic() + 15
    while len(sim.sessions()) < count:
        assert time.monotonic() < deadline, "the simulator never made the session"
        time.sleep(0.05)


def expire_stale_orders(app) -> list[dict[str, str]]:
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_create_that_timed_out_has_its_session_expired(app, catalog, sim, db):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    sim.fail("slow", count=1, delay_ms=3000, path="/v1/checkout/sessions")  # timeout is 2 s
    res = client.post(CHECKOUT, json={"userEmail": "slow@example.com"})
    assert res.status_code == 503
    wait_for_sessions(sim, 1)  # Stripe made it after all
    assert len(open_sessions_without_order(sim, db)) == 1

    report = expire_stale_orders(app)
    assert [line["outcome"] for line in report] == ["orphan_expired"]
    assert report[0]["orderId"] == sim.sessions()[0]["client_reference_id"]
    assert open_sessions_without_order(sim, db) == []
    assert [s["status"] for s in sim.sessions()] == ["expired"]
    assert expire_stale_orders(app) == []  # crossed off

    res = client.post(CHECKOUT, json={"userEmail": "slow@example.com"})
    assert res.status_code == 200  # the shopper's retry is a new, payable order
    assert open_sessions_without_order(sim, db) == []


@contextmanager
def orders_refused(db) -> Iterator[None]:
    """PostgreSQL itself refuses order inserts, as a server shutting down does (57P01)."""
    db.execute(
        text(
            "CREATE FUNCTION refuse_orders() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION 'terminating connection' USING ERRCODE = '57P01'; END $$"
        )
    )
    db.execute(
        text("CREATE TRIGGER refuse BEFORE INSERT ON orders EXECUTE FUNCTION refuse_orders()")
    )
    try:
        yield
    finally:
        db.execute(text("DROP TRIGGER refuse ON orders"))
        db.execute(text("DROP FUNCTION refuse_orders()"))


def test_a_failed_order_write_whose_expiry_failed_has_its_session_expired(app, catalog, sim, db):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    sim.fail("500", count=1, path="/v1/checkout/sessions/", method="POST")  # the expire
    with orders_refused(db):
        res = client.post(CHECKOUT, json={"userEmail": "write@example.com"})
    assert res.status_code == 503
    assert len(open_sessions_without_order(sim, db)) == 1

    assert [line["outcome"] for line in expire_stale_orders(app)] == ["orphan_expired"]
    assert open_sessions_without_order(sim, db) == []


def test_a_written_order_keeps_its_open_session(client, catalog, sim, db, app):
    add_to_cart(client, "course", catalog.course)
    assert client.post(CHECKOUT, json={"userEmail": "ok@example.com"}).status_code == 200
    assert expire_stale_orders(app) == []
    assert [s["status"] for s in sim.sessions()] == ["open"]
