"""The catalog as the shop's home page lists it: what is for sale now, read-only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkout_app.db.models import Booking, Course, DigitalProduct, Event, Order, holds_seats
from checkout_app.domain.enums import ItemType


@dataclass(frozen=True)
class Listing:
    item_type: ItemType
    id: uuid.UUID
    title: str
    description: str | None
    price: Decimal
    starts_at: datetime | None = None
    venue: str | None = None
    seats_left: int | None = None

    @property
    def sold_out(self) -> bool:
        return self.seats_left is not None and self.seats_left < 1


class CatalogListing:
    """Reads the items a shopper may add to a cart, in three statements."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_sale(self) -> list[Listing]:
        """Active courses and digital products by title, then active upcoming events by date."""
        listings = [
            Listing(item_type, row.id, row.title, row.description, row.price)
            for item_type, table in (
                (ItemType.COURSE, Course),
                (ItemType.DIGITAL_PRODUCT, DigitalProduct),
            )
            for row in self.session.scalars(
                select(table).where(table.is_active).order_by(table.title)
            )
        ]
        taken = (
            select(func.coalesce(func.sum(Booking.attendees), 0))
            .select_from(Booking)
            .outerjoin(Order, Order.id == Booking.order_id)
            .where(Booking.event_id == Event.id, holds_seats())
            .scalar_subquery()
        )
        events = self.session.execute(
            select(Event, (Event.capacity - taken).label("seats_left"))
            .where(Event.is_active, Event.starts_at > func.now())
            .order_by(Event.starts_at, Event.title)
        )
        listings += [
            Listing(
                ItemType.EVENT,
                event.id,
                event.title,
                event.description,
                event.price,
                event.starts_at,
                event.venue,
                max(seats_left, 0),
            )
            for event, seats_left in events
        ]
        return listings
