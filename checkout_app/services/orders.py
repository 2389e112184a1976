"""Order look-ups for the success page and GET /api/orders/<orderId>."""

from __future__ import annotations

import uuid

from checkout_app.db.models import Order
from checkout_app.db.order_view import OrderView, load_order
from checkout_app.db.timeline import TimelineEntry, order_timeline
from checkout_app.domain.cart import has_session_shape, session_hash
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


def latest_order_of_session(shop: Shop, session_id: str | None) -> OrderView | None:
    """The newest order placed from this shopper's cart session, if any."""
    if not has_session_shape(session_id):
        return None
    with shop.uow() as uow:
        return load_order(uow.session, Order.cart_session_hash == session_hash(session_id))  # type: ignore[arg-type]


def placed_by(order: OrderView, session_id: str | None) -> bool:
    """Whether this order was placed from the shopper's own cart session (their browser)."""
    return has_session_shape(session_id) and order.cart_session_hash == session_hash(session_id)  # type: ignore[arg-type]


def order_events(shop: Shop, order_id: uuid.UUID) -> list[TimelineEntry]:
    """The order's timeline (state changes, Stripe events, staff actions), or 404."""
    with shop.uow() as uow:
        if uow.session.get(Order, order_id) is None:
            raise OrderNotFound()
        return order_timeline(uow.session, order_id)
