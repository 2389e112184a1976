"""marshmallow schemas of the refund and timeline routes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from checkout_app import messages
from checkout_app.api.schemas import StrictInteger, item_id_field, item_type_field
from checkout_app.domain.cart import MAX_QUANTITY
from checkout_app.domain.enums import REFUND_REASONS
from checkout_app.http.json_bodies import AMOUNT

AMOUNT_INVALID = messages.REFUND_AMOUNT_INVALID
ITEMS_INVALID = messages.REFUND_ITEMS_INVALID
REASON_INVALID = messages.REFUND_REASON_INVALID.format(reasons=", ".join(REFUND_REASONS))
ITEM_TYPE_INVALID = messages.ITEM_TYPE_INVALID
ITEM_ID_INVALID = messages.ITEM_ID_INVALID
QUANTITY_INVALID = messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY)
REFUND_ERRORS = (
    AMOUNT_INVALID,
    ITEMS_INVALID,
    ITEM_TYPE_INVALID,
    ITEM_ID_INVALID,
    QUANTITY_INVALID,
    REASON_INVALID,
    messages.REFUND_AMOUNT_OR_ITEMS,
    messages.UNKNOWN_ORDER_LINE,
)


class Amount(fields.Field):
    """A positive amount as a JSON string or number with at most two decimals, as a Decimal."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError(AMOUNT_INVALID)
        try:
            amount = Decimal(str(value))
        except ArithmeticError as exc:
            raise ValidationError(AMOUNT_INVALID) from exc
        if not amount.is_finite() or not 0 < amount < 10**8 or amount != round(amount, 2):
            raise ValidationError(AMOUNT_INVALID)
        return amount.quantize(Decimal("0.01"))


class RefundItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    error_messages: ClassVar[dict[str, str]] = {"type": ITEMS_INVALID}

    item_type = item_type_field(missing=ITEM_TYPE_INVALID)
    item_id = item_id_field(missing=ITEM_ID_INVALID)
    quantity = StrictInteger(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, MAX_QUANTITY, error=QUANTITY_INVALID),
        error_messages={"invalid": QUANTITY_INVALID},
        metadata={"description": "Units of the line to refund; all that is left when absent"},
    )


class RefundRequestSchema(Schema):
    """Body of POST /api/orders/<orderId>/refunds: nothing refunds everything left."""

    class Meta:
        unknown = EXCLUDE

    amount = Amount(
        load_default=None,
        allow_none=True,
        metadata={"type": "string", "description": "Refund this much (not with items)"},
    )
    items = fields.List(
        fields.Nested(RefundItemSchema, error_messages={"null": ITEMS_INVALID}),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100, error=ITEMS_INVALID),
        error_messages={"invalid": ITEMS_INVALID, "type": ITEMS_INVALID},
        metadata={"description": "Refund these lines (not with amount)"},
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(REFUND_REASONS, error=REASON_INVALID),
        error_messages={"invalid": REASON_INVALID},
    )


class RefundLineSchema(Schema):
    item_type = fields.String(data_key="itemType", required=True)
    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    amount = fields.String(required=True, validate=AMOUNT)


class RefundSchema(Schema):
    """A refund: pending until Stripe confirms it (webhook), then succeeded or failed."""

    refund_id = fields.UUID(data_key="refundId", required=True)
    order_id = fields.UUID(data_key="orderId", required=True)
    amount = fields.String(required=True, validate=AMOUNT)
    currency = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "succeeded", "failed", "canceled"])
    )
    reason = fields.String(required=True, allow_none=True)
    actor = fields.String(required=True)
    stripe_refund_id = fields.String(data_key="stripeRefundId", required=True, allow_none=True)
    created_at = fields.DateTime(data_key="createdAt", required=True)
    items = fields.List(fields.Nested(RefundLineSchema), required=True)


class RefundResponseSchema(Schema):
    """Answer of POST /api/orders/<orderId>/refunds."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    refund = fields.Nested(RefundSchema, required=True)
