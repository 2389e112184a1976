"""Request schemas of the JSON API (bodies and paths); error messages follow the contract word
for word. The answers are in responses.py."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from checkout_app import messages
from checkout_app.domain.cart import MAX_QUANTITY
from checkout_app.domain.enums import ItemType
from checkout_app.errors import InvalidInput

# OpenAPI only: the service checks the host against BASE_URL and ALLOWED_REDIRECT_HOSTS.
REDIRECT_URL = {
    "type": "string",
    "format": "uri",
    "description": "Absolute http(s) URL on the shop's host or ALLOWED_REDIRECT_HOSTS",
}


class Email(fields.Field):
    """An email address checked by email-validator (syntax only, no DNS), normalised."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and not value.strip():
            raise ValidationError(messages.EMAIL_REQUIRED)
        if not isinstance(value, str) or len(value) > 254:
            raise ValidationError(messages.EMAIL_INVALID)
        try:
            return validate_email(value.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError(messages.EMAIL_INVALID) from exc


class CheckoutRequestSchema(Schema):
    """Body of POST /api/checkout/create-session; redirect URLs are checked by the service."""

    class Meta:
        unknown = EXCLUDE

    user_email = Email(
        data_key="userEmail",
        required=True,
        error_messages={"required": messages.EMAIL_REQUIRED, "null": messages.EMAIL_REQUIRED},
    )
    user_id = fields.UUID(
        data_key="userId",
        allow_none=True,
        load_default=None,
        error_messages={
            "invalid_uuid": messages.INVALID_USER_ID,
            "invalid": messages.INVALID_USER_ID,
        },
    )
    success_url = fields.Raw(
        data_key="successUrl", allow_none=True, load_default=None, metadata=REDIRECT_URL
    )
    cancel_url = fields.Raw(
        data_key="cancelUrl", allow_none=True, load_default=None, metadata=REDIRECT_URL
    )


class StrictInteger(fields.Integer):
    """An integer that refuses booleans and numeric strings."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


def _quantity(**kwargs: Any) -> StrictInteger:
    return StrictInteger(
        strict=True,
        validate=validate.Range(
            1, MAX_QUANTITY, error=messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY)
        ),
        error_messages={
            "invalid": messages.QUANTITY_NOT_WHOLE,
            "required": messages.QUANTITY_REQUIRED,
            "null": messages.QUANTITY_NOT_WHOLE,
        },
        metadata={"description": "A JSON integer (2, not 2.0); 1 for a course or digital product"},
        **kwargs,
    )


def item_type_field(missing: str = messages.ITEM_TYPE_REQUIRED) -> fields.Enum:
    """`itemType`, one of the item types by value; `missing` is the message when absent or null."""
    return fields.Enum(
        ItemType,
        by_value=True,
        data_key="itemType",
        required=True,
        error_messages={
            "required": missing,
            "null": missing,
            "unknown": messages.ITEM_TYPE_INVALID,
            "invalid": messages.ITEM_TYPE_INVALID,
        },
    )


def item_id_field(missing: str = messages.ITEM_ID_REQUIRED) -> fields.UUID:
    """`itemId`, a UUID; `missing` is the message when absent or null."""
    return fields.UUID(
        data_key="itemId",
        required=True,
        error_messages={
            "required": missing,
            "null": missing,
            "invalid_uuid": messages.ITEM_ID_INVALID,
            "invalid": messages.ITEM_ID_INVALID,
        },
    )


class AddItemSchema(Schema):
    """Body of POST /api/cart/items."""

    class Meta:
        unknown = EXCLUDE

    item_type = item_type_field()
    item_id = item_id_field()
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


class CartLinePathSchema(Schema):
    """Path of PATCH/DELETE /api/cart/items/<itemType>/<itemId>; anything else answers 404."""

    item_type = fields.Enum(ItemType, by_value=True, required=True)
    item_id = fields.UUID(required=True)


# Every `error` a bad cart body answers: the messages above and those of carts.check_quantity.
_QUANTITY_ERRORS = (
    messages.QUANTITY_NOT_WHOLE,
    messages.QUANTITY_RANGE.format(maximum=MAX_QUANTITY),
    messages.QUANTITY_SINGLE.format(item="course"),
    messages.QUANTITY_SINGLE.format(item="digital product"),
)
ADD_ITEM_ERRORS = (
    messages.ITEM_TYPE_REQUIRED,
    messages.ITEM_TYPE_INVALID,
    messages.ITEM_ID_REQUIRED,
    messages.ITEM_ID_INVALID,
    *_QUANTITY_ERRORS,
)
SET_QUANTITY_ERRORS = (messages.QUANTITY_REQUIRED, *_QUANTITY_ERRORS)
CHECKOUT_ERRORS = (
    messages.EMAIL_REQUIRED,
    messages.EMAIL_INVALID,
    messages.INVALID_USER_ID,
    messages.INVALID_SUCCESS_URL,
    messages.INVALID_CANCEL_URL,
)


class OrderPathSchema(Schema):
    """Path of GET /api/orders/<orderId>; anything but an order's id answers 404."""

    order_id = fields.UUID(required=True)
