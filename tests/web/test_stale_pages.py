"""Pages are never cached, and a form posted from an out-of-date page says what happened."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text as sql

from .helpers import add_to_cart, csrf_token, place_order, post_form, text


@pytest.mark.parametrize(
    "path", ["/", "/cart", "/checkout", "/checkout/cancel", "/nowhere", "/checkout/success"]
)
def test_every_page_is_no_store(client, catalog, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_an_order_page_is_no_store(client, catalog, sim):
    add_to_cart(client, "course", catalog.course)
    session_id = place_order(client, "ann@example.com").headers["Location"].rsplit("/")[-1]

    res = client.get(f"/checkout/success?session_id={session_id}")

    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"


def test_checkout_posted_after_paying_links_to_the_order(client, catalog, sim, db):
    add_to_cart(client, "course", catalog.course)
    session_id = place_order(client, "ann@example.com").headers["Location"].rsplit("/")[-1]
    # What fulfilment does once paid: the order completes and its lines leave the cart.
    db.execute(sql("UPDATE orders SET status = 'completed'"))
    post_form(client, f"/cart/items/course/{catalog.course}/remove")
    order_id = db.execute(sql("SELECT id FROM orders")).scalar_one()

    res = place_order(client, "ann@example.com")  # the old checkout page, posted again

    page = text(res)
    assert res.status_code == 400
    assert "This page was out of date, so nothing was charged" in page
    assert "Pay with Stripe" not in page
    number = order_id.hex[:8].upper()
    assert f'href="/checkout/success?session_id={session_id}">order {number[:4]}-{number[4:]}' in (
        page
    )
    assert db.execute(sql("SELECT count(*) FROM orders")).scalar_one() == 1


def test_a_change_to_a_line_that_left_the_cart_shows_the_cart_as_it_is(client, catalog):
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    token = csrf_token(client)
    client.delete(f"/api/cart/items/event/{catalog.event}")  # paid or removed in another tab

    res = client.post(
        f"/cart/items/event/{catalog.event}", data={"quantity": "3", "csrf_token": token}
    )

    page = text(res)
    assert res.status_code == 404 and "<h1>Your cart</h1>" in page
    assert "That item is no longer in your cart" in page
    assert "Python Foundations" in page and "Testing Workshop" not in page


def test_a_csrf_token_lives_as_long_as_the_browser_session(make_app, catalog):
    app = make_app()
    client = app.test_client()
    csrf_token(client)
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    two_hours_ago = time.time() - 2 * 3600
    with mock.patch("time.time", return_value=two_hours_ago):
        old_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    data = {"item_type": "course", "item_id": str(catalog.course), "csrf_token": old_token}
    res = client.post("/cart/items", data=data)

    assert res.status_code == 303
    assert client.get("/api/cart").get_json()["cart"]["items"][0]["title"] == "Python Foundations"
