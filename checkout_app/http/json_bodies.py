"""The JSON bodies api/ and the CLI share: the priced cart and the error answer (marshmallow).

The same schemas describe the bodies in the OpenAPI document and produce them (`dump`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from checkout_app.domain.cart import MAX_QUANTITY
from checkout_app.domain.enums import ItemType
from checkout_app.domain.money import format_amount
from checkout_app.domain.pricing import Availability, PricedCart

AMOUNT = validate.Regexp(r"^\d+\.\d{2}$")


class Amount(fields.String):
    """Money as the contract writes it: a string with two decimals, "49.00"."""

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else format_amount(value)


def amount(description: str, example: str, **kwargs: Any) -> Amount:
    """A required amount field with its OpenAPI description and example."""
    return Amount(
        required=True,
        validate=AMOUNT,
        metadata={"description": description, "examples": [example]},
        **kwargs,
    )


class CartItemSchema(Schema):
    """One cart line, priced from the database."""

    item_type = fields.Enum(
        ItemType, by_value=True, data_key="itemType", required=True, attribute="key.item_type"
    )
    item_id = fields.UUID(data_key="itemId", required=True, attribute="key.item_id")
    title = fields.String(required=True)
    unit_price = amount("Price of one unit", "49.00", data_key="unitPrice")
    quantity = fields.Integer(required=True, validate=validate.Range(1, MAX_QUANTITY))
    line_total = amount("unitPrice x quantity", "98.00", data_key="lineTotal")
    available = fields.Boolean(
        required=True,
        metadata={"description": "false when off sale or the event has too few seats left"},
    )
    availability = fields.Enum(
        Availability,
        by_value=True,
        required=True,
        metadata={
            "description": "Why the line can or cannot be bought: available; too_few_seats "
            "(lower the quantity to seatsLeft); sold_out; off_sale (withdrawn or started)"
        },
    )
    seats_left = fields.Integer(
        data_key="seatsLeft",
        required=True,
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={"description": "Seats the event has left; null for courses and products"},
    )


class CartSchema(Schema):
    """A priced cart; an absent cart reads as empty."""

    items = fields.List(fields.Nested(CartItemSchema), required=True, attribute="lines")
    subtotal = amount("Sum of the line totals", "168.00")
    tax = amount("Tax on the subtotal, rounded half-up to cents", "13.86")
    total = amount("subtotal + tax", "181.86")
    currency = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{3}$"))


class ErrorSchema(Schema):
    """Every error answer: `{success: false, error, details?}`."""

    success = fields.Boolean(required=True, validate=validate.Equal(False))
    error = fields.String(required=True, metadata={"description": "Safe to show to the shopper"})
    details = fields.String(metadata={"description": "Only when APP_ENV=development"})


def cart_json(cart: PricedCart) -> dict[str, Any]:
    """`{items, subtotal, tax, total, currency}` as the contract defines it."""
    return CartSchema().dump(cart)


def error_json(message: str, details: str | None = None) -> dict[str, Any]:
    """`{success: false, error, details?}`; the caller decides whether details may be shown."""
    body: dict[str, Any] = {"success": False, "error": message}
    if details:
        body["details"] = details
    return ErrorSchema().dump(body)
