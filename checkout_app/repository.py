"""Catalog reads and order writes over one SQLAlchemy session; a fixed number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    and_,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from .carts import CartKey
from .errors import ItemsUnavailable
from .models import (
    Booking,
    BookingStatus,
    Course,
    DigitalProduct,
    Event,
    ItemType,
    Order,
    OrderItem,
    OrderStatus,
    User,
)
from .pricing import CatalogEntry, PricedCart

SEAT_HOLDING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
PRODUCT_TABLES = {ItemType.COURSE: Course, ItemType.DIGITAL_PRODUCT: DigitalProduct}
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


def _seats_taken(excluding: Sequence[uuid.UUID] = ()) -> object:
    """Seats held by pending and confirmed bookings, leaving out the given orders' bookings."""
    query = select(func.coalesce(func.sum(Booking.attendees), 0)).where(
        Booking.event_id == Event.id, Booking.status.in_(SEAT_HOLDING)
    )
    if excluding:
        query = query.where(or_(Booking.order_id.is_(None), Booking.order_id.not_in(excluding)))
    return query.scalar_subquery()


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, user_id: uuid.UUID) -> bool:
        """Whether a user with this id exists."""
        return self.session.scalar(select(User.id).where(User.id == user_id)) is not None


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(
        self, keys: Iterable[CartKey], excluding_orders: Sequence[uuid.UUID] = ()
    ) -> dict[CartKey, CatalogEntry]:
        """Title, price, sale state and seats left (not counting `excluding_orders`), in one
        statement."""
        ids: dict[ItemType, list[uuid.UUID]] = {t: [] for t in ItemType}
        for key in keys:
            ids[key.item_type].append(key.item_id)
        products = [
            select(
                literal(item_type.value).label("item_type"),
                table.id,
                table.title,
                table.price,
                table.is_active.label("for_sale"),
                cast(null(), Integer).label("seats_left"),
            ).where(table.id.in_(ids[item_type]))
            for item_type, table in PRODUCT_TABLES.items()
        ]
        events = select(
            literal(ItemType.EVENT.value),
            Event.id,
            Event.title,
            Event.price,
            and_(Event.is_active, Event.starts_at > func.now()),
            cast(Event.capacity - _seats_taken(excluding_orders), Integer),
        ).where(Event.id.in_(ids[ItemType.EVENT]))
        rows = self.session.execute(union_all(*products, events)).all()
        return {
            CartKey(ItemType(r.item_type), r.id): CatalogEntry(
                CartKey(ItemType(r.item_type), r.id), r.title, r.price, r.for_sale, r.seats_left
            )
            for r in rows
        }

    def hold_seats(self, wanted: dict[uuid.UUID, int]) -> None:
        """Lock the events, recount their seats, and refuse if any has too few left."""
        if not wanted:
            return
        ids = sorted(wanted)
        # Lock in id order so two checkouts sharing events never deadlock. The count
        # must be a separate statement: only a statement started after the lock is
        # granted sees the bookings committed by the transaction we waited for.
        self.session.execute(
            select(Event.id).where(Event.id.in_(ids)).order_by(Event.id).with_for_update()
        )
        rows = self.session.execute(
            select(Event.id, Event.capacity - _seats_taken()).where(
                Event.id.in_(ids), Event.is_active, Event.starts_at > func.now()
            )
        ).all()
        seats_left = {row[0]: row[1] for row in rows}
        if any(seats_left.get(event_id, 0) < n for event_id, n in wanted.items()):
            raise ItemsUnavailable(detail="not enough seats left when holding them")


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_checkouts(self, cart_session_hash: str) -> list[OpenCheckout]:
        """The session's pending orders that are not waiting for a delayed payment."""
        rows = self.session.execute(
            select(
                Order.id,
                Order.checkout_fingerprint,
                Order.stripe_checkout_session_id,
                Order.stripe_checkout_url,
                Order.stripe_session_expires_at,
            )
            .where(
                Order.cart_session_hash == cart_session_hash,
                Order.status == OrderStatus.PENDING,
                Order.awaiting_payment.is_(False),
            )
            .order_by(Order.created_at.desc())
        ).all()
        return [OpenCheckout(*row) for row in rows]

    def supersede(self, order_ids: Sequence[uuid.UUID]) -> None:
        """Cancel pending orders a newer checkout replaces; their seats return to the events."""
        if not order_ids:
            return
        cancelled = self.session.scalars(
            update(Order)
            .where(
                Order.id.in_(order_ids),
                Order.status == OrderStatus.PENDING,
                Order.awaiting_payment.is_(False),
            )
            .values(status=OrderStatus.CANCELLED, cancelled_at=func.now())
            .returning(Order.id)
        ).all()
        if cancelled:
            self.session.execute(
                update(Booking)
                .where(Booking.order_id.in_(cancelled), Booking.status == BookingStatus.PENDING)
                .values(status=BookingStatus.CANCELLED, updated_at=func.now())
            )

    def add_pending(self, order: PendingOrder) -> None:
        """Insert the order, all its items in one statement, and its event bookings."""
        cart = order.cart
        self.session.execute(
            insert(Order).values(
                id=order.id,
                user_id=order.user_id,
                customer_email=order.customer_email,
                subtotal=cart.subtotal,
                tax=cart.tax,
                total_amount=cart.total,
                currency=cart.currency,
                stripe_checkout_session_id=order.stripe_checkout_session_id,
                cart_session_hash=order.cart_session_hash,
                checkout_fingerprint=order.checkout_fingerprint,
                stripe_checkout_url=order.stripe_checkout_url,
                stripe_session_expires_at=order.stripe_session_expires_at,
            )
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
        self.session.execute(insert(OrderItem.__table__).values(items))
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
            self.session.execute(insert(Booking.__table__).values(bookings))
