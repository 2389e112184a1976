"""Limits on every door: order reads, support-token guesses, and a cookieless budget of its own."""

from __future__ import annotations

from checkout_app.extensions import limiter

from ..conftest import SUPPORT_TOKEN
from ..helpers import add_to_cart

CREATE = "/api/checkout/create-session"


def placed(client, catalog) -> str:
    add_to_cart(client, "course", catalog.course)
    res = client.post(CREATE, json={"userEmail": "ann@example.com"})
    assert res.status_code == 200
    return res.get_json()["orderId"]


def test_order_reads_are_limited(make_app, catalog, sim):
    client = make_app(RATE_LIMIT_ORDERS="3/minute").test_client()
    order_id = placed(client, catalog)
    codes = [client.get(f"/api/orders/{order_id}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(f"/api/orders/{order_id}").get_json()["error"] == (
        "Too many requests. Please try again later."
    )


def test_support_token_guesses_are_limited_per_address(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_SUPPORT_TOKEN="3/minute")
    order_id = placed(app.test_client(), catalog)
    guesser = app.test_client()
    url = f"/api/orders/{order_id}"
    guesses = [
        guesser.get(url, headers={"Authorization": f"Bearer guess-{n}"}).status_code
        for n in range(3)
    ]
    assert guesses == [404, 404, 404]
    right = guesser.get(url, headers={"Authorization": f"Bearer {SUPPORT_TOKEN}"})
    assert right.status_code == 429  # the address spent its attempts


def test_good_support_reads_do_not_spend_the_attempts(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_SUPPORT_TOKEN="2/minute")
    order_id = placed(app.test_client(), catalog)
    support = app.test_client()
    headers = {"Authorization": f"Bearer {SUPPORT_TOKEN}"}
    codes = [support.get(f"/api/orders/{order_id}", headers=headers).status_code for _ in range(4)]
    assert codes == [200] * 4


def test_a_cookieless_flood_does_not_starve_shoppers_with_a_session(make_app, catalog):
    app = make_app(RATE_LIMIT_CART="2/minute", RATE_LIMIT_IP_FACTOR="2")
    shopper = app.test_client()
    assert add_to_cart(shopper, "course", catalog.course).status_code == 201  # has a session now
    flood = [
        app.test_client().post(
            "/api/cart/items", json={"itemType": "course", "itemId": str(catalog.course)}
        )
        for _ in range(6)
    ]
    assert [r.status_code for r in flood] == [201, 201, 201, 429, 429, 429]  # 2 x 2 per address
    assert add_to_cart(shopper, "course", catalog.course_b).status_code == 201
    assert add_to_cart(shopper, "digital_product", catalog.product).status_code == 201
    assert add_to_cart(shopper, "event", catalog.event).status_code == 429  # its own 2 spent


def test_support_token_guesses_on_staff_routes_count_too(make_app, catalog, sim):
    app = make_app(RATE_LIMIT_SUPPORT_TOKEN="3/minute")
    order_id = placed(app.test_client(), catalog)
    guesser = app.test_client()
    # An address of its own: the run shares one limiter key prefix, and other tests guess too.
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    guesses = [
        guesser.get(f"/api/orders/{order_id}/events", headers={"Authorization": "Bearer guess-1"}),
        guesser.post(
            f"/api/orders/{order_id}/refunds", json={}, headers={"Authorization": "Bearer guess-2"}
        ),
        guesser.get(f"/api/orders/{order_id}", headers={"Authorization": "Bearer guess-3"}),
    ]
    assert [r.status_code for r in guesses] == [401, 401, 404]
    right = guesser.get(
        f"/api/orders/{order_id}/events", headers={"Authorization": f"Bearer {SUPPORT_TOKEN}"}
    )
    assert right.status_code == 429  # the address spent its attempts across the staff routes


def test_a_checkout_does_not_ask_flask_limiter(make_app, catalog, sim, monkeypatch):
    """flask-limiter holds only limits decorated on their routes (support tokens, back-office
    logins): before other requests it has nothing to count, and no longer works that out on
    every one (extensions.AppLimiter). The decorated ones still count (the tests above)."""
    app = make_app()
    manager = limiter.limit_manager
    asked = []
    resolve = manager.resolve_limits
    monkeypatch.setattr(
        manager, "resolve_limits", lambda *args, **kw: asked.append(args) or resolve(*args, **kw)
    )
    client = app.test_client()
    placed(client, catalog)
    assert asked == []
    client.get("/api/orders/00000000-0000-0000-0000-000000000000", headers={"Authorization": "x"})
    assert asked, "a route with a decorated limit still resolves it"
