"""The checkout's two database calls: one read and one write, one round trip each.

Both call the server-side functions of migration 0009 on a pooled connection in autocommit
mode: a single statement is its own transaction, so no BEGIN, COMMIT or ROLLBACK travels, and
the pool checks a connection's liveness locally instead of pinging (db/engine.py). They speak
to psycopg2 directly: SQLAlchemy's per-statement machinery cost more CPU than the round trip.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg2
from sqlalchemy import Engine

from checkout_app.db.checkout_sql import (
    ADOPT,
    HOLD_LIMIT,
    PLACE_ORDER,
    READ,
    SOLD_OUT,
    as_uuid,
    entries_of,
    read_params,
)
from checkout_app.db.engine import LATE, write_deadline
from checkout_app.db.repository import ITEM_COLUMNS, Holder, OpenCheckout, PendingOrder
from checkout_app.db.uow import UNREACHABLE
from checkout_app.domain.cart import CartKey
from checkout_app.domain.pricing import CatalogEntry
from checkout_app.errors import DatabaseUnavailable, HoldLimitReached, ItemsUnavailable

REFUSALS = {
    SOLD_OUT: lambda: ItemsUnavailable(detail="not enough seats left when holding them"),
    HOLD_LIMIT: lambda: HoldLimitReached(detail="seat hold limit reached when holding them"),
}
DISCONNECTED = (psycopg2.OperationalError, psycopg2.InterfaceError)


@dataclass(frozen=True)
class CheckoutRead:
    """What a checkout reads before it calls Stripe."""

    user_exists: bool
    open_checkouts: list[OpenCheckout]  # newest first
    entries: dict[CartKey, CatalogEntry]


def _str(value: object) -> str | None:
    return None if value is None else str(value)


class CheckoutStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(
        self,
        cart_hash: str,
        user_id: uuid.UUID | None,
        keys: Iterable[CartKey],
        holder: Holder,
    ) -> CheckoutRead:
        """The session's open checkouts, whether `user_id` exists, and the catalog entries
        of `keys` (seats left not counting the open checkouts, seats `holder` holds)."""
        holding = (holder.session_hash, holder.email, holder.address_hash)
        params = read_params(cart_hash, user_id, keys, holding)
        with self._cursor() as (cursor, _):
            cursor.execute(READ, params)
            rows = cursor.fetchall()
        kinds = {row[0] for row in rows}
        opened = sorted((row for row in rows if row[0] == "open"), key=lambda r: r[-1])
        open_checkouts = [
            OpenCheckout(as_uuid(row[1]), row[2], *row[9:13]) for row in reversed(opened)
        ]
        return CheckoutRead("user" in kinds, open_checkouts, entries_of(rows))

    def place(
        self,
        order: PendingOrder,
        superseded: Iterable[uuid.UUID],
        holder: Holder,
        hold_limit: int,
    ) -> None:
        """In one transaction: cancel `superseded`, lock and recount the events' seats
        (ItemsUnavailable / HoldLimitReached when short), insert the order, items, bookings."""
        cart = order.cart
        row = {
            "id": str(order.id),
            "user_id": _str(order.user_id),
            "customer_email": order.customer_email,
            "subtotal": str(cart.subtotal),
            "tax": str(cart.tax),
            "total_amount": str(cart.total),
            "currency": cart.currency,
            "stripe_checkout_session_id": order.stripe_checkout_session_id,
            "cart_session_hash": order.cart_session_hash,
            "checkout_fingerprint": order.checkout_fingerprint,
            "stripe_checkout_url": order.stripe_checkout_url,
            "stripe_session_expires_at": _str(order.stripe_session_expires_at),
            "seats_held_until": _str(order.seats_held_until),
            "client_address_hash": order.client_address_hash,
        }
        items = [
            {
                "item_type": line.key.item_type.value,
                ITEM_COLUMNS[line.key.item_type]: str(line.key.item_id),
                "title": line.title,
                "price": str(line.unit_price),
                "quantity": line.quantity,
                "line_total": str(line.line_total),
            }
            for line in cart.lines
        ]
        params = [
            json.dumps(row),
            json.dumps(items),
            [str(i) for i in superseded],
            holder.session_hash,
            holder.email,
            holder.address_hash,
            hold_limit,
        ]
        with self._cursor() as (cursor, info):
            # The deadline is taken last, in the server's clock (migration 0011).
            cursor.execute(PLACE_ORDER, [*params, write_deadline(info)])

    def adopt(self, from_hash: str, to_hash: str) -> list[uuid.UUID]:
        """Move the open checkouts of cart hash `from_hash` to `to_hash` (their bookings'
        holder follows, by trigger); their ids."""
        with self._cursor() as (cursor, _):
            cursor.execute(ADOPT, {"from_hash": from_hash, "to_hash": to_hash})
            return [as_uuid(row[0]) for row in cursor.fetchall()]

    @contextmanager
    def _cursor(self) -> Iterator[tuple[Any, dict]]:
        """A cursor on a pooled connection in autocommit mode, and the connection's info
        (db/engine.py's clock offset); failures mapped once here."""
        try:
            pooled = self.engine.raw_connection()
        except (*UNREACHABLE, *DISCONNECTED) as exc:
            raise DatabaseUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc
        connection = pooled.dbapi_connection
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                yield cursor, pooled.info
        except psycopg2.Error as exc:
            refusal = REFUSALS.get(exc.pgcode or "")
            if refusal is not None:
                raise refusal() from exc
            if exc.pgcode == LATE:
                # Nothing was written. The server was stalled, or this connection's clock
                # offset is stale (a clock stepped): the next connection measures it afresh.
                pooled.invalidate(exc)
                raise DatabaseUnavailable(detail="the order write missed its deadline") from exc
            if isinstance(exc, DISCONNECTED):
                if connection.closed:
                    pooled.invalidate(exc)  # the pool replaces it; the others are checked
                raise DatabaseUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc
            raise
        finally:
            if not connection.closed:
                connection.autocommit = False
            pooled.close()
