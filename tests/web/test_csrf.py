"""CSRF: every form post needs the page's token; a refused post writes nothing. /api/ is exempt."""

from __future__ import annotations

import pytest

from tests.helpers import count_rows

from .helpers import add_to_cart, csrf_token, text

REFUSED = "This form has expired or did not come from this shop, so nothing was changed."


def assert_refused(res) -> None:
    assert (res.status_code, res.mimetype) == (400, "text/html")
    assert REFUSED in text(res)
    assert "session_id=" not in " ".join(res.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_add_to_cart_without_a_valid_token_is_refused(client, catalog, token):
    csrf_token(client)  # the shopper has a CSRF session, but the post does not carry its token
    data = {"item_type": "course", "item_id": str(catalog.course)}
    if token is not None:
        data["csrf_token"] = token

    assert_refused(client.post("/cart/items", data=data))
    assert client.get_cookie("session_id") is None


def test_a_token_from_another_browser_is_refused(make_app, catalog):
    app = make_app()
    mallory, victim = app.test_client(), app.test_client()

    data = {
        "item_type": "course",
        "item_id": str(catalog.course),
        "csrf_token": csrf_token(mallory),
    }

    assert_refused(victim.post("/cart/items", data=data))


def test_cart_changes_without_a_token_are_refused(client, catalog):
    add_to_cart(client, "event", catalog.event, 2)
    before = client.get("/api/cart").get_json()

    assert_refused(client.post(f"/cart/items/event/{catalog.event}", data={"quantity": "5"}))
    assert_refused(client.post(f"/cart/items/event/{catalog.event}/remove"))
    assert client.get("/api/cart").get_json() == before


def test_checkout_without_a_token_is_refused(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)

    assert_refused(client.post("/checkout", data={"email": "ann@example.com"}))
    assert count_rows(db) == {"orders": 0, "order_items": 0, "bookings": 0}
    assert sim.requests() == []


def test_the_json_api_needs_no_token(client, catalog, sim):
    body = {"itemType": "course", "itemId": str(catalog.course)}

    assert client.post("/api/cart/items", json=body).status_code == 201
    res = client.post("/api/checkout/create-session", json={"userEmail": "ann@example.com"})
    assert res.status_code == 200 and res.get_json()["success"] is True


def test_the_csrf_session_cookie_is_lax_and_http_only(client, catalog):
    res = client.get("/")

    (cookie,) = [h for h in res.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
