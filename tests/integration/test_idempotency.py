"""Idempotency-Key on checkout and cart writes: replay, clash (422), in flight (409)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from ..helpers import add_to_cart

CREATE = "/api/checkout/create-session"


def stripe_creates(sim) -> int:
    return sum(1 for r in sim.requests() if r["path"] == "/v1/checkout/sessions")


def test_repeat_with_same_key_and_body_replays_the_answer(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)
    second = client.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.get_data() == first.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert stripe_creates(sim) == 1
    assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 1


def test_same_key_other_body_is_422(client, catalog, sim):
    add_to_cart(client, "course", catalog.course)
    key = {"Idempotency-Key": "order-attempt-1"}
    client.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)
    res = client.post(CREATE, json={"userEmail": "bo@example.com"}, headers=key)
    assert res.status_code == 422
    assert res.get_json()["error"] == "Idempotency-Key was already used with a different request"


def test_errors_below_500_are_replayed_too(client, catalog):
    add_to_cart(client, "course", catalog.course)
    key = {"Idempotency-Key": "bad-email-attempt"}
    first = client.post(CREATE, json={"userEmail": "nope"}, headers=key)
    second = client.post(CREATE, json={"userEmail": "nope"}, headers=key)
    assert (first.status_code, second.status_code) == (400, 400)
    assert second.headers["Idempotent-Replayed"] == "true"


def test_server_errors_release_the_key_for_a_retry(client, catalog, sim):
    add_to_cart(client, "course", catalog.course)
    key = {"Idempotency-Key": "retry-after-stripe-failure"}
    sim.fail("500", count=1)
    assert (
        client.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key).status_code == 503
    )
    retry = client.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry.headers


def test_request_still_running_is_409(app, catalog, sim):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    cookie = client.get_cookie("session_id").value
    sim.set_latency(1200)  # the first holds the key for over a second (timeout is 2 s)
    key = {"Idempotency-Key": "slow-one"}

    def submit(delay: float):
        time.sleep(delay)
        tab = app.test_client()
        tab.set_cookie("session_id", cookie)
        return tab.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(submit, (0, 0.4)))
    # Whichever claimed the key first succeeds; the other finds it in flight.
    assert sorted(r.status_code for r in answers) == [200, 409]
    busy = next(r for r in answers if r.status_code == 409)
    assert busy.get_json()["error"] == "Request in progress"


def test_twenty_threads_with_one_key_make_one_order_with_identical_answers(app, catalog, sim, db):
    client = app.test_client()
    add_to_cart(client, "event", catalog.event, 1)
    cookie = client.get_cookie("session_id").value
    key = {"Idempotency-Key": str(uuid.uuid4())}
    sim.set_latency(200)

    def submit(_):
        tab = app.test_client()
        tab.set_cookie("session_id", cookie)
        return tab.post(CREATE, json={"userEmail": "ann@example.com"}, headers=key)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(submit, range(20)))
    ok = [r for r in responses if r.status_code == 200]
    busy = [r for r in responses if r.status_code == 409]
    assert len(ok) + len(busy) == 20
    assert len({r.get_data() for r in ok}) == 1
    assert stripe_creates(sim) == 1
    assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 1
    # once the first has finished, every retry gets the same stored answer
    later = submit(0)
    assert later.get_data() == ok[0].get_data()
    assert later.headers["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_to_the_session(make_app, catalog, sim, db):
    app = make_app()
    ann, bo = app.test_client(), app.test_client()
    for shopper in (ann, bo):
        add_to_cart(shopper, "course", catalog.course)
    key = {"Idempotency-Key": "same-key-two-shoppers"}
    a = ann.post(CREATE, json={"userEmail": "x@example.com"}, headers=key).get_json()
    b = bo.post(CREATE, json={"userEmail": "x@example.com"}, headers=key).get_json()
    assert a["orderId"] != b["orderId"]


def test_two_cookieless_clients_with_one_key_never_share_a_session(app, catalog):
    key = {"Idempotency-Key": "first-add", "User-Agent": "same-browser"}
    body = {"itemType": "event", "itemId": str(catalog.event), "quantity": 2}
    first_client, second_client = app.test_client(), app.test_client()  # one address, one UA
    first = first_client.post("/api/cart/items", json=body, headers=key)
    second = second_client.post("/api/cart/items", json=body, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    cookies = {c.get_cookie("session_id").value for c in (first_client, second_client)}
    assert len(cookies) == 2


def test_a_replay_never_carries_a_cookie(client, catalog):
    add_to_cart(client, "course", catalog.course)
    key = {"Idempotency-Key": "add-event"}
    body = {"itemType": "event", "itemId": str(catalog.event), "quantity": 2}
    assert "Set-Cookie" in client.post("/api/cart/items", json=body, headers=key).headers
    again = client.post("/api/cart/items", json=body, headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Set-Cookie" not in again.headers
    assert again.get_json()["cart"]["items"][1]["quantity"] == 2  # not added twice


def test_a_429_is_not_replayed(make_app, catalog):
    strict = make_app(RATE_LIMIT_CART="2/minute").test_client()
    for item in (catalog.course, catalog.course_b, catalog.course):  # two with a session
        add_to_cart(strict, "course", item)
    key = {"Idempotency-Key": "after-the-limit"}
    body = {"itemType": "event", "itemId": str(catalog.event), "quantity": 1}
    assert strict.post("/api/cart/items", json=body, headers=key).status_code == 429
    relaxed = make_app(RATE_LIMIT_CART="100/minute").test_client()
    relaxed.set_cookie("session_id", strict.get_cookie("session_id").value)
    retry = relaxed.post("/api/cart/items", json=body, headers=key)
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


def test_an_availability_409_is_not_replayed(app, catalog, sim, db):
    other = app.test_client()
    add_to_cart(other, "event", catalog.event, 5)
    taken = other.post(CREATE, json={"userEmail": "first@example.com"}).get_json()["orderId"]
    client = app.test_client()
    add_to_cart(client, "event", catalog.event, 1)
    key = {"Idempotency-Key": "when-seats-free-up"}
    body = {"userEmail": "ann@example.com"}
    assert client.post(CREATE, json=body, headers=key).status_code == 409
    db.execute(text("UPDATE bookings SET status = 'cancelled' WHERE order_id = :id"), {"id": taken})
    retry = client.post(CREATE, json=body, headers=key)
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry.headers


def test_malformed_key_is_400(client, catalog):
    add_to_cart(client, "course", catalog.course)  # keys count only within a session
    res = client.post("/api/cart/items", json={}, headers={"Idempotency-Key": "has space"})
    assert res.status_code == 400
    assert "Idempotency-Key" in res.get_json()["error"]
