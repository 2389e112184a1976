"""Stripe sessions that no order owns: find them from the recorded creates and expire them."""

from __future__ import annotations

import logging

from checkout_app.db.models import Order
from checkout_app.errors import PaymentUnavailable
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)


def checkout_lock(cart_hash: str) -> str:
    """The per-shopper lock every checkout (and so every create) runs under."""
    return f"checkout:{cart_hash}"


def expire_orphan_sessions(shop: Shop) -> list[dict[str, str]]:
    """Expire the session of every recorded create whose order never got written."""
    report = []
    for attempt in shop.attempts.pending():
        if shop.locks.is_held(checkout_lock(attempt.cart_hash)):
            continue  # that shopper's checkout is still running: maybe this very create
        with shop.uow() as uow:
            written = uow.session.get(Order, attempt.order_id) is not None
        if written:
            shop.attempts.forget(attempt.order_id)  # the stale-order pass owns it now
            continue
        try:
            # Same order id, same parameters, hence the same idempotency key: Stripe answers
            # with the session the lost create made, or makes one now; either way it is expired.
            session = shop.gateway.create_checkout_session(attempt.order_id, attempt.params)
        except PaymentUnavailable as exc:
            report.append(_line(attempt.order_id, "unknown", f"stripe_unavailable: {exc.detail}"))
            continue
        if session.status == "open" and not shop.gateway.expire_checkout_session(session.id):
            report.append(_line(attempt.order_id, "open", "stripe_unavailable"))
            continue
        shop.attempts.forget(attempt.order_id)
        log.info("checkout session %s had no order (%s): expired", session.id, attempt.order_id)
        report.append(_line(attempt.order_id, "expired", "orphan_expired"))
    return report


def _line(order_id: object, session_status: str, outcome: str) -> dict[str, str]:
    return {"orderId": str(order_id), "sessionStatus": session_status, "outcome": outcome}
