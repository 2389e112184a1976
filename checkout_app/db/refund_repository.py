"""Writes of refunds and disputes: refund rows, what a refund takes back, order status."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from checkout_app.db.models import (
    Booking,
    Entitlement,
    Event,
    Order,
    OrderItem,
    Refund,
    RefundLine,
)
from checkout_app.domain.enums import BookingStatus, OrderStatus, RefundStatus
from checkout_app.domain.lifecycle import after_refunds
from checkout_app.domain.money import to_minor_units
from checkout_app.domain.refunds import Paid, PaidLine, RefundPlan

# Refunds that hold money: Stripe confirmed them, or we asked and have no answer yet.
HOLDING = (RefundStatus.PENDING.value, RefundStatus.SUCCEEDED.value)


class Refunds:
    """Refund rows and their effects, always under the order's row lock (taken by the caller)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def paid(self, order: Order) -> Paid:
        """The order's money and lines, with what pending and succeeded refunds already hold."""
        refunded = self.session.scalar(
            select(func.coalesce(func.sum(Refund.amount), 0)).where(
                Refund.order_id == order.id, Refund.status.in_(HOLDING)
            )
        )
        taken = (
            select(RefundLine.order_item_id, func.sum(RefundLine.quantity).label("n"))
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(Refund.order_id == order.id, Refund.status.in_(HOLDING))
            .group_by(RefundLine.order_item_id)
            .subquery()
        )
        item_id = func.coalesce(
            OrderItem.course_id, OrderItem.digital_product_id, OrderItem.event_id
        )
        rows = self.session.execute(
            select(
                OrderItem.id,
                OrderItem.item_type,
                item_id,
                OrderItem.price,
                OrderItem.quantity,
                func.coalesce(taken.c.n, 0),
            )
            .outerjoin(taken, taken.c.order_item_id == OrderItem.id)
            .where(OrderItem.order_id == order.id)
            .order_by(OrderItem.created_at, OrderItem.id)
        ).all()
        lines = tuple(
            PaidLine(row_id, f"{kind}:{ref}", price, quantity, int(done))
            for row_id, kind, ref, price, quantity, done in rows
        )
        return Paid(order.subtotal, order.tax, order.total_amount, Decimal(refunded), lines)

    def add(
        self,
        order: Order,
        plan: RefundPlan,
        *,
        actor: str,
        reason: str | None = None,
        note: str | None = None,
        stripe_refund_id: str | None = None,
    ) -> Refund:
        """Write a pending refund and its lines; its id becomes Stripe's idempotency key."""
        refund = Refund(
            id=uuid.uuid4(),
            order_id=order.id,
            amount=plan.amount,
            currency=order.currency,
            status=RefundStatus.PENDING.value,
            reason=reason,
            note=note,
            actor=actor,
            stripe_refund_id=stripe_refund_id,
        )
        self.session.add(refund)
        self.session.flush()
        if plan.lines:
            self.session.execute(
                insert(RefundLine).values(
                    [
                        {"refund_id": refund.id, "order_item_id": i, "quantity": n, "amount": a}
                        for i, n, a in plan.lines
                    ]
                )
            )
        return refund

    def get(self, refund_id: uuid.UUID) -> Refund | None:
        """A refund by our id."""
        return self.session.get(Refund, refund_id)

    def by_stripe_id(self, stripe_refund_id: str) -> Refund | None:
        """A refund by Stripe's id."""
        return self.session.scalar(
            select(Refund).where(Refund.stripe_refund_id == stripe_refund_id)
        )

    def for_order(self, order_id: uuid.UUID) -> list[Refund]:
        """An order's refunds, oldest first."""
        return list(
            self.session.scalars(
                select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)
            )
        )

    def lines(self, refund_id: uuid.UUID) -> list[tuple[str, str, int, Decimal]]:
        """A refund's lines: (item type, title, quantity, amount)."""
        rows = self.session.execute(
            select(OrderItem.item_type, OrderItem.title, RefundLine.quantity, RefundLine.amount)
            .join(OrderItem, OrderItem.id == RefundLine.order_item_id)
            .where(RefundLine.refund_id == refund_id)
            .order_by(OrderItem.created_at)
        ).all()
        return [(t, title, q, a) for t, title, q, a in rows]

    def mark_succeeded(self, refund: Refund) -> None:
        """Stripe confirmed the refund."""
        refund.status = RefundStatus.SUCCEEDED.value
        refund.succeeded_at = func.now()

    def unsent(self, order_id: uuid.UUID | None, older_than: timedelta) -> list[tuple]:
        """Pending refunds without a Stripe id: (refund id, order id, intent, cents, reason)."""
        rows = self.session.execute(
            select(Refund, Order.stripe_payment_intent_id, Order.currency)
            .join(Order, Order.id == Refund.order_id)
            .where(
                Refund.status == RefundStatus.PENDING.value,
                Refund.stripe_refund_id.is_(None),
                Refund.created_at <= func.now() - older_than,
                Order.stripe_payment_intent_id.is_not(None),
                *([Refund.order_id == order_id] if order_id else []),
            )
            .order_by(Refund.created_at)
            .limit(200)
        ).all()
        return [
            (r.id, r.order_id, intent, to_minor_units(r.amount, currency), r.reason)
            for r, intent, currency in rows
        ]

    def succeeded_total(self, order_id: uuid.UUID) -> Decimal:
        """What Stripe confirmed as refunded on the order."""
        return Decimal(
            self.session.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(
                    Refund.order_id == order_id, Refund.status == RefundStatus.SUCCEEDED.value
                )
            )
        )

    def status_after_refunds(self, order: Order) -> OrderStatus:
        """completed, partially_refunded or refunded, by what Stripe confirmed as refunded."""
        paid = to_minor_units(order.total_amount, order.currency)
        done = to_minor_units(self.succeeded_total(order.id), order.currency)
        return after_refunds(paid, done)

    def take_back_lines(self, refund: Refund) -> None:
        """Revoke the access and free the seats of a refund's lines (future events only)."""
        rows = self.session.execute(
            select(OrderItem.id, OrderItem.item_type, OrderItem.event_id, RefundLine.quantity)
            .join(RefundLine, RefundLine.order_item_id == OrderItem.id)
            .where(RefundLine.refund_id == refund.id)
            # Freeing seats changes the events' confirmed tallies (migration 0014), which locks
            # them: in event id order, as every other writer does.
            .order_by(OrderItem.event_id, OrderItem.id)
        ).all()
        for item_id, kind, event_id, quantity in rows:
            if kind == "event" and event_id is not None:
                self._release(refund.order_id, event_id, quantity)
            else:
                self.session.execute(
                    delete(Entitlement).where(Entitlement.order_item_id == item_id)
                )

    def take_back_everything(self, order: Order) -> None:
        """A lost dispute: no access, no seats (for events still to come)."""
        self.session.execute(delete(Entitlement).where(Entitlement.order_id == order.id))
        self.session.execute(
            update(Booking)
            .where(
                Booking.order_id == order.id,
                Booking.status != BookingStatus.CANCELLED,
                Booking.event_id.in_(select(Event.id).where(Event.starts_at > func.now())),
            )
            .values(status=BookingStatus.CANCELLED, updated_at=func.now())
        )

    def _release(self, order_id: uuid.UUID, event_id: uuid.UUID, quantity: int) -> None:
        """Fewer attendees on the order's booking; none left cancels it. Past events keep theirs."""
        booking = self.session.scalar(
            select(Booking)
            .join(Event, Event.id == Booking.event_id)
            .where(
                Booking.order_id == order_id,
                Booking.event_id == event_id,
                Booking.status != BookingStatus.CANCELLED,
                Event.starts_at > func.now(),
            )
            .with_for_update(of=Booking)
        )
        if booking is None:
            return
        if booking.attendees > quantity:
            unit = booking.total_price / booking.attendees
            booking.attendees -= quantity
            booking.total_price = unit * booking.attendees
        else:
            booking.status = BookingStatus.CANCELLED
