"""Seat holds that cannot be hoarded: per-order and per-client limits, deadlines never renewed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ..helpers import add_event, add_to_cart, deliver, stripe_event

CREATE = "/api/checkout/create-session"
LIMIT = (409, "Ticket limit reached for an event in your cart")
SOLD_OUT = (409, "Some items in your cart are no longer available")


def answer(res) -> tuple[int, str]:
    body = res.get_json()
    return res.status_code, body.get("error") or body.get("message")


@pytest.fixture
def limited(make_app):
    """The defaults: 10 tickets per order, 10 unpaid seats of an event per client."""
    return make_app(SEAT_HOLD_LIMIT="10", MAX_TICKETS_PER_ORDER="10")


def shopper(app, address: str = "203.0.113.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def buy(client, event, seats: int, email: str):
    add_to_cart(client, "event", event, seats)
    return client.post(CREATE, json={"userEmail": email})


def catalog_seats(client, event) -> int:
    """The "N seats left" the catalog page shows for the event."""
    html = client.get("/").get_data(as_text=True)
    card = html.split(f'data-item="event:{event}"', 1)[1]
    return int(re.search(r"(-?\d+) seats left", card).group(1))


def held_until(db, order_id: str) -> datetime:
    return db.execute(
        text("SELECT seats_held_until FROM orders WHERE id = :id"), {"id": order_id}
    ).scalar_one()


def test_three_sessions_three_emails_one_address_leave_seats_sellable(limited, db, sim):
    event = add_event(db, "Flash Sale", "20.00", capacity=200)
    hoarder = [shopper(limited) for _ in range(3)]
    assert buy(hoarder[0], event, 10, "a@throwaway.example").status_code == 200
    assert answer(buy(hoarder[1], event, 10, "b@throwaway.example")) == LIMIT
    assert answer(buy(hoarder[2], event, 1, "c@throwaway.example")) == LIMIT
    assert answer(buy(shopper(limited), event, 11, "d@throwaway.example")) == LIMIT
    for n in range(5):  # real shoppers elsewhere still buy
        real = shopper(limited, f"198.51.100.{n}")
        assert buy(real, event, 10, f"shopper{n}@example.com").status_code == 200
    held = db.execute(
        text("SELECT coalesce(sum(attendees), 0) FROM bookings WHERE event_id = :e"), {"e": event}
    ).scalar_one()
    assert held == 60
    assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 6


def test_the_email_and_the_session_count_too(limited, db, sim):
    event = add_event(db, "Meetup", "20.00", capacity=100)
    assert buy(shopper(limited, "192.0.2.1"), event, 8, "ann@example.com").status_code == 200
    assert answer(buy(shopper(limited, "192.0.2.2"), event, 3, "ann@example.com")) == LIMIT
    same_session = shopper(limited, "192.0.2.3")
    assert buy(same_session, event, 8, "bo@example.com").status_code == 200
    add_to_cart(same_session, "event", event, 3)  # 11 in one session's cart
    assert answer(same_session.post(CREATE, json={"userEmail": "cy@example.com"})) == LIMIT


def test_sold_out_and_limit_reached_say_different_things(limited, db, sim):
    event = add_event(db, "Tiny", "20.00", capacity=3)
    assert answer(buy(shopper(limited, "192.0.2.10"), event, 4, "a@example.com")) == SOLD_OUT
    big = add_event(db, "Big", "20.00", capacity=50)
    assert answer(buy(shopper(limited, "192.0.2.11"), big, 11, "b@example.com")) == LIMIT
    assert sim.requests() == []  # refused before any Stripe session was opened


def test_the_limits_are_configurable(make_app, db, sim):
    app = make_app(SEAT_HOLD_LIMIT="30", MAX_TICKETS_PER_ORDER="15")
    event = add_event(db, "Conference", "20.00", capacity=100)
    client = shopper(app)
    assert buy(client, event, 15, "a@example.com").status_code == 200
    assert buy(shopper(app), event, 15, "b@example.com").status_code == 200
    assert answer(buy(shopper(app), event, 1, "c@example.com")) == LIMIT


def test_a_renewed_checkout_keeps_the_first_deadline(limited, db, sim):
    event = add_event(db, "Workshop", "20.00", capacity=20)
    client = shopper(limited)
    first = buy(client, event, 2, "ann@example.com").get_json()["orderId"]
    soon = datetime.now(UTC) + timedelta(minutes=3)  # the first hold is about to end
    db.execute(
        text("UPDATE orders SET seats_held_until = :t WHERE id = :id"), {"t": soon, "id": first}
    )
    client.patch(f"/api/cart/items/event/{event}", json={"quantity": 3})
    second = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()["orderId"]
    assert second != first
    assert held_until(db, second) == soon
    client.patch(f"/api/cart/items/event/{event}", json={"quantity": 4})
    third = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()["orderId"]
    assert held_until(db, third) == soon


def test_a_lapsed_hold_frees_the_seats_at_once(limited, db, sim):
    event = add_event(db, "Small", "20.00", capacity=5)
    order = buy(shopper(limited, "192.0.2.20"), event, 5, "a@example.com").get_json()["orderId"]
    late = shopper(limited, "192.0.2.21")
    assert answer(buy(late, event, 1, "b@example.com")) == SOLD_OUT
    assert catalog_seats(late, event) == 0
    db.execute(
        text("UPDATE orders SET seats_held_until = now() - interval '1 second' WHERE id = :id"),
        {"id": order},
    )
    assert catalog_seats(late, event) == 5
    assert late.post(CREATE, json={"userEmail": "b@example.com"}).status_code == 200


def test_a_delayed_payment_holds_seats_for_a_bounded_time(make_app, db, sim):
    app = make_app(DELAYED_PAYMENT_HOLD_HOURS="2")
    event = add_event(db, "Retreat", "20.00", capacity=10)
    client = app.test_client()
    res = buy(client, event, 2, "ann@example.com").get_json()
    session = next(s for s in sim.sessions() if s["id"] == res["sessionId"])
    delivered = deliver(
        client, stripe_event("checkout.session.completed", {**session, "status": "complete"})
    )
    assert delivered.status_code == 200
    bound = held_until(db, res["orderId"]) - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < bound <= timedelta(hours=2)
    db.execute(
        text("UPDATE orders SET seats_held_until = now() - interval '1 second' WHERE id = :id"),
        {"id": res["orderId"]},
    )
    sim.complete(res["sessionId"], payment_status="unpaid")
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    assert result.exit_code == 0, result.output
    status = db.execute(
        text("SELECT status FROM orders WHERE id = :id"), {"id": res["orderId"]}
    ).scalar_one()
    assert status == "cancelled"


def test_a_payment_after_a_lapsed_hold_whose_seats_are_gone_is_flagged(limited, db, sim):
    event = add_event(db, "Gala", "20.00", capacity=2)
    first = shopper(limited, "192.0.2.30")
    res = buy(first, event, 2, "a@example.com").get_json()
    db.execute(
        text("UPDATE orders SET seats_held_until = now() - interval '1 second' WHERE id = :id"),
        {"id": res["orderId"]},
    )
    assert buy(shopper(limited, "192.0.2.31"), event, 2, "b@example.com").status_code == 200
    session = next(s for s in sim.sessions() if s["id"] == res["sessionId"])
    paid = {**session, "status": "complete", "payment_status": "paid", "payment_intent": "pi_1"}
    deliver(first, stripe_event("checkout.session.completed", paid))
    row = db.execute(
        text("SELECT status, needs_review FROM orders WHERE id = :id"), {"id": res["orderId"]}
    ).one()
    assert (row.status, row.needs_review) == ("pending", True)
