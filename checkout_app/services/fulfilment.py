"""Fulfilment: Stripe's word on a Checkout Session completes, holds or cancels its order once."""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from checkout_app.adapters.gateway import CheckoutSession, WebhookEvent
from checkout_app.db.models import Order
from checkout_app.domain.enums import OrderStatus
from checkout_app.domain.money import to_minor_units
from checkout_app.errors import ItemsUnavailable, PaymentUnavailable
from checkout_app.services.late_payments import COMPLETED, REFUNDING, settle_late_payment
from checkout_app.services.notifications import queue_confirmations
from checkout_app.services.ports import FulfilmentShop, FulfilmentWork
from checkout_app.services.refund_events import apply_money_event
from checkout_app.services.refunds import send_pending_refunds
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)
PAID_STATUSES = ("paid", "no_payment_required")
# Paid before: a later payment event for the same session changes nothing.
ALREADY_PAID = (
    OrderStatus.COMPLETED,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED,
    OrderStatus.DISPUTED,
)


class Verdict(enum.Enum):
    PAID = "paid"
    AWAITING = "awaiting"
    FAILED = "failed"


@dataclass(frozen=True)
class Applied:
    outcome: str
    order_id: uuid.UUID | None = None
    duplicate: bool = False


def verdict_of(event_type: str, session: CheckoutSession) -> Verdict | None:
    """What an event says about the payment, or None for events we do not act on."""
    if event_type == "checkout.session.completed":
        return Verdict.PAID if session.payment_status in PAID_STATUSES else Verdict.AWAITING
    if event_type == "checkout.session.async_payment_succeeded":
        return Verdict.PAID
    if event_type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
        return Verdict.FAILED
    return None


def handle_event(shop: Shop, payload: bytes, signature: str | None) -> Applied:
    """Verify and apply one webhook delivery; a replayed event changes nothing."""
    event = shop.gateway.parse_event(payload, signature)
    with shop.uow() as uow:
        uow.fulfilment.actor = "stripe"
        session_id = event.session.id if event.session else None
        fresh = uow.events.claim(event.id, event.type, session_id, event.payload)
        if fresh:
            applied = apply_event(uow, event, delayed_payment_hold(shop))
            uow.events.finish(event.id, applied.outcome)
        else:
            outcome = uow.events.outcome(event.id) or "unknown"
            applied = Applied(outcome, _order_ref(event), duplicate=True)
        if applied.outcome in ("completed", COMPLETED) and applied.order_id:
            # Before the commit, and again on every redelivery: if Redis is down this raises
            # (503) and nothing is written, so a 5xx changes nothing; Stripe redelivers.
            _remove_bought_lines(shop, uow, applied.order_id)
        if fresh:
            uow.commit()
            log.info("stripe event %s %s -> %s", event.id, event.type, applied.outcome)
    send_late_refund(shop, applied)
    return applied


def send_late_refund(shop: FulfilmentShop, applied: Applied) -> None:
    """After commit (and on every redelivery): ask Stripe for a late payment's refund.

    Its idempotency key makes a second ask harmless; a failed one is retried by reconciliation.
    """
    if applied.outcome == REFUNDING and applied.order_id:
        send_pending_refunds(shop, applied.order_id)


def after_commit(shop: FulfilmentShop, applied: Applied) -> None:
    """What a reconciled order still needs outside its transaction: cart lines, a refund."""
    if applied.outcome in ("completed", COMPLETED) and applied.order_id:
        clear_bought_lines(shop, applied.order_id)
    send_late_refund(shop, applied)


def clear_bought_lines(shop: FulfilmentShop, order_id: uuid.UUID) -> None:
    """Take the paid order's items out of the cart that placed it."""
    with shop.uow() as uow:
        _remove_bought_lines(shop, uow, order_id)


def _remove_bought_lines(shop: FulfilmentShop, uow: FulfilmentWork, order_id: uuid.UUID) -> None:
    cart_hash, fields = uow.fulfilment.bought_lines(order_id)
    if cart_hash and fields:
        shop.carts.remove_by_hash(cart_hash, fields)


def delayed_payment_hold(shop: FulfilmentShop) -> timedelta:
    """How long an order awaiting a delayed payment keeps its seats."""
    return timedelta(hours=shop.settings.delayed_payment_hold_hours)


def apply_event(uow: FulfilmentWork, event: WebhookEvent, delayed_hold: timedelta) -> Applied:
    """Apply a claimed event inside the caller's transaction."""
    money = apply_money_event(uow, event)
    if money is not None:
        return Applied(*money)
    verdict = verdict_of(event.type, event.session) if event.session else None
    if verdict is None or event.session is None:
        return Applied("ignored")
    return apply_verdict(uow, event.session, verdict, delayed_hold)


