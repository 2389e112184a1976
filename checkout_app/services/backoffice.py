"""What the back office reads and does: find orders, show one, resend its confirmation, events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from checkout_app import messages
from checkout_app.db.event_report import Attendee, EventSeats, attendees, event_seats
from checkout_app.db.models import Order
from checkout_app.db.order_search import (
    Cursor,
    OrderFilter,
    OrderRow,
    needing_review,
    search_orders,
)
from checkout_app.db.order_view import OrderView, load_order
from checkout_app.db.timeline import TimelineEntry, order_timeline
from checkout_app.domain.enums import OrderStatus
from checkout_app.domain.lifecycle import PAID
from checkout_app.domain.staff import StaffMember
from checkout_app.errors import InvalidInput, ItemNotFound, OrderNotFound
from checkout_app.services.notifications import queue_confirmation_copy
from checkout_app.services.refunds import RefundView, refunds_of
from checkout_app.services.shop import Shop

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrderPage:
    order: OrderView
    timeline: list[TimelineEntry]
    refunds: list[RefundView]

    @property
    def refundable(self) -> bool:
        """Whether money is left to give back (paid, not disputed or fully refunded)."""
        return OrderStatus(self.order.status) in PAID


def find_orders(
    shop: Shop, wanted: OrderFilter, after: Cursor | None, size: int = PAGE_SIZE
) -> tuple[list[OrderRow], Cursor | None]:
    """A page of orders matching the filter, newest first, and the next page's cursor."""
    with shop.uow() as uow:
        return search_orders(uow.session, wanted, after, size)


def orders_to_review(shop: Shop) -> list[tuple[OrderRow, str | None]]:
    """Flagged orders (a payment that did not match, a lost dispute...), newest first."""
    with shop.uow() as uow:
        return needing_review(uow.session)


def order_page(shop: Shop, order_id: uuid.UUID) -> OrderPage:
    """The order with its items, bookings, entitlements and timeline; 404 when unknown."""
    with shop.uow() as uow:
        order = load_order(uow.session, Order.id == order_id)
        if order is None:
            raise OrderNotFound()
        timeline = order_timeline(uow.session, order_id)
    return OrderPage(order, timeline, refunds_of(shop, order_id))


def resend_confirmation(
    shop: Shop, order_id: uuid.UUID, staff: StaffMember, ip: str | None
) -> None:
    """Queue the order's confirmation email again (a new outbox message), audited."""
    with shop.uow() as uow:
        order = uow.fulfilment.lock(order_id)
        if order is None:
            raise OrderNotFound()
        if order.status not in PAID:
            raise InvalidInput(messages.NOTHING_TO_RESEND)
        message_id = queue_confirmation_copy(uow.fulfilment, uow.outbox, order)
        uow.audit.append(
            staff.actor, "order.confirmation_resent", order.id, {"outboxId": str(message_id)}, ip
        )
        uow.commit()


def events_overview(shop: Shop) -> list[EventSeats]:
    """Seats sold, held and left of every event."""
    with shop.uow() as uow:
        return event_seats(uow.session)


def event_attendees(shop: Shop, event_id: uuid.UUID) -> tuple[EventSeats, list[Attendee]]:
    """One event's seats and attendee list; 404 when unknown."""
    with shop.uow() as uow:
        seats = event_seats(uow.session, event_id)
        if not seats:
            raise ItemNotFound(messages.EVENT_NOT_FOUND)
        return seats[0], attendees(uow.session, event_id)


def export_attendees(
    shop: Shop, event_id: uuid.UUID, staff: StaffMember, ip: str | None
) -> tuple[EventSeats, list[Attendee]]:
    """The attendee list for check-in; the export (personal data leaving) is audited."""
    with shop.uow() as uow:
        seats = event_seats(uow.session, event_id)
        if not seats:
            raise ItemNotFound(messages.EVENT_NOT_FOUND)
        people = attendees(uow.session, event_id)
        detail = {"eventId": str(event_id), "rows": len(people)}
        uow.audit.append(staff.actor, "event.attendees_exported", detail=detail, ip=ip)
        uow.commit()
        return seats[0], people
