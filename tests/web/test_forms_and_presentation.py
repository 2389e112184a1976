"""Errors next to their field, feedback after adding, accessible names, Babel money and dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import text as sql

from checkout_app.config import ConfigError, load_config

from .helpers import add_to_cart, post_form, text


def field(page: str, field_id: str) -> str:
    match = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert match, page
    return match.group(0)


def test_a_bad_quantity_in_the_cart_is_shown_at_its_field(client, catalog):
    add_to_cart(client, "event", catalog.event, 2)

    res = post_form(client, f"/cart/items/event/{catalog.event}", {"quantity": "0"})

    page = text(res)
    assert res.status_code == 400 and "<h1>Your cart</h1>" in page
    qty = field(page, f"qty-{catalog.event}")
    assert 'aria-invalid="true"' in qty and "autofocus" in qty
    assert f'aria-describedby="qty-error-{catalog.event}"' in qty
    assert (
        f'<p class="field-error" id="qty-error-{catalog.event}">'
        "Quantity must be between 1 and 99.</p>" in page
    )
    assert client.get("/api/cart").get_json()["cart"]["items"][0]["quantity"] == 2


def test_a_bad_quantity_on_the_catalog_is_shown_at_its_field(client, catalog):
    res = add_to_cart(client, "event", catalog.event, 100)

    page = text(res)
    assert res.status_code == 400 and "<h1>Catalog</h1>" in page
    tickets = field(page, f"tickets-{catalog.event}")
    assert (
        'aria-invalid="true"' in tickets and f'aria-describedby="error-{catalog.event}"' in tickets
    )
    assert "Quantity must be between 1 and 99." in page


def test_adding_confirms_on_the_catalog_and_counts_in_the_header(client, catalog):
    res = add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)

    page = text(client.get(res.headers["Location"]))

    assert (
        '<p class="notice" id="added" role="status" tabindex="-1">'
        'Added: Python Foundations — <a href="/cart">View cart</a></p>' in page
    )
    assert 'data-cart-count="3">Cart <span class="count">(3' in page


def test_every_control_has_its_own_accessible_name(client, catalog):
    add_to_cart(client, "event", catalog.event, 2)
    catalog_page, cart_page = text(client.get("/")), text(client.get("/cart"))

    assert 'Add<span class="visually-hidden"> Python Foundations</span> to cart' in catalog_page
    assert (
        f'<label for="tickets-{catalog.event}">Tickets'
        '<span class="visually-hidden"> for Testing Workshop</span></label>' in catalog_page
    )
    assert '>Tickets<span class="visually-hidden"> for Testing Workshop</span></label>' in cart_page
    assert 'Remove<span class="visually-hidden"> Testing Workshop</span>' in cart_page


def test_ticket_lines_show_unit_price_date_time_zone_and_venue(client, catalog, db):
    db.execute(
        sql("UPDATE events SET venue = 'Hall 2, Berlin', starts_at = :at WHERE id = :id"),
        {"at": datetime(2031, 3, 7, 18, 30, tzinfo=UTC), "id": catalog.event},
    )
    add_to_cart(client, "event", catalog.event, 2)

    for path in ("/", "/cart", "/checkout"):
        assert "Fri, Mar 7, 2031, 6:30\u202fPM UTC · Hall 2, Berlin" in text(client.get(path)), path
    assert "&times; $120.00" in text(client.get("/cart"))


def test_money_and_dates_follow_the_shop_locale_and_zone(make_app, catalog, db):
    client = make_app(
        SHOP_LOCALE="de_DE", SHOP_TIMEZONE="Europe/Berlin", CURRENCY="eur"
    ).test_client()
    db.execute(
        sql("UPDATE events SET starts_at = :at WHERE id = :id"),
        {"at": datetime(2031, 3, 7, 18, 30, tzinfo=UTC), "id": catalog.event},
    )
    add_to_cart(client, "course", catalog.course)

    page = text(client.get("/"))

    assert "49,00\xa0€" in page and '<html lang="de">' in page
    assert "Fr., 7. März 2031, 19:30 MEZ" in page


@pytest.mark.parametrize(
    ("name", "value"), [("SHOP_LOCALE", "xx_NOPE"), ("SHOP_TIMEZONE", "Mars/Olympus")]
)
def test_an_unknown_locale_or_zone_refuses_to_start(name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"APP_ENV": "test", name: value})


def test_pay_is_marked_for_the_processing_script(client, catalog):
    add_to_cart(client, "course", catalog.course)

    page = text(client.get("/checkout"))

    assert 'action="/checkout" data-processing>' in page
    assert '<script src="/static/shop.js" defer></script>' in page
    assert "Processing…" in client.get("/static/shop.js").get_data(as_text=True)


def test_an_empty_cart_has_no_pay_button(client, catalog):
    page = text(client.get("/checkout"))

    assert "Your cart is empty." in page and "Pay with Stripe" not in page


def test_the_payment_page_says_when_and_where_an_event_is(make_app, catalog, db, sim, stripe_sim):
    client = make_app(SHOP_TIMEZONE="Europe/Berlin").test_client()
    db.execute(
        sql("UPDATE events SET venue = 'Hall 2', starts_at = :at WHERE id = :id"),
        {"at": datetime(2031, 3, 7, 18, 30, tzinfo=UTC), "id": catalog.event},
    )
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)

    pay_url = post_form(client, "/checkout", {"email": "ann@example.com"}).headers["Location"]

    (create,) = [r for r in sim.requests() if r["path"] == "/v1/checkout/sessions"]
    products = {
        li["price_data"]["product_data"]["name"]: li["price_data"]["product_data"]
        for li in create["params"]["line_items"]
    }
    when = "Fri, Mar 7, 2031, 7:30\u202fPM GMT+01:00 · Hall 2"
    assert products["Testing Workshop"]["description"] == when
    assert "description" not in products["Python Foundations"]
    assert when in requests.get(pay_url, timeout=5).text
