"""Catalog reads and order writes over one SQLAlchemy session; a fixed number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, update
from sqlalchemy.orm import Session

from checkout_app.db.checkout_sql import (
    CATALOG_ENTRIES,
    LOCK_EVENTS,
    OPEN_CHECKOUTS,
    SEATS_LEFT,
    SUPERSEDE,
    USER_EXISTS,
)
from checkout_app.db.models import Booking, Order, OrderItem
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import BookingStatus, ItemType
from checkout_app.domain.pricing import CatalogEntry, PricedCart
from checkout_app.errors import HoldLimitReached, ItemsUnavailable

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
    seats_held_until: datetime | None = None
    client_address_hash: str | None = None


@dataclass(frozen=True)
class Holder:
    """Who holds seats, for SEAT_HOLD_LIMIT: a session, an email and a client address."""

    session_hash: str | None = None
    email: str | None = None
    address_hash: str | None = None


@dataclass(frozen=True)
class OpenCheckout:
    """A shopper's pending order that a new checkout may reuse or supersede."""

    id: uuid.UUID
    checkout_fingerprint: str | None
    stripe_checkout_session_id: str
    stripe_checkout_url: str | None
    stripe_session_expires_at: datetime | None
    seats_held_until: datetime | None = None


def _holder_params(holder: Holder) -> dict[str, str | None]:
    return {
        "holder_session": holder.session_hash,
        "holder_email": holder.email,
        "holder_address": holder.address_hash,
    }


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
        self,
        keys: Iterable[CartKey],
        excluding_orders: Sequence[uuid.UUID] = (),
        holder: Holder = Holder(),
    ) -> dict[CartKey, CatalogEntry]:
        """Title, price, sale state, seats left and seats `holder` holds (not counting
        `excluding_orders`' bookings) of these items, in one statement."""
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
                **_holder_params(holder),
            },
        )
        entries = {}
        for item_type, item_id, title, price, for_sale, seats_left, *rest in rows:
            key = CartKey(ItemType(item_type), item_id)
            entries[key] = CatalogEntry(key, title, price, for_sale, seats_left, *rest)
        return entries

    def hold_seats(
        self, wanted: dict[uuid.UUID, int], holder: Holder = Holder(), hold_limit: int = 0
    ) -> None:
        """Lock the events, recount their seats, and refuse if any has too few left
        (ItemsUnavailable) or `holder` would hold over `hold_limit` (HoldLimitReached)."""
        if not wanted:
            return
        ids = sorted(wanted)
        self.session.execute(LOCK_EVENTS, {"ids": ids})
        # The count must be a separate statement: only a statement started after the lock
        # is granted sees the bookings committed by the transaction we waited for.
        params = {"ids": ids, "excluding": [], **_holder_params(holder)}
        counts = {
            event_id: (left, held)
            for event_id, left, held in self.session.execute(SEATS_LEFT, params)
        }
        if any(counts.get(event_id, (0, 0))[0] < n for event_id, n in wanted.items()):
            raise ItemsUnavailable(detail="not enough seats left when holding them")
        if hold_limit and any(counts[e][1] + n > hold_limit for e, n in wanted.items()):
            raise HoldLimitReached(detail="seat hold limit reached when holding them")


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
                "seats_held_until": order.seats_held_until,
                "client_address_hash": order.client_address_hash,
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
