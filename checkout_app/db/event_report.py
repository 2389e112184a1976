"""Per event: seats sold, held and left, and the attendee list for check-in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from checkout_app.db.models import Booking, Event, Order, User
from checkout_app.domain.enums import BookingStatus


@dataclass(frozen=True)
class EventSeats:
    id: uuid.UUID
    title: str
    starts_at: datetime
    capacity: int
    sold: int  # confirmed bookings: paid
    held: int  # pending bookings: an open checkout holds them
    is_active: bool

    @property
    def left(self) -> int:
        """Seats nobody holds."""
        return max(self.capacity - self.sold - self.held, 0)


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    tickets: int
    order_id: uuid.UUID | None
    status: str
    booked_at: datetime


def _seats(status: BookingStatus):
    return func.coalesce(func.sum(case((Booking.status == status, Booking.attendees), else_=0)), 0)


def event_seats(session: Session, event_id: uuid.UUID | None = None) -> list[EventSeats]:
    """Seats of every event (or of one), soonest first."""
    query = (
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.capacity,
            _seats(BookingStatus.CONFIRMED),
            _seats(BookingStatus.PENDING),
            Event.is_active,
        )
        .outerjoin(Booking, Booking.event_id == Event.id)
        .group_by(Event.id)
        .order_by(Event.starts_at, Event.id)
    )
    if event_id is not None:
        query = query.where(Event.id == event_id)
    return [EventSeats(*row) for row in session.execute(query)]


def attendees(session: Session, event_id: uuid.UUID) -> list[Attendee]:
    """Everyone booked on the event: confirmed first, then by email."""
    rows = session.execute(
        select(
            func.coalesce(User.name, ""),
            func.coalesce(Order.customer_email, User.email, ""),
            Booking.attendees,
            Booking.order_id,
            Booking.status,
            Booking.created_at,
        )
        .outerjoin(Order, Order.id == Booking.order_id)
        .outerjoin(User, User.id == Booking.user_id)
        .where(Booking.event_id == event_id)
        .order_by(Booking.status != BookingStatus.CONFIRMED, Order.customer_email, Booking.id)
    )
    return [
        Attendee(name, email, tickets, order_id, status.value, booked_at)
        for name, email, tickets, order_id, status, booked_at in rows
    ]
