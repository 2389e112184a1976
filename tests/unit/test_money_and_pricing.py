"""Money arithmetic, tax rounding, and the Stripe line items that must add up to the total."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from checkout_app.adapters.stripe_params import line_items
from checkout_app.domain.cart import Cart, CartKey, CartLine
from checkout_app.domain.enums import ItemType
from checkout_app.domain.money import format_amount, tax_for, to_minor_units
from checkout_app.domain.pricing import CatalogEntry, price_cart


@pytest.mark.parametrize(
    "subtotal,rate,tax",
    [
        ("49.00", "0.075", "3.68"),  # 3.675 rounds half-up
        ("10.00", "0.0825", "0.83"),  # 0.825 rounds half-up, not to even
        ("99.98", "0.0825", "8.25"),
        ("0.00", "0.2", "0.00"),
        ("1.10", "0", "0.00"),
    ],
)
def test_tax_rounds_half_up_to_cents(subtotal, rate, tax):
    assert tax_for(Decimal(subtotal), Decimal(rate)) == Decimal(tax)


def test_minor_units():
    assert to_minor_units(Decimal("49.00"), "usd") == 4900
    assert to_minor_units(Decimal("0.10"), "eur") == 10
    assert to_minor_units(Decimal("1500"), "jpy") == 1500
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1.005"), "usd")
    with pytest.raises(ValueError):
        to_minor_units(Decimal("15.5"), "jpy")


def test_format_amount():
    assert format_amount(Decimal("49")) == "49.00"
    assert format_amount(Decimal("0.5")) == "0.50"


def key(item_type: ItemType) -> CartKey:
    return CartKey(item_type, uuid.uuid4())


def test_price_cart_marks_unavailable_lines_and_drops_vanished_ones():
    course, event, gone = key(ItemType.COURSE), key(ItemType.EVENT), key(ItemType.COURSE)
    cart = Cart("s", (CartLine(course, 1), CartLine(event, 3), CartLine(gone, 1)))
    catalog = {
        course: CatalogEntry(course, "Course", Decimal("10.00"), True),
        event: CatalogEntry(event, "Event", Decimal("5.50"), True, seats_left=2),
    }
    priced = price_cart(cart, catalog, Decimal("0.1"), "usd")
    assert [(line.title, line.available) for line in priced.lines] == [
        ("Course", True),
        ("Event", False),
    ]
    assert (priced.subtotal, priced.tax, priced.total) == (
        Decimal("26.50"),
        Decimal("2.65"),
        Decimal("29.15"),
    )
    assert priced.complete is False
    assert priced.sellable is False
    assert priced.seats_wanted == {event.item_id: 3}


def test_line_items_sum_to_total_in_cents_with_tax_line():
    lines = [key(ItemType.COURSE), key(ItemType.DIGITAL_PRODUCT), key(ItemType.EVENT)]
    prices = ["79.99", "19.99", "12.35"]
    cart = Cart("s", tuple(CartLine(k, q) for k, q in zip(lines, (1, 1, 7), strict=True)))
    catalog = {
        k: CatalogEntry(k, f"Item {n}", Decimal(p), True, seats_left=None)
        for n, (k, p) in enumerate(zip(lines, prices, strict=True))
    }
    priced = price_cart(cart, catalog, Decimal("0.0725"), "usd")
    items = line_items(priced)
    assert items[-1] == {
        "price_data": {"currency": "usd", "unit_amount": 1352, "product_data": {"name": "Tax"}},
        "quantity": 1,
    }
    total_cents = sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items)
    assert total_cents == to_minor_units(priced.total, "usd") == 19995  # 186.43 + 13.52
