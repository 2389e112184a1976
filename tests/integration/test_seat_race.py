"""Shoppers racing for the last seats: the row lock never lets an event oversell."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from ..helpers import add_event, add_to_cart


def test_twelve_shoppers_for_four_seats(make_app, db, sim):
    event_id = add_event(db, "Tiny Workshop", "50.00", capacity=4)
    app = make_app(DB_POOL_SIZE="12")
    clients = [app.test_client() for _ in range(12)]
    for client in clients:
        add_to_cart(client, "event", event_id, 1)
    sim.set_latency(50)  # every checkout is in flight at once when the seats are held

    def buy(client):
        return client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(res.status_code for res in pool.map(buy, clients))
    held = db.execute(
        text("SELECT coalesce(sum(attendees), 0) FROM bookings WHERE event_id = :id"),
        {"id": event_id},
    ).scalar_one()
    assert held == 4
    assert statuses.count(200) == 4
    assert statuses.count(409) == 8
    # A shopper refused at the final seat check had a Stripe session already: it is expired,
    # so only the four sessions backed by an order can still be paid.
    open_sessions = [s for s in sim.sessions() if s["status"] == "open"]
    assert len(open_sessions) == 4
    # In-flight seat claims turn most losers away before they reach Stripe at all.
    assert len(sim.sessions()) < 12
