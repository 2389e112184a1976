"""Turns priced carts into the contract's camelCase JSON with amounts as strings."""

from __future__ import annotations

from typing import Any

from checkout_app.domain.money import format_amount
from checkout_app.domain.pricing import PricedCart


def cart_json(cart: PricedCart) -> dict[str, Any]:
    """`{items, subtotal, tax, total, currency}` as the contract defines it."""
    return {
        "items": [
            {
                "itemType": line.key.item_type.value,
                "itemId": str(line.key.item_id),
                "title": line.title,
                "unitPrice": format_amount(line.unit_price),
                "quantity": line.quantity,
                "lineTotal": format_amount(line.line_total),
                "available": line.available,
                "availability": line.availability.value,
                "seatsLeft": line.seats_left,
            }
            for line in cart.lines
        ],
        "subtotal": format_amount(cart.subtotal),
        "tax": format_amount(cart.tax),
        "total": format_amount(cart.total),
        "currency": cart.currency,
    }
