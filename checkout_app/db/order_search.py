"""The back office's order list: filters and keyset pagination, newest first.

Each page is one index range scan: (created_at, id) alone, after status, or after
lower(customer_email) (indexes from migration 0005), never an OFFSET.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, tuple_
from sqlalchemy.orm import Session

from checkout_app.db.models import Order


@dataclass(frozen=True)
class OrderFilter:
    """What staff searched for; every field is optional."""

    email: str | None = None
    order_id: uuid.UUID | None = None
    stripe_id: str | None = None  # a Checkout Session (cs_...) or PaymentIntent (pi_...) id
    status: str | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the (created_at, id) of its last order."""

    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class OrderRow:
    id: uuid.UUID
    customer_email: str
    status: str
    total_amount: Decimal
    currency: str
    created_at: datetime
    needs_review: bool


# The columns of an OrderRow, in its field order: the list page and the review list share them.
_ROW_COLUMNS = (
    Order.id,
    Order.customer_email,
    Order.status,
    Order.total_amount,
    Order.currency,
    Order.created_at,
    Order.needs_review,
)


def _order_row(r: Row[Any]) -> OrderRow:
    return OrderRow(r.id, r.customer_email, r.status.value, *r[3 : len(_ROW_COLUMNS)])


def _filtered(query: Select, wanted: OrderFilter) -> Select:
    if wanted.email:
        query = query.where(func.lower(Order.customer_email) == wanted.email.lower())
    if wanted.order_id:
        query = query.where(Order.id == wanted.order_id)
    if wanted.stripe_id:
        query = query.where(
            or_(
                Order.stripe_checkout_session_id == wanted.stripe_id,
                Order.stripe_payment_intent_id == wanted.stripe_id,
            )
        )
    if wanted.status:
        query = query.where(Order.status == wanted.status)
    if wanted.created_from:
        query = query.where(Order.created_at >= wanted.created_from)
    if wanted.created_before:
        query = query.where(Order.created_at < wanted.created_before)
    return query


def search_orders(
    session: Session, wanted: OrderFilter, after: Cursor | None, size: int
) -> tuple[list[OrderRow], Cursor | None]:
    """One page of matching orders, newest first, and the cursor of the next page (if any)."""
    query = _filtered(select(*_ROW_COLUMNS), wanted)
    if after is not None:
        query = query.where(tuple_(Order.created_at, Order.id) < (after.created_at, after.id))
    query = query.order_by(Order.created_at.desc(), Order.id.desc()).limit(size + 1)
    rows = [_order_row(r) for r in session.execute(query)]
    page = rows[:size]
    more = len(rows) > size
    return page, Cursor(page[-1].created_at, page[-1].id) if more else None


def needing_review(session: Session, limit: int = 20) -> list[tuple[OrderRow, str | None]]:
    """Orders flagged for a person (amount mismatch, lost dispute...), newest first, with why."""
    query = (
        select(*_ROW_COLUMNS, Order.review_reason)
        .where(Order.needs_review.is_(True))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [(_order_row(r), r.review_reason) for r in session.execute(query)]
