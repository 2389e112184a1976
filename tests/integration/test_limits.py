"""Rate limits: per session and per client address, 429 JSON with Retry-After, window resets."""

from __future__ import annotations

import time

from ..helpers import add_to_cart

CREATE = "/api/checkout/create-session"


def shopper(app, catalog):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    return client


def test_checkout_limit_answers_429_json_with_retry_after(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_CHECKOUT="3/minute")
    client = shopper(app, catalog)
    statuses = [client.post(CREATE, json={}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    res = client.post(CREATE, json={"userEmail": "a@example.com"})
    assert res.status_code == 429
    assert res.get_json() == {
        "success": False,
        "error": "Too many requests. Please try again later.",
    }
    assert 0 < int(res.headers["Retry-After"]) <= 60


def test_limits_are_per_session(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_CHECKOUT="2/minute")
    first, second = shopper(app, catalog), shopper(app, catalog)
    assert [first.post(CREATE, json={}).status_code for _ in range(3)] == [400, 400, 429]
    assert second.post(CREATE, json={}).status_code == 400  # its own budget


def test_one_address_gets_ip_factor_times_the_session_limit(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_CHECKOUT="2/minute", RATE_LIMIT_IP_FACTOR="2")
    a, b, c = (shopper(app, catalog) for _ in range(3))
    for client in (a, b):
        assert [client.post(CREATE, json={}).status_code for _ in range(2)] == [400, 400]
    assert c.post(CREATE, json={}).status_code == 429  # the address spent 2 x 2


def test_limit_resets_after_the_window(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_CART="2 per 2 seconds")
    client = app.test_client()
    # The first write has no session yet and counts against the address; the next two
    # spend the new session's budget.
    codes = [add_to_cart(client, "event", catalog.event).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    time.sleep(2.1)
    assert add_to_cart(client, "event", catalog.event).status_code == 201


def test_reading_the_cart_is_not_limited(make_app, catalog):
    app = make_app(RATE_LIMIT_CART="1/minute")
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)  # before the session: the address's budget
    assert client.delete(f"/api/cart/items/course/{catalog.course}").status_code == 200
    assert {client.get("/api/cart").status_code for _ in range(5)} == {200}
    assert client.delete("/api/cart").status_code == 429


def test_a_refused_checkout_spends_nothing_of_the_address_budget(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_CHECKOUT="1/minute", RATE_LIMIT_IP_FACTOR="2")
    a, b = shopper(app, catalog), shopper(app, catalog)
    assert [a.post(CREATE, json={}).status_code for _ in range(3)] == [400, 429, 429]
    # a's refused attempts did not spend the address: b still has its one.
    assert b.post(CREATE, json={}).status_code == 400
