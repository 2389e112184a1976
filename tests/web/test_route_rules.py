"""The forms follow the API's route rules: the same rate limits and Idempotency-Key."""

from __future__ import annotations

from tests.helpers import add_to_cart as api_add

from .helpers import add_to_cart, csrf_token, place_order, text

CREATE = "/api/checkout/create-session"
TOO_MANY = "Too many requests. Please try again later."


def assert_429_page(res) -> None:
    assert res.status_code == 429
    assert res.mimetype == "text/html"
    assert TOO_MANY in text(res)
    assert 0 < int(res.headers["Retry-After"]) <= 3600


def test_checkout_form_and_api_share_the_checkout_limit(make_app, catalog, sim):
    client = make_app(RATE_LIMIT_CHECKOUT="2/hour").test_client()
    api_add(client, "course", catalog.course)

    assert client.post(CREATE, json={}).status_code == 400  # the API spends one
    assert place_order(client, None).status_code == 400  # the form spends the other

    assert_429_page(place_order(client, "ann@example.com"))
    assert client.post(CREATE, json={"userEmail": "ann@example.com"}).status_code == 429
    assert sim.requests() == []


def test_cart_forms_and_api_share_the_cart_limit(make_app, catalog):
    client = make_app(RATE_LIMIT_CART="3/hour").test_client()
    api_add(client, "event", catalog.event)  # no session yet: the address's budget
    line = f"/cart/items/event/{catalog.event}"
    token = csrf_token(client)

    assert add_to_cart(client, "course", catalog.course).status_code == 303
    assert client.patch(f"/api{line}", json={"quantity": 2}).status_code == 200
    assert client.post(line, data={"quantity": "3", "csrf_token": token}).status_code == 303

    assert_429_page(client.post(f"{line}/remove", data={"csrf_token": token}))
    assert client.delete("/api/cart").status_code == 429
    lines = client.get("/api/cart").get_json()["cart"]["items"]
    assert {line["itemType"]: line["quantity"] for line in lines} == {"course": 1, "event": 3}


def test_a_cart_form_post_honours_idempotency_key(client, catalog):
    api_add(client, "course", catalog.course)  # keys are scoped to the session from here on
    data = {"item_type": "event", "item_id": str(catalog.event), "csrf_token": csrf_token(client)}
    headers = {"Idempotency-Key": "add-event-once"}
    first = client.post("/cart/items", data=data, headers=headers)
    again = client.post("/cart/items", data=data, headers=headers)

    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["Idempotent-Replayed"] == "true"
    lines = client.get("/api/cart").get_json()["cart"]["items"]
    assert {line["itemType"]: line["quantity"] for line in lines} == {"course": 1, "event": 1}
