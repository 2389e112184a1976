"""Catalog reads and order writes over one SQLAlchemy session; a fixed number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, text, update
from sqlalchemy.orm import Session

from checkout_app.db.models import Booking, Order, OrderItem
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import SEAT_HOLDING, BookingStatus, ItemType
from checkout_app.domain.pricing import CatalogEntry, PricedCart
from checkout_app.errors import ItemsUnavailable

ITEM_COLUMNS = {
    ItemType.COURSE: "course_id",
    ItemType.DIGITAL_PRODUCT: "digital_product_id",
    ItemType.EVENT: "event_id",
}


@dataclass(frozen=True)
class PendingOrder:
    """Everything a checkout writes: the order, its lines and who placed it."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    customer_email: str
    cart: PricedCart
    stripe_checkout_session_id: str
    cart_session_hash: str
    checkout_fingerprint: str
    stripe_checkout_url: str | None
    stripe_session_expires_at: datetime | None


@dataclass(frozen=True)
class OpenCheckout:
    """A shopper's pending order that a new checkout may reuse or supersede."""

    id: uuid.UUID
    checkout_fingerprint: str | None
    stripe_checkout_session_id: str
    stripe_checkout_url: str | None
    stripe_session_expires_at: datetime | None


# The checkout's hot-path reads are written once as SQL: built per call with the expression
# language they cost several times their round trip in Python (cache keys, coercions).
# Seats held = pending and confirmed bookings, leaving out the orders a checkout replaces.
_HOLDING = ", ".join(f"'{status.value}'" for status in SEAT_HOLDING)
_SEATS_TAKEN = f"""
    (SELECT coalesce(sum(b.attendees), 0) FROM bookings b
     WHERE b.event_id = e.id AND b.status IN ({_HOLDING})
       AND (b.order_id IS NULL OR b.order_id <> ALL(CAST(:excluding AS uuid[]))))"""
