"""Order look-ups for the success page and GET /api/orders/<orderId>."""

from __future__ import annotations

import uuid

from checkout_app.db.models import Order
from checkout_app.db.order_view import OrderView, load_order
from checkout_app.errors import OrderNotFound
from checkout_app.services.shop import Shop


def order_by_id(shop: Shop, order_id: uuid.UUID) -> OrderView:
    """The order with this id, or 404."""
    with shop.uow() as uow:
        order = load_order(uow.session, Order.id == order_id)
    if order is None:
        raise OrderNotFound()
    return order


def order_by_checkout_session(shop: Shop, checkout_session_id: str) -> OrderView:
    """The order a Stripe Checkout Session was created for, or 404."""
    with shop.uow() as uow:
        order = load_order(uow.session, Order.stripe_checkout_session_id == checkout_session_id)
    if order is None:
        raise OrderNotFound()
    return order
