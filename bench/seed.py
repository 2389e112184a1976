"""Catalog rows (inserted with SQL) and shoppers' carts (written with the app's CartStore)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine

from checkout_app.adapters.cart_store import CartStore
from checkout_app.db.models import Booking, Course, DigitalProduct, Event
from checkout_app.domain.cart import CartKey, CartLine, new_session_id
from checkout_app.domain.enums import BookingStatus, ItemType

PER_TYPE = 20  # enough distinct items for a 50-line cart
BIG_CAPACITY = 10_000_000  # events of the steady scenarios never sell out
CART_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Catalog:
    courses: list[uuid.UUID]
    digital_products: list[uuid.UUID]
    events: list[uuid.UUID]

    def cart(self, lines: int) -> list[CartLine]:
        """A cart of `lines` distinct lines taking events, courses and products in turn, so
        that even a 1-line cart goes through the seat lock."""
        pools = [
            [CartKey(ItemType.EVENT, i) for i in self.events],
            [CartKey(ItemType.COURSE, i) for i in self.courses],
            [CartKey(ItemType.DIGITAL_PRODUCT, i) for i in self.digital_products],
        ]
        keys = [pools[n % 3][n // 3] for n in range(lines)]
        return [CartLine(k, 2 if k.item_type is ItemType.EVENT else 1) for k in keys]

    def shopper_cart(self, n: int) -> list[CartLine]:
        """The steady scenarios' cart: a course, a digital product and 2 seats of an event,
        spread over the catalog so that shoppers do not all queue on one event row."""
        return [
            CartLine(CartKey(ItemType.COURSE, self.courses[n % PER_TYPE]), 1),
            CartLine(CartKey(ItemType.DIGITAL_PRODUCT, self.digital_products[n % PER_TYPE]), 1),
            CartLine(CartKey(ItemType.EVENT, self.events[n % PER_TYPE]), 2),
        ]


def _rows(prefix: str, kind: str, count: int) -> list[dict[str, object]]:
    return [
        {
            "slug": f"{prefix}-{kind}-{n}",
            "title": f"Bench {kind} {n}",
            "price": Decimal("10.00") + n,
        }
        for n in range(count)
    ]


def seed_catalog(database_url: str) -> Catalog:
    """Insert PER_TYPE active courses, digital products and far-future events."""
    engine = create_engine(database_url)
    starts = datetime.now(UTC) + timedelta(days=30)
    with engine.begin() as conn:
        ids = [
            list(
                conn.scalars(
                    insert(table).values(_rows("bench", kind, PER_TYPE)).returning(table.id)
                )
            )
            for table, kind in ((Course, "course"), (DigitalProduct, "product"))
        ]
        events = conn.scalars(
            insert(Event)
            .values(
                [
                    {**row, "capacity": BIG_CAPACITY, "starts_at": starts, "venue": "Hall"}
                    for row in _rows("bench", "event", PER_TYPE)
                ]
            )
            .returning(Event.id)
        )
        catalog = Catalog(ids[0], ids[1], list(events))
    engine.dispose()
    return catalog


def add_event(database_url: str, capacity: int, slug: str) -> uuid.UUID:
    """One more event with `capacity` seats (the flash sale's)."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        event_id = conn.scalar(
            insert(Event)
            .values(
                slug=slug,
                title=f"Flash sale {slug}",
                price=Decimal("99.00"),
                capacity=capacity,
                starts_at=datetime.now(UTC) + timedelta(days=7),
                venue="Hall",
            )
            .returning(Event.id)
        )
    engine.dispose()
    return event_id


def seats_held(engine: Engine, event_id: uuid.UUID) -> int:
    """Attendees of the event's pending and confirmed bookings."""
    with engine.connect() as conn:
        return conn.scalar(
            select(func.coalesce(func.sum(Booking.attendees), 0)).where(
                Booking.event_id == event_id,
                Booking.status.in_((BookingStatus.PENDING, BookingStatus.CONFIRMED)),
            )
        )


def seed_carts(
    client: redis.Redis, prefix: str, carts: list[list[CartLine]], secret_key: str
) -> list[str]:
    """Write one cart per shopper checkout under a fresh session id; the ids, in order."""
    store = CartStore(client, prefix, CART_TTL_SECONDS)
    sessions = [new_session_id(secret_key) for _ in carts]
    for session_id, lines in zip(sessions, carts, strict=True):
        store.replace(session_id, lines)
    return sessions
