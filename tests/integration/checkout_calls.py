"""checkout_place_order called as the app calls it, for the tests that drive the database's
checkout functions on a connection of their own."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from checkout_app.db.checkout_sql import PLACE_ORDER

COURSE_PRICE = Decimal("10.00")
SEATS, SEAT_PRICE = 2, Decimal("15.00")


def place(
    cur, cart_hash: str, course: str | None, *events: str, superseded=(), shopper: str = "shopper"
) -> str:
    """An order of `course` (if given) and 2 seats of each of `events`, held 30 minutes;
    `shopper` names the email and the address. Its id."""
    order_id = str(uuid.uuid4())
    later = str(datetime.now(UTC) + timedelta(minutes=30))
    items = [
        {
            "item_type": "course",
            "course_id": course,
            "title": "Course",
            "price": str(COURSE_PRICE),
            "quantity": 1,
            "line_total": str(COURSE_PRICE),
        }
        for course in [course]
        if course
    ] + [
        {
            "item_type": "event",
            "event_id": event,
            "title": "Event",
            "price": str(SEAT_PRICE),
            "quantity": SEATS,
            "line_total": str(SEATS * SEAT_PRICE),
        }
        for event in events
    ]
    total = str(sum(Decimal(item["line_total"]) for item in items))
    email, address = f"{shopper}@example.com", f"{shopper}-address"
    order = {
        "id": order_id,
        "user_id": None,
        "customer_email": email,
        "subtotal": total,
        "tax": "0.00",
        "total_amount": total,
        "currency": "usd",
        "stripe_checkout_session_id": f"cs_test_{order_id}",
        "cart_session_hash": cart_hash,
        "checkout_fingerprint": cart_hash,
        "stripe_checkout_url": f"https://checkout.stripe.test/{order_id}",
        "stripe_session_expires_at": later,
        "seats_held_until": later,
        "client_address_hash": address,
    }
    params = [json.dumps(order), json.dumps(items), list(superseded), cart_hash, email, address]
    cur.execute(PLACE_ORDER, [*params, 0, time.time() + 30])
    return order_id
