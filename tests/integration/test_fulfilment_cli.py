"""send-notifications over a real SMTP server, and expire-stale-orders against the simulator."""

from __future__ import annotations

import json

import pytest
import stripe
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import text

from ..helpers import add_to_cart, deliver, free_port, stripe_event


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def paid_order(client, catalog, sim, app):
    """A completed order (through a signed webhook) with one queued email."""
    add_to_cart(client, "course", catalog.course)
    body = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()
    session = next(s for s in sim.sessions() if s["id"] == body["sessionId"])
    event = stripe_event(
        "checkout.session.completed", {**session, "status": "complete", "payment_status": "paid"}
    )
    deliver(client, event, app.config["STRIPE_WEBHOOK_SECRET"])
    return body["orderId"]


def outbox_row(db):
    return db.execute(
        text("SELECT attempts, sent_at, last_error, next_attempt_at FROM outbox")
    ).one()


def test_send_notifications_retries_then_delivers_once(make_app, paid_order, db):
    port = free_port()
    runner = make_app(SMTP_URL=f"smtp://127.0.0.1:{port}").test_cli_runner()

    down = runner.invoke(args=["send-notifications"])  # nothing listens on the port yet
    assert down.exit_code == 0, down.output
    assert json.loads(down.output) == {"sent": 0, "failed": 1}
    row = outbox_row(db)
    assert (row.attempts, row.sent_at) == (1, None)
    assert "ConnectionRefusedError" in row.last_error

    not_due = runner.invoke(args=["send-notifications"])
    assert json.loads(not_due.output) == {"sent": 0, "failed": 0}  # backoff: not due yet

    db.execute(text("UPDATE outbox SET next_attempt_at = now()"))
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        up = runner.invoke(args=["send-notifications"])
        again = runner.invoke(args=["send-notifications"])
    finally:
        smtp.stop()
    assert json.loads(up.output) == {"sent": 1, "failed": 0}
    assert json.loads(again.output) == {"sent": 0, "failed": 0}
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "ann@example.com"
    assert paid_order[:8] in mail["Subject"]
    assert paid_order in mail.get_payload()
    row = outbox_row(db)
    assert (row.attempts, row.sent_at is not None, row.last_error) == (2, True, None)


def test_send_notifications_logs_in_development(make_app, paid_order, db, caplog):
    runner = make_app(APP_ENV="development").test_cli_runner()
    with caplog.at_level("INFO", logger="checkout_app.adapters.senders"):
        result = runner.invoke(args=["send-notifications"])
    assert json.loads(result.output) == {"sent": 1, "failed": 0}
    assert paid_order in caplog.text
    assert outbox_row(db).sent_at is not None


def test_send_notifications_without_any_channel_fails_clearly(app, db):
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 1
    assert "SMTP_URL" in result.output


@pytest.fixture
def stale_order(client, catalog, sim, db):
    """A pending order whose row says it was created 45 minutes ago."""
    add_to_cart(client, "event", catalog.event, 2)
    body = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()
    db.execute(
        text("UPDATE orders SET created_at = now() - interval '45 minutes' WHERE id = :id"),
        {"id": body["orderId"]},
    )
    return body


def order_status(db, order_id):
    return db.execute(
        text(
            "SELECT o.status, array_agg(b.status::text) FROM orders o"
            " LEFT JOIN bookings b ON b.order_id = o.id WHERE o.id = :id GROUP BY o.status"
        ),
        {"id": order_id},
    ).one()


def test_expire_stale_orders_cancels_an_expired_session_without_webhook(
    app, stale_order, db, stripe_sim
):
    stripe.StripeClient(
        "sk_test_x", base_addresses={"api": stripe_sim.url}
    ).v1.checkout.sessions.expire(stale_order["sessionId"])
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"orderId": stale_order["orderId"], "sessionStatus": "expired", "outcome": "cancelled"}
    ]
    assert tuple(order_status(db, stale_order["orderId"])) == ("cancelled", ["cancelled"])


def test_expire_stale_orders_leaves_open_sessions_and_fresh_orders(app, stale_order, db, catalog):
    fresh = app.test_client()  # another shopper: the same one would supersede the stale order
    add_to_cart(fresh, "course", catalog.course)
    fresh.post("/api/checkout/create-session", json={"userEmail": "bo@example.com"})
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    report = json.loads(result.output)
    assert report == [
        {"orderId": stale_order["orderId"], "sessionStatus": "open", "outcome": "still_open"}
    ]
    assert (
        db.execute(text("SELECT count(*) FROM orders WHERE status = 'pending'")).scalar_one() == 2
    )


def test_expire_stale_orders_completes_a_paid_session_whose_webhook_was_lost(
    app, stale_order, db, sim
):
    sim.complete(stale_order["sessionId"], payment_status="paid")
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    assert json.loads(result.output)[0]["outcome"] == "completed"
    assert tuple(order_status(db, stale_order["orderId"])) == ("completed", ["confirmed"])
