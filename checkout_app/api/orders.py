"""GET /api/orders/<orderId>: the order, for the shopper who placed it and for support."""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from flask import Response, current_app, jsonify, request

from checkout_app.api import bp
from checkout_app.api.apidoc import SERVER_ERROR, SESSION, SUPPORT, api_doc, errors, ok
from checkout_app.api.schemas import OrderPathSchema, OrderResponseSchema
from checkout_app.db.order_view import OrderView
from checkout_app.domain.cart import session_hash
from checkout_app.domain.money import format_amount
from checkout_app.errors import DatabaseUnavailable, OrderNotFound
from checkout_app.extensions import shop
from checkout_app.http.session import current_session_id
from checkout_app.services.orders import order_by_id


@bp.get("/orders/<order_id>")
@api_doc(
    "An order with its items, bookings and access; for the session that placed it or support",
    tag="orders",
    security=[SESSION, SUPPORT],
    path=OrderPathSchema,
    replies=[
        ok(OrderResponseSchema, "The order"),
        *errors(OrderNotFound, DatabaseUnavailable, SERVER_ERROR),
    ],
)
def get_order(order_id: str) -> Response:
    try:
        order = order_by_id(shop(), uuid.UUID(order_id))
    except ValueError as exc:
        raise OrderNotFound() from exc
    if not _may_read(order):
        raise OrderNotFound()
    return jsonify(success=True, order=order_json(order))


def _may_read(order: OrderView) -> bool:
    """The browser session that placed the order, or support with SUPPORT_API_TOKEN."""
    token = current_app.config["SUPPORT_API_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    session_id = current_session_id()
    return bool(session_id) and session_hash(session_id) == order.cart_session_hash


def _time(value: Any) -> str | None:
    return value.isoformat() if value else None


def order_json(order: OrderView) -> dict[str, Any]:
    """An order as camelCase JSON with amounts as strings."""
    return {
        "orderId": str(order.id),
        "status": order.status,
        "awaitingPayment": order.awaiting_payment,
        "needsReview": order.needs_review,
        "customerEmail": order.customer_email,
        "userId": str(order.user_id) if order.user_id else None,
        "subtotal": format_amount(order.subtotal),
        "tax": format_amount(order.tax),
        "total": format_amount(order.total_amount),
        "currency": order.currency,
        "stripeCheckoutSessionId": order.stripe_checkout_session_id,
        "stripePaymentIntentId": order.stripe_payment_intent_id,
        "createdAt": _time(order.created_at),
        "completedAt": _time(order.completed_at),
        "items": [
            {
                "itemType": line.item_type,
                "itemId": str(line.item_id) if line.item_id else None,
                "title": line.title,
                "unitPrice": format_amount(line.price),
                "quantity": line.quantity,
                "lineTotal": format_amount(line.price * line.quantity),
            }
            for line in order.items
        ],
        "bookings": [
            {
                "bookingId": str(b.id),
                "eventId": str(b.event_id),
                "status": b.status,
                "attendees": b.attendees,
                "totalPrice": format_amount(b.total_price),
            }
            for b in order.bookings
        ],
        "entitlements": [
            {
                "itemType": e.item_type,
                "itemId": str(e.item_id) if e.item_id else None,
                "grantedAt": _time(e.granted_at),
            }
            for e in order.entitlements
        ],
    }
