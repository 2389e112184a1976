"""Catalog reads and seat holds over a unit of work's session; what a checkout writes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from checkout_app.db.checkout_sql import (
    HOLD_SEATS,
    READ_IN_SESSION,
    USER_EXISTS,
    entries_of,
    read_params,
)
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import ItemType
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
        self, keys: Iterable[CartKey], cart_hash: str | None = None
    ) -> dict[CartKey, CatalogEntry]:
        """Title, price, sale state and seats left of these items, in one statement; seats
        left do not count the open checkouts of the cart with `cart_hash` (which a checkout
        of that cart replaces)."""
        params = read_params(cart_hash, None, keys, (None, None, None))
        return entries_of(self.session.execute(READ_IN_SESSION, params))

    def hold_seats(self, wanted: dict[uuid.UUID, int]) -> None:
        """Lock the events (until the transaction ends), recount their seats, and refuse
        (ItemsUnavailable) if any has too few left."""
        if not wanted:
            return
        seats = json.dumps({str(event_id): n for event_id, n in wanted.items()})
        if self.session.execute(HOLD_SEATS, {"wanted": seats}).scalar_one() is not None:
            raise ItemsUnavailable(detail="not enough seats left when holding them")