CATALOG_ENTRIES = text(
    f"""
    SELECT 'course' AS item_type, id, title, price, is_active AS for_sale,
           NULL::integer AS seats_left, NULL::timestamptz AS starts_at, NULL::text AS venue
      FROM courses WHERE id = ANY(CAST(:course_ids AS uuid[]))
    UNION ALL
    SELECT 'digital_product', id, title, price, is_active, NULL::integer, NULL, NULL
      FROM digital_products WHERE id = ANY(CAST(:product_ids AS uuid[]))
    UNION ALL
    SELECT 'event', e.id, e.title, e.price, e.is_active AND e.starts_at > now(),
           (e.capacity - {_SEATS_TAKEN})::integer, e.starts_at, e.venue
      FROM events e WHERE e.id = ANY(CAST(:event_ids AS uuid[]))"""
)
# Lock in id order so two checkouts sharing events never deadlock.
LOCK_EVENTS = text(
    "SELECT id FROM events WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id FOR UPDATE"
)
SEATS_LEFT = text(
    f"""
    SELECT e.id, (e.capacity - {_SEATS_TAKEN})::integer
      FROM events e
     WHERE e.id = ANY(CAST(:ids AS uuid[])) AND e.is_active AND e.starts_at > now()"""
)
OPEN_CHECKOUTS = text(
    """
    SELECT id, checkout_fingerprint, stripe_checkout_session_id, stripe_checkout_url,
           stripe_session_expires_at
      FROM orders
     WHERE cart_session_hash = :cart_hash AND status = 'pending' AND NOT awaiting_payment
     ORDER BY created_at DESC"""
)
USER_EXISTS = text("SELECT 1 FROM users WHERE id = :id")
SUPERSEDE = text(
    """
    WITH cancelled AS (
        UPDATE orders SET status = 'cancelled', cancelled_at = now(), updated_at = now()
         WHERE id = ANY(CAST(:ids AS uuid[])) AND status = 'pending' AND NOT awaiting_payment
        RETURNING id),
    logged AS (
        INSERT INTO audit_log (order_id, actor, action, detail)
        SELECT id, 'system', 'order.status_changed',
               '{"from": "pending", "to": "cancelled", "reason": "superseded"}'::jsonb
          FROM cancelled)
    SELECT id FROM cancelled"""
)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, user_id: uuid.UUID) -> bool:
        """Whether a user with this id exists."""
        return self.session.execute(USER_EXISTS, {"id": user_id}).first() is not None


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(
        self, keys: Iterable[CartKey], excluding_orders: Sequence[uuid.UUID] = ()
    ) -> dict[CartKey, CatalogEntry]:
        """Title, price, sale state and seats left (not counting `excluding_orders`'
        bookings) of these items, in one statement."""
        ids: dict[ItemType, list[uuid.UUID]] = {t: [] for t in ItemType}
        for key in keys:
            ids[key.item_type].append(key.item_id)
        rows = self.session.execute(
            CATALOG_ENTRIES,
            {
                "course_ids": ids[ItemType.COURSE],
                "product_ids": ids[ItemType.DIGITAL_PRODUCT],
                "event_ids": ids[ItemType.EVENT],
                "excluding": list(excluding_orders),
            },
        )
        entries = {}
        for item_type, item_id, title, price, for_sale, seats_left, starts_at, venue in rows:
            key = CartKey(ItemType(item_type), item_id)
            entries[key] = CatalogEntry(key, title, price, for_sale, seats_left, starts_at, venue)
        return entries

    def hold_seats(self, wanted: dict[uuid.UUID, int]) -> None:
        """Lock the events, recount their seats, and refuse if any has too few left."""
        if not wanted:
            return
        ids = sorted(wanted)
        self.session.execute(LOCK_EVENTS, {"ids": ids})
        # The count must be a separate statement: only a statement started after the lock
        # is granted sees the bookings committed by the transaction we waited for.
        rows = self.session.execute(SEATS_LEFT, {"ids": ids, "excluding": []})
        seats_left = {event_id: left for event_id, left in rows}
        if any(seats_left.get(event_id, 0) < n for event_id, n in wanted.items()):
            raise ItemsUnavailable(detail="not enough seats left when holding them")


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_checkouts(self, cart_session_hash: str) -> list[OpenCheckout]:
        """The session's pending orders that are not waiting for a delayed payment."""
        rows = self.session.execute(OPEN_CHECKOUTS, {"cart_hash": cart_session_hash})
        return [OpenCheckout(*row) for row in rows]

    def supersede(self, order_ids: Sequence[uuid.UUID]) -> None:
        """Cancel pending orders a newer checkout replaces; their seats return to the events."""
        if not order_ids:
            return
        # One statement cancels the orders and writes their audit lines (the statement budget).
        cancelled = self.session.scalars(SUPERSEDE, {"ids": list(order_ids)}).all()
        if cancelled:
            self.session.execute(
                update(Booking)
                .where(Booking.order_id.in_(cancelled), Booking.status == BookingStatus.PENDING)
                .values(status=BookingStatus.CANCELLED, updated_at=func.now())
            )

    def add_pending(self, order: PendingOrder) -> None:
        """Insert the order, all its items in one statement, and its bookings in another."""
        # Plain table inserts with separate parameters compile once and are cached; a list of
        # parameters goes out as one multi-row INSERT (SQLAlchemy's "insertmanyvalues").
        cart = order.cart
        self.session.execute(
            insert(Order.__table__),
            {
                "id": order.id,
                "user_id": order.user_id,
                "customer_email": order.customer_email,
                "subtotal": cart.subtotal,
                "tax": cart.tax,
                "total_amount": cart.total,
                "currency": cart.currency,
                "stripe_checkout_session_id": order.stripe_checkout_session_id,
                "cart_session_hash": order.cart_session_hash,
                "checkout_fingerprint": order.checkout_fingerprint,
                "stripe_checkout_url": order.stripe_checkout_url,
                "stripe_session_expires_at": order.stripe_session_expires_at,
            },
        )
        items = [
            {
                "order_id": order.id,
                "item_type": line.key.item_type.value,
                "course_id": None,
                "digital_product_id": None,
                "event_id": None,
                ITEM_COLUMNS[line.key.item_type]: line.key.item_id,
                "title": line.title,
                "price": line.unit_price,
                "quantity": line.quantity,
            }
            for line in cart.lines
        ]
        self.session.execute(insert(OrderItem.__table__), items)
        bookings = [
            {
                "order_id": order.id,
                "user_id": order.user_id,
                "event_id": line.key.item_id,
                "attendees": line.quantity,
                "total_price": line.line_total,
            }
            for line in cart.lines
            if line.key.item_type is ItemType.EVENT
        ]
        if bookings:
            self.session.execute(insert(Booking.__table__), bookings)
