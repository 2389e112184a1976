"""Read model of an order: what the success page, support and GET /api/orders show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkout_app.db.models import Booking, Entitlement, Event, Order, OrderItem

ITEM_ID_COLUMNS = ("course_id", "digital_product_id", "event_id")


@dataclass(frozen=True)
class OrderLine:
    item_type: str
    item_id: uuid.UUID | None
    title: str
    price: Decimal
    quantity: int
    starts_at: datetime | None = None
    venue: str | None = None

    @property
    def line_total(self) -> Decimal:
        """What the line cost: unit price x quantity."""
        return self.price * self.quantity


@dataclass(frozen=True)
class OrderBooking:
    id: uuid.UUID
    event_id: uuid.UUID
    status: str
    attendees: int
    total_price: Decimal


@dataclass(frozen=True)
class OrderEntitlement:
    item_type: str
    item_id: uuid.UUID | None
    granted_at: datetime


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    status: str
    customer_email: str
    user_id: uuid.UUID | None
    subtotal: Decimal
    tax: Decimal
    total_amount: Decimal
    currency: str
    stripe_checkout_session_id: str | None
    stripe_payment_intent_id: str | None
    created_at: datetime
    completed_at: datetime | None
    awaiting_payment: bool
    needs_review: bool
    cart_session_hash: str | None
    items: tuple[OrderLine, ...]
    bookings: tuple[OrderBooking, ...]
    entitlements: tuple[OrderEntitlement, ...]


def load_order(session: Session, *conditions: object) -> OrderView | None:
    """The (newest) order matching `conditions` (e.g. Order.id == x) with its items,
    their events' dates and venues, bookings and entitlements."""
    newest = select(Order).where(*conditions).order_by(Order.created_at.desc()).limit(1)
    order = session.scalars(newest).first()
    if order is None:
        return None
    items = list(
        session.scalars(
            select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.created_at)
        )
    )
    event_ids = [item.event_id for item in items if item.event_id]
    events = (
        {
            row.id: row
            for row in session.execute(
                select(Event.id, Event.starts_at, Event.venue).where(Event.id.in_(event_ids))
            )
        }
        if event_ids
        else {}
    )
    bookings = session.scalars(
        select(Booking).where(Booking.order_id == order.id).order_by(Booking.created_at)
    )
    entitlements = session.scalars(
        select(Entitlement).where(Entitlement.order_id == order.id).order_by(Entitlement.granted_at)
    )
    return OrderView(
        id=order.id,
        status=order.status.value,
        customer_email=order.customer_email,
        user_id=order.user_id,
        subtotal=order.subtotal,
        tax=order.tax,
        total_amount=order.total_amount,
        currency=order.currency,
        stripe_checkout_session_id=order.stripe_checkout_session_id,
        stripe_payment_intent_id=order.stripe_payment_intent_id,
        created_at=order.created_at,
        completed_at=order.completed_at,
        awaiting_payment=order.awaiting_payment,
        needs_review=order.needs_review,
        cart_session_hash=order.cart_session_hash,
        items=tuple(
            OrderLine(
                item.item_type,
                next((getattr(item, c) for c in ITEM_ID_COLUMNS if getattr(item, c)), None),
                item.title,
                item.price,
                item.quantity,
                *(
                    (events[item.event_id].starts_at, events[item.event_id].venue)
                    if item.event_id in events
                    else ()
                ),
            )
            for item in items
        ),
        bookings=tuple(
            OrderBooking(b.id, b.event_id, b.status.value, b.attendees, b.total_price)
            for b in bookings
        ),
        entitlements=tuple(
            OrderEntitlement(e.item_type, e.course_id or e.digital_product_id, e.granted_at)
            for e in entitlements
        ),
    )
