"""The JSON API's answers: each view dumps its body with the schema the OpenAPI document shows."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from checkout_app import messages
from checkout_app.domain.enums import OrderStatus
from checkout_app.http.json_bodies import CartSchema, amount


class CartResponseSchema(Schema):
    """Answer of every cart route."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    cart = fields.Nested(CartSchema, required=True)


class CheckoutSessionSchema(Schema):
    """Answer of a successful POST /api/checkout/create-session."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    session_id = fields.String(
        data_key="sessionId", required=True, metadata={"description": "Stripe Checkout Session id"}
    )
    session_url = fields.String(
        data_key="sessionUrl",
        required=True,
        metadata={"format": "uri", "description": "Send the shopper here to pay"},
    )
    order_id = fields.UUID(data_key="orderId", required=True)
    message = fields.String(required=True, validate=validate.Equal(messages.CHECKOUT_CREATED))


class OrderItemSchema(Schema):
    item_type = fields.String(data_key="itemType", required=True)
    item_id = fields.UUID(data_key="itemId", required=True, allow_none=True)
    title = fields.String(required=True)
    unit_price = amount("Price paid for one unit", "49.00", data_key="unitPrice", attribute="price")
    quantity = fields.Integer(required=True)
    line_total = amount("unitPrice x quantity", "98.00", data_key="lineTotal")


class OrderBookingSchema(Schema):
    booking_id = fields.UUID(data_key="bookingId", required=True, attribute="id")
    event_id = fields.UUID(data_key="eventId", required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "confirmed", "cancelled"])
    )
    attendees = fields.Integer(required=True)
    total_price = amount("price x attendees", "240.00", data_key="totalPrice")


class EntitlementSchema(Schema):
    item_type = fields.String(data_key="itemType", required=True)
    item_id = fields.UUID(data_key="itemId", required=True, allow_none=True)
    granted_at = fields.DateTime(data_key="grantedAt", required=True)


class OrderSchema(Schema):
    """An order with its lines, event bookings and granted access."""

    order_id = fields.UUID(data_key="orderId", required=True, attribute="id")
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in OrderStatus]))
    awaiting_payment = fields.Boolean(data_key="awaitingPayment", required=True)
    needs_review = fields.Boolean(data_key="needsReview", required=True)
    customer_email = fields.String(data_key="customerEmail", required=True)
    user_id = fields.UUID(data_key="userId", required=True, allow_none=True)
    subtotal = amount("Sum of the line totals", "168.00")
    tax = amount("Tax", "0.00")
    total = amount("subtotal + tax", "168.00", attribute="total_amount")
    currency = fields.String(required=True)
    stripe_checkout_session_id = fields.String(
        data_key="stripeCheckoutSessionId", required=True, allow_none=True
    )
    stripe_payment_intent_id = fields.String(
        data_key="stripePaymentIntentId", required=True, allow_none=True
    )
    created_at = fields.DateTime(data_key="createdAt", required=True)
    completed_at = fields.DateTime(data_key="completedAt", required=True, allow_none=True)
    items = fields.List(fields.Nested(OrderItemSchema), required=True)
    bookings = fields.List(fields.Nested(OrderBookingSchema), required=True)
    entitlements = fields.List(fields.Nested(EntitlementSchema), required=True)


class OrderResponseSchema(Schema):
    """Answer of GET /api/orders/<orderId>."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    order = fields.Nested(OrderSchema, required=True)


class WebhookReceivedSchema(Schema):
    """Answer to Stripe: the event was applied, or had been already (`duplicate`)."""

    success = fields.Boolean(required=True, validate=validate.Equal(True))
    received = fields.Boolean(required=True, validate=validate.Equal(True))
    duplicate = fields.Boolean(required=True)
