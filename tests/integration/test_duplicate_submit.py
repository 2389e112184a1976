"""Double clicks and two tabs: one pending order per unchanged cart, superseded ones cancelled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from ..helpers import add_to_cart

CREATE = "/api/checkout/create-session"


def creates(sim) -> int:
    return sum(
        1 for r in sim.requests() if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"
    )


def orders(db) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in db.execute(text("SELECT id::text, status::text FROM orders ORDER BY created_at"))
    ]


def test_twenty_concurrent_submits_make_one_order_and_one_stripe_session(app, catalog, sim, db):
    shopper = app.test_client()
    add_to_cart(shopper, "event", catalog.event, 2)
    cookie = shopper.get_cookie("session_id").value
    sim.set_latency(100)  # all twenty arrive while the first is still talking to Stripe

    def submit(_):
        tab = app.test_client()
        tab.set_cookie("session_id", cookie)
        return tab.post(CREATE, json={"userEmail": "ann@example.com"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(submit, range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    answers = {(r.get_json()["sessionId"], r.get_json()["orderId"]) for r in responses}
    assert len(answers) == 1
    assert creates(sim) == 1
    assert [status for _, status in orders(db)] == ["pending"]
    held = db.execute(text("SELECT sum(attendees) FROM bookings")).scalar_one()
    assert held == 2


def test_repeat_of_unchanged_cart_returns_the_same_order(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)
    first = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    second = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    assert (second["orderId"], second["sessionId"], second["sessionUrl"]) == (
        first["orderId"],
        first["sessionId"],
        first["sessionUrl"],
    )
    assert creates(sim) == 1


def test_changed_cart_supersedes_the_pending_order_and_frees_its_seats(client, catalog, sim, db):
    add_to_cart(client, "event", catalog.event, 5)  # every seat
    first = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    client.patch(f"/api/cart/items/event/{catalog.event}", json={"quantity": 4})
    second = client.post(CREATE, json={"userEmail": "ann@example.com"})
    assert second.status_code == 200  # the first order's 5 seats do not block its replacement
    second = second.get_json()
    assert second["orderId"] != first["orderId"]
    assert orders(db) == [(first["orderId"], "cancelled"), (second["orderId"], "pending")]
    bookings = db.execute(
        text("SELECT status::text, attendees FROM bookings ORDER BY created_at")
    ).all()
    assert [tuple(b) for b in bookings] == [("cancelled", 5), ("pending", 4)]
    sessions = {s["id"]: s["status"] for s in sim.sessions()}
    assert sessions == {first["sessionId"]: "expired", second["sessionId"]: "open"}


def test_other_email_is_another_purchase(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)
    first = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    second = client.post(CREATE, json={"userEmail": "bo@example.com"}).get_json()
    assert second["orderId"] != first["orderId"]
    assert [status for _, status in orders(db)] == ["cancelled", "pending"]


def test_expired_session_makes_a_new_order(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)
    first = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    db.execute(
        text("UPDATE orders SET stripe_session_expires_at = now() + interval '1 minute'")
    )  # too close to its end to hand out again
    second = client.post(CREATE, json={"userEmail": "ann@example.com"}).get_json()
    assert second["orderId"] != first["orderId"]
    assert creates(sim) == 2


def test_different_shoppers_with_equal_carts_get_separate_orders(make_app, catalog, sim, db):
    app = make_app()
    a, b = app.test_client(), app.test_client()
    for shopper in (a, b):
        add_to_cart(shopper, "course", catalog.course)
    ids = {
        s.post(CREATE, json={"userEmail": "x@example.com"}).get_json()["orderId"] for s in (a, b)
    }
    assert len(ids) == 2
    assert [status for _, status in orders(db)] == ["pending", "pending"]
