"""What a Checkout Session create sends: its line items, exact to the cent, and its key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from checkout_app.domain.event_time import event_line
from checkout_app.domain.money import to_minor_units
from checkout_app.domain.pricing import PricedCart, PricedLine


@dataclass(frozen=True)
class SessionRequest:
    order_id: uuid.UUID
    cart: PricedCart
    customer_email: str
    success_url: str
    cancel_url: str
    locale: str = "en_US"  # how the payment page words an event's date: SHOP_LOCALE
    timezone: str = "UTC"  # and in which zone: SHOP_TIMEZONE


def product_data(line: PricedLine, locale: str, timezone: str) -> dict[str, str]:
    """The line's name; for tickets also when and where, shown under it on the payment page."""
    if line.starts_at is None:
        return {"name": line.title}
    return {
        "name": line.title,
        "description": event_line(line.starts_at, line.venue, locale, timezone),
    }


def line_items(
    cart: PricedCart, locale: str = "en_US", timezone: str = "UTC"
) -> list[dict[str, Any]]:
    """Stripe line items whose unit_amount * quantity adds up to the cart total exactly."""
    items = [
        {
            "price_data": {
                "currency": cart.currency,
                "unit_amount": to_minor_units(line.unit_price, cart.currency),
                "product_data": product_data(line, locale, timezone),
            },
            "quantity": line.quantity,
        }
        for line in cart.lines
    ]
    if cart.tax > 0:
        items.append(
            {
                "price_data": {
                    "currency": cart.currency,
                    "unit_amount": to_minor_units(cart.tax, cart.currency),
                    "product_data": {"name": "Tax"},
                },
                "quantity": 1,
            }
        )
    return items


def idempotency_key(order_id: uuid.UUID) -> str:
    """The Stripe idempotency key of an order's session create."""
    return f"checkout-session-{order_id}"
