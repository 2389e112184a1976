"""GET /api/orders/<orderId>: the order, for the shopper who placed it and for support."""

from __future__ import annotations

import uuid

from flask import Response, jsonify

from checkout_app import messages
from checkout_app.api import bp
from checkout_app.api.apidoc import SERVER_ERROR, SESSION, SUPPORT, api_doc, errors, ok
from checkout_app.api.responses import OrderResponseSchema
from checkout_app.api.schemas import OrderPathSchema
from checkout_app.db.order_view import OrderView
from checkout_app.errors import DatabaseUnavailable, OrderNotFound
from checkout_app.extensions import shop
from checkout_app.http.limits import orders_limit, support_token_limit
from checkout_app.http.session import owns
from checkout_app.http.staff import has_support_token
from checkout_app.services.orders import order_by_id


@bp.get("/orders/<order_id>")
@api_doc(
    "An order with its items, bookings and access; for the session that placed it or support",
    tag="orders",
    security=[SESSION, SUPPORT],
    path=OrderPathSchema,
    replies=[
        ok(OrderResponseSchema, "The order"),
        *errors(
            OrderNotFound, (429, messages.TOO_MANY_REQUESTS), DatabaseUnavailable, SERVER_ERROR
        ),
    ],
)
@support_token_limit
@orders_limit
def get_order(order_id: str) -> Response:
    try:
        order = order_by_id(shop(), uuid.UUID(order_id))
    except ValueError as exc:
        raise OrderNotFound() from exc
    if not _may_read(order):
        raise OrderNotFound()
    return jsonify(OrderResponseSchema().dump({"success": True, "order": order}))


def _may_read(order: OrderView) -> bool:
    """The browser session that placed the order, or support with SUPPORT_API_TOKEN."""
    return has_support_token() or owns(order.cart_session_hash)
