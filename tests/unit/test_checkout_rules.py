"""Checkout's pure rules: when two checkouts are the same purchase, and when to reuse one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from checkout_app.db.repository import OpenCheckout
from checkout_app.domain.cart import Cart, CartKey, CartLine, new_session_id
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import CatalogEntry, price_cart
from checkout_app.services.checkout import CheckoutRequest
from checkout_app.services.reuse import checkout_fingerprint, reusable_checkout

COURSE = CartKey(ItemType.COURSE, uuid.uuid4())
EVENT = CartKey(ItemType.EVENT, uuid.uuid4())
REQUEST = CheckoutRequest("ann@example.com", None, "https://shop.test/ok", "https://shop.test/no")


def priced(quantity: int = 2, price: str = "120.00"):
    cart = Cart(new_session_id("secret"), (CartLine(COURSE, 1), CartLine(EVENT, quantity)))
    catalog = {
        COURSE: CatalogEntry(COURSE, "Python Foundations", Decimal("49.00"), True),
        EVENT: CatalogEntry(EVENT, "Workshop", Decimal(price), True, seats_left=10),
    }
    return price_cart(cart, catalog, Decimal("0"), "usd")


def open_checkout(fingerprint: str, minutes_left: float | None) -> OpenCheckout:
    expires = None if minutes_left is None else datetime.now(UTC) + timedelta(minutes=minutes_left)
    return OpenCheckout(uuid.uuid4(), fingerprint, "cs_test_open", "https://pay.test", expires)


def test_the_same_purchase_has_the_same_fingerprint():
    assert checkout_fingerprint(priced(), REQUEST) == checkout_fingerprint(priced(), REQUEST)


@pytest.mark.parametrize(
    "cart, request_",
    [
        (priced(quantity=3), REQUEST),
        (priced(price="99.00"), REQUEST),
        (
            priced(),
            CheckoutRequest("bob@example.com", None, REQUEST.success_url, REQUEST.cancel_url),
        ),
    ],
)
def test_another_cart_price_or_email_is_another_purchase(cart, request_):
    assert checkout_fingerprint(cart, request_) != checkout_fingerprint(priced(), REQUEST)


def test_a_changed_redirect_or_user_is_another_purchase():
    base = checkout_fingerprint(priced(), REQUEST)
    other_url = CheckoutRequest("ann@example.com", None, "https://shop.test/x", REQUEST.cancel_url)
    as_user = CheckoutRequest(
        "ann@example.com", uuid.uuid4(), REQUEST.success_url, REQUEST.cancel_url
    )
    assert base not in {
        checkout_fingerprint(priced(), other_url),
        checkout_fingerprint(priced(), as_user),
    }


def test_an_identical_repeat_reuses_the_open_order():
    fingerprint = checkout_fingerprint(priced(), REQUEST)
    same = open_checkout(fingerprint, minutes_left=25)
    assert reusable_checkout([open_checkout("other", 25), same], fingerprint) is same


@pytest.mark.parametrize("minutes_left", [4, 0, -1, None])
def test_a_session_about_to_expire_is_not_reused(minutes_left):
    fingerprint = checkout_fingerprint(priced(), REQUEST)
    assert reusable_checkout([open_checkout(fingerprint, minutes_left)], fingerprint) is None


def test_a_changed_cart_supersedes_instead_of_reusing():
    old = checkout_fingerprint(priced(quantity=2), REQUEST)
    new = checkout_fingerprint(priced(quantity=3), REQUEST)
    assert reusable_checkout([open_checkout(old, 25)], new) is None
