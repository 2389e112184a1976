"""Reconciliation of late payments: sessions Stripe reports paid for orders we cancelled."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from checkout_app.errors import PaymentUnavailable
from checkout_app.services.fulfilment import (
    PAID_STATUSES,
    Verdict,
    after_commit,
    apply_verdict,
    delayed_payment_hold,
)
from checkout_app.services.shop import Shop


def reconcile_late_payments(
    shop: Shop, within: timedelta, now: datetime, limit: int = 200
) -> list[dict[str, str]]:
    """Ask Stripe about orders cancelled (created within `within`) and never paid; settle paid ones.

    A payment whose webhook never came (or came while we were down) is delivered or refunded
    exactly as the webhook would have done it.
    """
    with shop.uow() as uow:
        cancelled = uow.fulfilment.cancelled_unpaid_since(now - within, limit)
    report = []
    for order_id, session_id in cancelled:
        try:
            session = shop.gateway.retrieve_checkout_session(session_id)
        except PaymentUnavailable as exc:
            report.append(_line(order_id, "unknown", f"stripe_unavailable: {exc.detail}"))
            continue
        if session.status != "complete" or session.payment_status not in PAID_STATUSES:
            continue
        with shop.uow() as uow:
            uow.fulfilment.actor = "system"
            applied = apply_verdict(uow, session, Verdict.PAID, delayed_payment_hold(shop))
            uow.commit()
        after_commit(shop, applied)
        report.append(_line(order_id, session.status, applied.outcome))
    return report


def _line(order_id: uuid.UUID, session_status: str | None, outcome: str) -> dict[str, str]:
    return {"orderId": str(order_id), "sessionStatus": session_status or "", "outcome": outcome}
