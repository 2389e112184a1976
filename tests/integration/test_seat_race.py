"""Shoppers racing for the last seats: never oversold, with or without the Redis seat claims."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import text

from checkout_app.db.repository import Holder, PendingOrder
from checkout_app.domain.cart import Cart, CartKey, CartLine
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import price_cart
from checkout_app.errors import ItemsUnavailable

from ..helpers import add_event, add_to_cart

CREATE = "/api/checkout/create-session"


def seats_held(db, event_id) -> int:
    return db.execute(
        text(
            "SELECT coalesce(sum(attendees), 0) FROM bookings"
            " WHERE event_id = :id AND status IN ('pending', 'confirmed')"
        ),
        {"id": event_id},
    ).scalar_one()


def test_fifty_shoppers_for_ten_seats(make_app, db, sim):
    event_id = add_event(db, "Tiny Workshop", "50.00", capacity=10)
    app = make_app(DB_POOL_SIZE="25")
    clients = [app.test_client() for _ in range(50)]
    for client in clients:
        add_to_cart(client, "event", event_id, 1)
    sim.set_latency(100)  # all fifty are in flight together

    def buy(client):
        return client.post(CREATE, json={"userEmail": "a@example.com"})

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(buy, clients))
    statuses = [res.status_code for res in answers]
    assert seats_held(db, event_id) == 10
    assert (statuses.count(200), statuses.count(409)) == (10, 40)
    assert {r.get_json()["error"] for r in answers if r.status_code == 409} == {
        "Some items in your cart are no longer available"
    }
    # Only the ten sessions backed by an order can be paid: a shopper refused at the final
    # recount had its session expired. The seat claims keep most losers away from Stripe.
    assert len([s for s in sim.sessions() if s["status"] == "open"]) == 10
    assert len(sim.sessions()) < 50


def test_the_row_lock_alone_never_oversells(app, db):
    """Thirty concurrent order writes (checkout_place_order: lock, recount, insert) for four
    seats, without the Redis claims in front."""
    event_id = add_event(db, "Tiny Workshop", "50.00", capacity=4)
    shop = app.extensions["checkout"]
    key = CartKey(ItemType.EVENT, event_id)
    with shop.uow() as uow:
        entries = uow.catalog.entries([key])
    priced = price_cart(Cart("s", (CartLine(key, 1),)), entries, Decimal(0), "usd")

    def write(n: int) -> str:
        order = PendingOrder(
            uuid.uuid4(), None, "a@example.com", priced, f"cs_race_{n}", "h" * 64, "f", None, None
        )
        try:
            shop.checkout_db.place(order, [], Holder(), 0)
        except ItemsUnavailable:
            return "refused"
        return "held"

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(write, range(30)))
    assert (outcomes.count("held"), outcomes.count("refused")) == (4, 26)
    assert seats_held(db, event_id) == 4
