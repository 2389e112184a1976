"""Writes of fulfilment: the Stripe event log, order transitions and access."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from checkout_app.db.audit import STATUS_CHANGED, AuditLog
from checkout_app.db.models import (
    Booking,
    Entitlement,
    Order,
    OrderItem,
    StripeEvent,
    User,
)
from checkout_app.domain.enums import BookingStatus, OrderStatus
from checkout_app.domain.lifecycle import can_move

GRANTED_TYPES = ("course", "digital_product")


class EventLog:
    """stripe_events: one row per event id; the row lock serialises duplicate deliveries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, event_id: str, event_type: str, session_id: str | None, payload: dict) -> bool:
        """Record the event and lock its row; False when it was already processed."""
        self.session.execute(
            insert(StripeEvent)
            .values(id=event_id, type=event_type, checkout_session_id=session_id, payload=payload)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        processed = self.session.execute(
            select(StripeEvent.processed_at).where(StripeEvent.id == event_id).with_for_update()
        ).scalar_one()
        return processed is None

    def finish(self, event_id: str, outcome: str) -> None:
        """Mark the event processed with what it did."""
        self.session.execute(
            update(StripeEvent)
            .where(StripeEvent.id == event_id)
            .values(processed_at=func.now(), outcome=outcome)
        )

    def outcome(self, event_id: str) -> str | None:
        """What an already processed event did."""
        return self.session.scalar(select(StripeEvent.outcome).where(StripeEvent.id == event_id))


class Fulfilment:
    """Order transitions under a row lock, with their side effects in the same transaction.

    Every transition and every flag adds a line to the audit log, written by `actor`.
    """

    def __init__(self, session: Session, actor: str = "system") -> None:
        self.session = session
        self.actor = actor
        self.audit = AuditLog(session)

    def lock(self, order_id: uuid.UUID) -> Order | None:
        """The order, locked until commit so its events apply one at a time."""
        return self.session.get(Order, order_id, with_for_update=True)

    def lock_by_payment_intent(self, payment_intent_id: str | None) -> Order | None:
        """The order paid by this payment intent, locked until commit."""
        if not payment_intent_id:
            return None
        return self.session.scalar(
            select(Order)
            .where(Order.stripe_payment_intent_id == payment_intent_id)
            .with_for_update()
        )

    def cancelled_unpaid_since(self, cutoff: Any, limit: int) -> list[tuple[uuid.UUID, str]]:
        """Cancelled orders created after `cutoff` that never recorded a payment."""
        rows = self.session.execute(
            select(Order.id, Order.stripe_checkout_session_id)
            .where(
                Order.status == OrderStatus.CANCELLED,
                Order.created_at >= cutoff,
                Order.stripe_payment_intent_id.is_(None),
                Order.stripe_checkout_session_id.is_not(None),
            )
            .order_by(Order.created_at)
            .limit(limit)
        ).all()
        return [(row[0], row[1]) for row in rows]

    def pending_before(self, cutoff: Any, now: Any, limit: int) -> list[tuple[uuid.UUID, str, Any]]:
        """Pending orders to settle: created before `cutoff` and not awaiting payment, or past
        their seat hold (seats_held_until <= now): (order id, session id, seats_held_until)."""
        rows = self.session.execute(
            select(Order.id, Order.stripe_checkout_session_id, Order.seats_held_until)
            .where(
                Order.status == OrderStatus.PENDING,
                or_(
                    and_(Order.awaiting_payment.is_(False), Order.created_at < cutoff),
                    Order.seats_held_until <= now,
                ),
                Order.stripe_checkout_session_id.is_not(None),
            )
            .order_by(Order.created_at)
            .limit(limit)
        ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    def seats_booked(self, order_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Attendees per event of the order's pending bookings."""
        rows = self.session.execute(
            select(Booking.event_id, func.sum(Booking.attendees))
            .where(Booking.order_id == order_id, Booking.status == BookingStatus.PENDING)
            .group_by(Booking.event_id)
        ).all()
        return {event_id: int(seats) for event_id, seats in rows}

    def bought_lines(self, order_id: uuid.UUID) -> tuple[str | None, list[str]]:
        """The cart hash of an order and its lines as cart fields ("course:<id>")."""
        cart_hash = self.session.scalar(select(Order.cart_session_hash).where(Order.id == order_id))
        rows = self.session.execute(
            select(
                OrderItem.item_type,
                func.coalesce(
                    OrderItem.course_id, OrderItem.digital_product_id, OrderItem.event_id
                ),
            ).where(OrderItem.order_id == order_id)
        ).all()
        return cart_hash, [f"{item_type}:{item_id}" for item_type, item_id in rows if item_id]

    def bought_items(self, order_id: uuid.UUID) -> list[tuple[str, str, int, Decimal]]:
        """An order's lines as a confirmation lists them: (item type, title, quantity, price)."""
        rows = self.session.execute(
            select(OrderItem.item_type, OrderItem.title, OrderItem.quantity, OrderItem.price)
            .where(OrderItem.order_id == order_id)
            .order_by(OrderItem.created_at)
        ).all()
        return [(t, title, q, p) for t, title, q, p in rows]

    def phone(self, user_id: uuid.UUID | None) -> str | None:
        """The phone number of the order's user, if it has one."""
        return self.session.scalar(select(User.phone).where(User.id == user_id))

    def complete(self, order: Order, payment_intent_id: str | None) -> None:
        """Paid: confirm bookings and grant access (the caller queues the confirmation)."""
        before = order.status
        order.complete(payment_intent_id)
        self._audit_move(order, before)
        self._set_bookings(order.id, BookingStatus.CONFIRMED)
        self._grant(order)

    def reopen(self, order: Order) -> None:
        """A cancelled order paid late and still deliverable: complete it as if paid in time."""
        before = order.status
        order.complete(order.stripe_payment_intent_id)
        self._audit_move(order, before)
        self.session.execute(
            update(Booking)
            .where(Booking.order_id == order.id)
            .values(status=BookingStatus.CONFIRMED, updated_at=func.now())
        )
        self._grant(order)

    def cancel(self, order: Order) -> None:
        """Expired or failed: cancel the bookings so their seats return to the event."""
        before = order.status
        order.cancel()
        self._audit_move(order, before)
        self._set_bookings(order.id, BookingStatus.CANCELLED)

    def flag(self, order: Order, reason: str) -> None:
        """Hold the order for a person to review."""
        order.flag(reason)
        self.audit.append(self.actor, "order.flagged", order.id, {"reason": reason})

    def move(self, order: Order, target: OrderStatus) -> bool:
        """Move the order if the state machine allows it (audited); whether it moved."""
        if order.status is target or not can_move(order.status, target):
            return False
        before = order.status
        order.status = target
        self._audit_move(order, before)
        return True

    def _audit_move(self, order: Order, before: OrderStatus) -> None:
        detail = {"from": before.value, "to": order.status.value}
        self.audit.append(self.actor, STATUS_CHANGED, order.id, detail)

    def _set_bookings(self, order_id: uuid.UUID, status: BookingStatus) -> None:
        self.session.execute(
            update(Booking)
            .where(Booking.order_id == order_id, Booking.status != BookingStatus.CANCELLED)
            .values(status=status, updated_at=func.now())
        )

    def _grant(self, order: Order) -> None:
        lines = select(
            OrderItem.order_id,
            OrderItem.id,
            literal(order.user_id, type_=Entitlement.user_id.type),
            literal(order.customer_email),
            OrderItem.item_type,
            OrderItem.course_id,
            OrderItem.digital_product_id,
        ).where(OrderItem.order_id == order.id, OrderItem.item_type.in_(GRANTED_TYPES))
        self.session.execute(
            insert(Entitlement)
            .from_select(
                [
                    "order_id",
                    "order_item_id",
                    "user_id",
                    "customer_email",
                    "item_type",
                    "course_id",
                    "digital_product_id",
                ],
                lines,
            )
            .on_conflict_do_nothing(index_elements=["order_item_id"])
        )
