"""An order's timeline: its creation, every audit line and every Stripe event about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, literal_column, or_, select
from sqlalchemy.orm import Session

from checkout_app.db.models import AuditEntry, Order, StripeEvent

# The expression of ix_stripe_events_payment_intent. A column (not text()) so that `==` builds
# SQL: text() has no comparison operators, and `"pi_..." == text(...)` is plain False.
PAYMENT_INTENT = literal_column("(payload #>> '{data,object,payment_intent}')", String)
# Within one transaction (one timestamp) the Stripe event comes before what it caused.
RANK = {"order": 0, "stripe": 1, "audit": 2}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "order", "audit" or "stripe"
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    ip: str | None = None


def order_timeline(session: Session, order_id: uuid.UUID) -> list[TimelineEntry]:
    """Everything that happened to the order, oldest first."""
    order = session.get(Order, order_id)
    if order is None:
        return []
    entries = [TimelineEntry(order.created_at, "order", "shopper", "order.created")]
    entries += [
        TimelineEntry(a.created_at, "audit", a.actor, a.action, a.detail, str(a.ip or "") or None)
        for a in session.scalars(
            select(AuditEntry).where(AuditEntry.order_id == order_id).order_by(AuditEntry.id)
        )
    ]
    matches = []
    if order.stripe_checkout_session_id:
        matches.append(StripeEvent.checkout_session_id == order.stripe_checkout_session_id)
    if order.stripe_payment_intent_id:
        matches.append(order.stripe_payment_intent_id == PAYMENT_INTENT)
    if matches:
        entries += [
            TimelineEntry(
                e.received_at, "stripe", "stripe", e.type, {"eventId": e.id, "outcome": e.outcome}
            )
            for e in session.scalars(
                select(StripeEvent).where(or_(*matches)).order_by(StripeEvent.received_at)
            )
        ]
    return sorted(entries, key=lambda entry: (entry.at, RANK[entry.kind]))
