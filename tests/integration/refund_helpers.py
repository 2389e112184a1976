"""Paid orders for the refund tests (the `served` fixture makes the simulator post to the app)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from ..conftest import SUPPORT_TOKEN
from ..helpers import add_to_cart

STAFF = {"Authorization": f"Bearer {SUPPORT_TOKEN}"}


@dataclass(frozen=True)
class PaidOrder:
    id: str
    session_id: str
    payment_intent: str


def buy(client, sim, lines: list[tuple[str, object, int | None]], email: str = "ann@example.com"):
    """Check the lines out and pay through the simulator (its webhook completes the order)."""
    for item_type, item_id, quantity in lines:
        assert add_to_cart(client, item_type, item_id, quantity).status_code == 201
    body = client.post("/api/checkout/create-session", json={"userEmail": email}).get_json()
    paid = sim.complete(body["sessionId"])["session"]
    return PaidOrder(body["orderId"], body["sessionId"], paid["payment_intent"])


def refund(client, order_id: str, **body):
    return client.post(f"/api/orders/{order_id}/refunds", json=body, headers=STAFF)


def order_state(db, order_id: str) -> dict:
    """Status, review flag, access, bookings and refunds of an order, straight from the tables."""
    one = lambda sql: db.execute(text(sql), {"id": order_id})  # noqa: E731
    status, review = one("SELECT status, needs_review FROM orders WHERE id = :id").one()
    return {
        "status": status,
        "review": review,
        "entitlements": sorted(
            one("SELECT item_type FROM entitlements WHERE order_id = :id").scalars()
        ),
        "bookings": [
            tuple(row) for row in one("SELECT status, attendees FROM bookings WHERE order_id = :id")
        ],
        "refunds": [
            (str(amount), status, actor)
            for amount, status, actor in one(
                "SELECT amount, status, actor FROM refunds WHERE order_id = :id ORDER BY created_at"
            )
        ],
        "refund_emails": one(
            "SELECT count(*) FROM outbox WHERE payload->>'orderId' = CAST(:id AS text)"
            " AND payload->>'kind' = 'refund_issued'"
        ).scalar_one(),
    }


def seats_left(db, event_id) -> int:
    return db.execute(
        text(
            "SELECT e.capacity - coalesce(sum(b.attendees) FILTER"
            " (WHERE b.status IN ('pending', 'confirmed')), 0)"
            " FROM events e LEFT JOIN bookings b ON b.event_id = e.id"
            " WHERE e.id = :id GROUP BY e.capacity"
        ),
        {"id": event_id},
    ).scalar_one()
