"""marshmallow schemas for the JSON API; error messages follow the contract word for word."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..carts import MAX_QUANTITY
from ..errors import InvalidInput
from ..models import ItemType

EMAIL_REQUIRED = "Email is required for checkout"
EMAIL_INVALID = "Invalid email format"


class Email(fields.Field):
    """An email address checked by email-validator (syntax only, no DNS), normalised."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and not value.strip():
            raise ValidationError(EMAIL_REQUIRED)
        if not isinstance(value, str) or len(value) > 254:
            raise ValidationError(EMAIL_INVALID)
        try:
            return validate_email(value.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError(EMAIL_INVALID) from exc


class CheckoutRequestSchema(Schema):
    """Body of POST /api/checkout/create-session; redirect URLs are checked by the service."""

    class Meta:
        unknown = EXCLUDE

    user_email = Email(
        data_key="userEmail",
        required=True,
        error_messages={"required": EMAIL_REQUIRED, "null": EMAIL_REQUIRED},
    )
    user_id = fields.UUID(
        data_key="userId",
        allow_none=True,
        load_default=None,
        error_messages={"invalid_uuid": "Invalid userId", "invalid": "Invalid userId"},
    )
    success_url = fields.Raw(data_key="successUrl", allow_none=True, load_default=None)
    cancel_url = fields.Raw(data_key="cancelUrl", allow_none=True, load_default=None)


class StrictInteger(fields.Integer):
    """An integer that refuses booleans and numeric strings."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


def _quantity(**kwargs: Any) -> StrictInteger:
    return StrictInteger(
        strict=True,
        validate=validate.Range(1, MAX_QUANTITY, error="quantity must be between 1 and 99"),
        error_messages={
            "invalid": "quantity must be a whole number",
            "required": "quantity is required",
            "null": "quantity must be a whole number",
        },
        **kwargs,
    )


class AddItemSchema(Schema):
    """Body of POST /api/cart/items."""

    class Meta:
        unknown = EXCLUDE

    item_type = fields.Enum(
        ItemType,
        by_value=True,
        data_key="itemType",
        required=True,
        error_messages={
            "required": "itemType is required",
            "null": "itemType is required",
            "unknown": "itemType must be one of course, digital_product, event",
        },
    )
    item_id = fields.UUID(
        data_key="itemId",
        required=True,
        error_messages={
            "required": "itemId is required",
            "null": "itemId is required",
            "invalid_uuid": "itemId must be a UUID",
            "invalid": "itemId must be a UUID",
        },
    )
    quantity = _quantity(load_default=1)


class QuantitySchema(Schema):
    """Body of PATCH /api/cart/items/<itemType>/<itemId>."""

    class Meta:
        unknown = EXCLUDE

    quantity = _quantity(required=True)


def load(schema: Schema, body: Any, field_order: tuple[str, ...]) -> dict[str, Any]:
    """Validate a body; on failure raise InvalidInput with the first error in contract order."""
    try:
        return schema.load(body if isinstance(body, dict) else {})
    except ValidationError as exc:
        messages = exc.normalized_messages()
        field = next((name for name in field_order if name in messages), next(iter(messages)))
        raise InvalidInput(_first(messages[field])) from exc


def _first(message: Any) -> str:
    while isinstance(message, list | dict):
        message = message[0] if isinstance(message, list) else next(iter(message.values()))
    return str(message)
