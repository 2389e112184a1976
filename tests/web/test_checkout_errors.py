"""Every error row of the contract's checkout table, through the form, with the table's status
and nothing written: a bad email comes back next to its field; a form posted from a page older
than the cart says so and offers no Pay; an outage shows the form again with the email kept."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text as sql

from tests.helpers import count_rows, issued_session_id

from .helpers import add_to_cart, csrf_token, place_order, text

NO_ROWS = {"orders": 0, "order_items": 0, "bookings": 0}


def form_error(res, email: str) -> tuple[int, str]:
    """(status, message) of a re-rendered checkout form, checking the email was kept."""
    page = text(res)
    assert res.mimetype == "text/html"
    assert 'action="/checkout"' in page
    assert f'name="email" value="{email}"' in page
    message = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert message, page
    return res.status_code, message.group(1)


def field_error(res, email: str) -> tuple[int, str]:
    """(status, message) of an error shown at the email field, which keeps what was typed."""
    page = text(res)
    assert 'action="/checkout"' in page and 'role="alert"' not in page
    field = re.search(r"<input id=\"email\"[^>]*>", page)
    assert field, page
    assert f'value="{email}"' in field.group(0)
    assert 'aria-invalid="true"' in field.group(0) and "autofocus" in field.group(0)
    assert 'aria-describedby="email-error"' in field.group(0)
    message = re.search(r'<p class="field-error" id="email-error">([^:<]*):', page)
    assert message, page
    return res.status_code, message.group(1)


def stale_page(res) -> int:
    """The status of a checkout posted with no cart to pay for: explained, no Pay button."""
    page = text(res)
    assert "This page was out of date, so nothing was charged" in page
    assert "Pay with Stripe" not in page and 'action="/checkout"' not in page
    assert 'href="/">Browse the catalog</a>' in page
    return res.status_code


@pytest.fixture
def shopper(client, catalog):
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    return client


def test_1_no_session_cookie(client, catalog):
    assert stale_page(place_order(client, "ann@example.com")) == 401


def test_2_no_cart_stored_for_the_session(client, catalog):
    client.set_cookie("session_id", issued_session_id())
    assert stale_page(place_order(client, "ann@example.com")) == 404


def test_3_empty_cart(client, catalog):
    add_to_cart(client, "course", catalog.course)
    client.post(
        f"/cart/items/course/{catalog.course}/remove", data={"csrf_token": csrf_token(client)}
    )
    assert stale_page(place_order(client, "ann@example.com")) == 400


@pytest.mark.parametrize("email", [None, "", "   "])
def test_4_email_missing_or_blank(shopper, email, db):
    assert field_error(place_order(shopper, email), email or "") == (
        400,
        "Email is required for checkout",
    )
    assert count_rows(db) == NO_ROWS


@pytest.mark.parametrize("email", ["ann", "ann@", "@example.com", "a b@example.com"])
def test_5_invalid_email(shopper, email, db, sim):
    assert field_error(place_order(shopper, email), email) == (400, "Invalid email format")
    assert count_rows(db) == NO_ROWS
    assert sim.requests() == []


def test_8_items_no_longer_available(shopper, catalog, db, sim):
    db.execute(sql("UPDATE courses SET is_active = false WHERE id = :id"), {"id": catalog.course})

    res = place_order(shopper, "ann@example.com")

    page = text(res)
    assert res.status_code == 409 and "can no longer be bought as they are" in page
    assert "Off sale: no longer sold; remove it to check out." in page
    assert "Pay with Stripe" not in page
    assert count_rows(db) == NO_ROWS


def test_9_stripe_failure(shopper, sim, db):
    cart_before = shopper.get("/api/cart").get_json()
    sim.fail("500")

    res = place_order(shopper, "ann@example.com")

    assert form_error(res, "ann@example.com") == (
        503,
        "Payment system error. Please try again later.",
    )
    assert res.headers["Retry-After"].isdigit()
    assert count_rows(db) == NO_ROWS
    assert shopper.get("/api/cart").get_json() == cart_before


def test_10_redis_unreachable(make_app, catalog):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    token = csrf_token(client, "/")  # the catalog needs no Redis
    client.set_cookie("session_id", issued_session_id())

    res = client.post("/checkout", data={"email": "ann@example.com", "csrf_token": token})

    assert form_error(res, "ann@example.com") == (503, "Cart service unavailable")
    assert res.headers["Retry-After"].isdigit()


def test_11_postgres_unreachable(make_app, shopper):
    client = make_app(DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/none").test_client()
    token = csrf_token(shopper, "/checkout")
    for cookie in ("session_id", "session"):  # the same browser: cart and CSRF session
        client.set_cookie(cookie, shopper.get_cookie(cookie).value)

    res = client.post("/checkout", data={"email": "ann@example.com", "csrf_token": token})

    assert form_error(res, "ann@example.com") == (503, "Service temporarily unavailable")
    assert res.headers["Retry-After"].isdigit()


def test_12_anything_else(shopper, db, sim):
    db.execute(
        sql(
            "CREATE FUNCTION refuse_orders() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'orders are closed'; END $$"
        )
    )
    db.execute(
        sql(
            "CREATE TRIGGER refuse_orders BEFORE INSERT ON orders"
            " FOR EACH ROW EXECUTE FUNCTION refuse_orders()"
        )
    )
    try:
        res = place_order(shopper, "ann@example.com")
    finally:
        db.execute(sql("DROP TRIGGER refuse_orders ON orders"))
        db.execute(sql("DROP FUNCTION refuse_orders()"))

    assert form_error(res, "ann@example.com") == (500, "Failed to create checkout session")
    assert "orders are closed" not in text(res)  # details only in development
    assert count_rows(db) == NO_ROWS