def apply_verdict(
    uow: FulfilmentWork, session: CheckoutSession, verdict: Verdict, delayed_hold: timedelta
) -> Applied:
    """Move the session's order as the verdict says, if the state machine allows it;
    a delayed payment keeps the order's seats `delayed_hold` longer, no more."""
    order = _find_order(uow, session)
    if order is None:
        log.warning("checkout session %s matches no order of ours; ignored", session.id)
        return Applied("unknown_session")
    if verdict is Verdict.PAID:
        return Applied(_pay(uow, order, session), order.id)
    if verdict is Verdict.AWAITING:
        if order.status is not OrderStatus.PENDING:
            return Applied(f"ignored_{order.status.value}", order.id)
        order.await_payment()
        order.seats_held_until = datetime.now(UTC) + delayed_hold
        return Applied("awaiting_payment", order.id)
    if order.status is not OrderStatus.PENDING:
        return Applied(f"ignored_{order.status.value}", order.id)
    uow.fulfilment.cancel(order)
    log.info("order %s cancelled (checkout session %s)", order.id, session.id)
    return Applied("cancelled", order.id)


def _pay(uow: FulfilmentWork, order: Order, session: CheckoutSession) -> str:
    if order.status in ALREADY_PAID:
        return "already_completed"
    expected = to_minor_units(order.total_amount, order.currency)
    if session.amount_total != expected or (session.currency or "").lower() != order.currency:
        reason = (
            f"Stripe reported {session.amount_total} {session.currency}, "
            f"order total is {expected} {order.currency}"
        )
        uow.fulfilment.flag(order, reason)
        log.error("AMOUNT MISMATCH on order %s (session %s): %s", order.id, session.id, reason)
        return "amount_mismatch"
    if order.status is OrderStatus.CANCELLED:
        return settle_late_payment(uow, order, session)
    if not _seats_still_held(uow, order):
        reason = "paid after its seat hold lapsed, and the seats are gone"
        uow.fulfilment.flag(order, reason)
        log.error("SEATS GONE for order %s paid late (session %s)", order.id, session.id)
        return "flagged_seats_gone"
    uow.fulfilment.complete(order, session.payment_intent_id)
    queue_confirmations(uow.fulfilment, uow.outbox, order)
    log.info("order %s completed (payment intent %s)", order.id, session.payment_intent_id)
    return "completed"


def _seats_still_held(uow: FulfilmentWork, order: Order) -> bool:
    """Whether a paid order keeps its seats: within its hold, or (past it) still free."""
    if order.seats_held_until is None or order.seats_held_until > datetime.now(UTC):
        return True
    try:
        # Past the hold its own bookings no longer count, so this asks: are they still free?
        uow.catalog.hold_seats(uow.fulfilment.seats_booked(order.id))
    except ItemsUnavailable:
        return False
    return True


def _find_order(uow: FulfilmentWork, session: CheckoutSession) -> Order | None:
    refs = {r for r in (session.order_reference, session.client_reference_id) if r}
    if len(refs) != 1:
        return None
    try:
        order_id = uuid.UUID(refs.pop())
    except ValueError:
        return None
    order = uow.fulfilment.lock(order_id)
    if order is None or order.stripe_checkout_session_id != session.id:
        return None
    return order


def _order_ref(event: WebhookEvent) -> uuid.UUID | None:
    try:
        return uuid.UUID(event.session.order_reference) if event.session else None
    except (TypeError, ValueError):
        return None


def reconcile_stale_orders(
    shop: FulfilmentShop, older_than: timedelta, now: datetime, limit: int = 200
) -> list[dict[str, str]]:
    """Settle pending orders whose session should have ended: ask Stripe, apply its answer."""
    with shop.uow() as uow:
        stale = uow.fulfilment.pending_before(now - older_than, now, limit)
    report = []
    for order_id, session_id, held_until in stale:
        lapsed = held_until is not None and held_until <= now
        try:
            session = shop.gateway.retrieve_checkout_session(session_id)
        except PaymentUnavailable as exc:
            report.append(_line(order_id, "unknown", f"stripe_unavailable: {exc.detail}"))
            continue
        expired = bool(session.expires_at and session.expires_at <= now.timestamp())
        if session.status == "open" and (expired or lapsed):
            # Stripe has not expired it yet (clock skew, its sweep is behind, or our seat hold
            # ended first): do it now, so nobody can pay after we released the seats.
            shop.gateway.expire_checkout_session(session.id)
            session = shop.gateway.retrieve_checkout_session(session.id)
        verdict = _verdict_of_status(session)
        if verdict is Verdict.AWAITING and lapsed:
            verdict = Verdict.FAILED  # a delayed payment past its bounded hold
        if verdict is None:
            report.append(_line(order_id, session.status, "still_open"))
            continue
        with shop.uow() as uow:
            applied = apply_verdict(uow, session, verdict, delayed_payment_hold(shop))
            uow.commit()
        after_commit(shop, applied)
        report.append(_line(order_id, session.status, applied.outcome))
    return report


def _verdict_of_status(session: CheckoutSession) -> Verdict | None:
    if session.status == "expired":
        return Verdict.FAILED
    if session.status == "complete":
        return Verdict.PAID if session.payment_status in PAID_STATUSES else Verdict.AWAITING
    return None


def _line(order_id: uuid.UUID, session_status: str | None, outcome: str) -> dict[str, str]:
    return {"orderId": str(order_id), "sessionStatus": session_status or "", "outcome": outcome}
