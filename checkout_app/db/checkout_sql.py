"""The checkout's SQL: calls of the server-side functions of migration 0009, and their rows.

The rules themselves (which bookings take seats, who holds how many, the lock order) are
written once, in those functions; models.holds_seats() is the same rule for the ORM.
The checkout sends them to psycopg2 as they are: built per call with SQLAlchemy's expression
language they cost several times their round trip in Python. A unit of work (the cart page,
late payments) sends the same calls through its session.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text

from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import ItemType
from checkout_app.domain.pricing import CatalogEntry

# Rows of ("open" | "user" | an item type, id, title or fingerprint, price, for_sale,
# seats_left, starts_at, venue, held, session_id, url, expires_at, held_until, created_at).
READ = (
    "SELECT * FROM checkout_read(%(cart_hash)s, CAST(%(user_id)s AS uuid),"
    " CAST(%(courses)s AS uuid[]), CAST(%(products)s AS uuid[]), CAST(%(events)s AS uuid[]),"
    " %(session)s, %(email)s, %(address)s)"
)
# The last argument: when the caller stops waiting, in the server's epoch seconds (migration
# 0011); past it the write raises db/engine.py's LATE instead of committing.
PLACE_ORDER = (
    "SELECT checkout_place_order(%s::jsonb, %s::jsonb, %s::uuid[], %s, %s, %s, %s, %s::float8)"
)
# The open checkouts a checkout that never finished left under the hash of an id nobody
# received (checkout_run.py's "rotating" note), moved back under the cart's own hash.
ADOPT = (
    "UPDATE orders SET cart_session_hash = %(to_hash)s, updated_at = now()"
    " WHERE cart_session_hash = %(from_hash)s AND status = 'pending' AND NOT awaiting_payment"
    " RETURNING id"
)
# SQLSTATEs checkout_place_order raises for the two refusals of checkout_hold_seats (and, past
# its deadline, db/engine.py's LATE).
SOLD_OUT, HOLD_LIMIT = "CKS01", "CKH01"
ITEM_KINDS = frozenset(t.value for t in ItemType)

# The same calls for a unit of work's session (SQLAlchemy's :name placeholders).
READ_IN_SESSION = text(re.sub(r"%\((\w+)\)s", r":\1", READ))
# NULL when the seats are held (the transaction keeps the events' rows locked until it ends),
# 'seats' or 'hold_limit' when refused.
HOLD_SEATS = text("SELECT checkout_hold_seats(CAST(:wanted AS jsonb), NULL, NULL, NULL, 0)")
USER_EXISTS = text("SELECT 1 FROM users WHERE id = :id")


def read_params(
    cart_hash: str | None,
    user_id: uuid.UUID | None,
    keys: Iterable[CartKey],
    holder: tuple[str | None, str | None, str | None],
) -> dict[str, Any]:
    """READ's parameters; `holder` is (session hash, email, address hash)."""
    ids: dict[ItemType, list[str]] = {t: [] for t in ItemType}
    for key in keys:
        ids[key.item_type].append(str(key.item_id))
    session, email, address = holder
    return {
        "cart_hash": cart_hash,
        "user_id": None if user_id is None else str(user_id),
        "courses": ids[ItemType.COURSE],
        "products": ids[ItemType.DIGITAL_PRODUCT],
        "events": ids[ItemType.EVENT],
        "session": session,
        "email": email,
        "address": address,
    }


def as_uuid(value: object) -> uuid.UUID:
    """A uuid column's value (SQLAlchemy's psycopg2 dialect registers the type per connection)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def entry_of(row: tuple[Any, ...]) -> CatalogEntry:
    """The catalog entry of one of READ's item rows."""
    kind, item_id, title, price, for_sale, left, starts, venue, held = row[:9]
    key = CartKey(ItemType(kind), as_uuid(item_id))
    return CatalogEntry(key, title, price, for_sale, left, starts, venue, held)


def entries_of(rows: Iterable[tuple[Any, ...]]) -> dict[CartKey, CatalogEntry]:
    """The catalog entries among READ's rows."""
    entries = (entry_of(row) for row in rows if row[0] in ITEM_KINDS)
    return {entry.key: entry for entry in entries}
