"""Stripe's word on refunds and disputes, applied to the order inside the event's transaction."""

from __future__ import annotations

import logging
import uuid

from checkout_app.adapters.gateway import WebhookEvent
from checkout_app.adapters.stripe_objects import StripeDispute, StripeRefund
from checkout_app.db.models import Order, Refund
from checkout_app.db.uow import UnitOfWork
from checkout_app.domain.enums import OrderStatus, RefundStatus
from checkout_app.domain.lifecycle import PAID
from checkout_app.domain.money import from_minor_units
from checkout_app.domain.refunds import RefundPlan
from checkout_app.services.notifications import queue_refund_notice

log = logging.getLogger(__name__)
REFUND_EVENTS = ("charge.refunded", "refund.created", "refund.updated", "refund.failed")
DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.closed")
FINAL = (RefundStatus.FAILED.value, RefundStatus.CANCELED.value)
WON = ("won", "warning_closed")

Result = tuple[str, uuid.UUID | None]


def apply_money_event(uow: UnitOfWork, event: WebhookEvent) -> Result | None:
    """Apply a refund or dispute event; None for events this module does not handle."""
    if event.type == "charge.refunded" and event.charge is not None:
        order = uow.fulfilment.lock_by_payment_intent(event.charge.payment_intent_id)
        if order is None:
            return "unknown_payment", None
        outcomes = [_apply_refund(uow, order, refund) for refund in event.charge.refunds]
        _settle_status(uow, order)
        return _summary(outcomes), order.id
    if event.type in REFUND_EVENTS and event.refund is not None:
        order = uow.fulfilment.lock_by_payment_intent(event.refund.payment_intent_id)
        if order is None:
            return "unknown_payment", None
        outcome = _apply_refund(uow, order, event.refund)
        _settle_status(uow, order)
        return outcome, order.id
    if event.type in DISPUTE_EVENTS and event.dispute is not None:
        order = uow.fulfilment.lock_by_payment_intent(event.dispute.payment_intent_id)
        if order is None:
            return "unknown_payment", None
        return _apply_dispute(uow, order, event.dispute, event.type), order.id
    return None


def _apply_refund(uow: UnitOfWork, order: Order, stripe: StripeRefund) -> str:
    """Mirror one Stripe refund on our row (made for a dashboard refund); act on success once."""
    row = _our_row(uow, order, stripe)
    if row is None:
        if stripe.status in FINAL or stripe.currency.lower() != order.currency:
            return "refund_ignored"
        row = _dashboard_refund(uow, order, stripe)
    row.stripe_refund_id = row.stripe_refund_id or stripe.id
    if stripe.status == RefundStatus.SUCCEEDED.value and row.status == RefundStatus.PENDING.value:
        uow.refunds.mark_succeeded(row)
        uow.audit.append("stripe", "refund.succeeded", order.id, _detail(row))
        uow.refunds.take_back_lines(row)
        queue_refund_notice(uow.refunds, uow.outbox, order, row)
        log.info("refund %s of order %s succeeded", row.id, order.id)
        return "refund_succeeded"
    if stripe.status in FINAL and row.status == RefundStatus.PENDING.value:
        row.status, row.failure_reason = stripe.status, stripe.failure_reason
        uow.audit.append("stripe", f"refund.{stripe.status}", order.id, _detail(row))
        return "refund_failed"
    if stripe.status in FINAL and row.status == RefundStatus.SUCCEEDED.value:
        # Stripe can fail a refund after it succeeded (a closed card): the money came back.
        row.status, row.failure_reason = stripe.status, stripe.failure_reason
        uow.audit.append("stripe", f"refund.{stripe.status}", order.id, _detail(row))
        uow.fulfilment.flag(order, f"refund {stripe.id} failed after it succeeded")
        log.error("REFUND %s FAILED AFTER SUCCESS on order %s", stripe.id, order.id)
        return "refund_failed_after_success"
    # Failed and canceled are final: an older "pending" or "succeeded" arriving late does nothing.
    return "refund_unchanged"


def _our_row(uow: UnitOfWork, order: Order, stripe: StripeRefund) -> Refund | None:
    row = uow.refunds.by_stripe_id(stripe.id)
    if row is None and stripe.refund_reference:
        try:
            row = uow.refunds.get(uuid.UUID(stripe.refund_reference))
        except ValueError:
            row = None
    return row if row is not None and row.order_id == order.id else None


def _dashboard_refund(uow: UnitOfWork, order: Order, stripe: StripeRefund) -> Refund:
    """A refund made in Stripe's dashboard: recorded by amount; all that is left takes the lines."""
    amount = from_minor_units(stripe.amount, stripe.currency)
    paid = uow.refunds.paid(order)
    lines = ()
    if amount >= paid.left:
        lines = tuple(
            (line.order_item_id, line.left, line.unit_price * line.left)
            for line in paid.lines
            if line.left > 0
        )
    plan = RefundPlan(amount, lines)
    log.info("order %s: refund %s made outside the app", order.id, stripe.id)
    return uow.refunds.add(
        order, plan, actor="stripe", reason=stripe.reason, stripe_refund_id=stripe.id
    )


def _apply_dispute(uow: UnitOfWork, order: Order, stripe: StripeDispute, event_type: str) -> str:
    """Opened: the order is disputed. Won: back as it was. Lost: nothing kept, flagged."""
    known = uow.disputes.get(stripe.id)
    if known is not None and known.closed_at is not None:
        return "dispute_already_closed"
    amount = from_minor_units(stripe.amount, stripe.currency)
    closed = event_type == "charge.dispute.closed"
    uow.disputes.record(stripe.id, order.id, stripe.status, amount)
    detail = {"disputeId": stripe.id, "status": stripe.status, "amount": f"{amount:.2f}"}
    uow.audit.append("stripe", "dispute.closed" if closed else "dispute.opened", order.id, detail)
    if not closed:
        if order.status in PAID:
            uow.fulfilment.move(order, OrderStatus.DISPUTED)
            log.warning("order %s disputed (%s)", order.id, stripe.id)
            return "disputed"
        return f"dispute_noted_{order.status.value}"
    if stripe.status in WON:
        if order.status is OrderStatus.DISPUTED:
            uow.fulfilment.move(order, uow.refunds.status_after_refunds(order))
        return "dispute_won"
    uow.refunds.take_back_everything(order)
    uow.fulfilment.flag(order, f"dispute {stripe.id} lost")
    uow.fulfilment.move(order, OrderStatus.DISPUTED)
    log.error("DISPUTE %s LOST on order %s: access and seats revoked", stripe.id, order.id)
    return "dispute_lost"


def _settle_status(uow: UnitOfWork, order: Order) -> None:
    """Follow the refunds Stripe confirmed, unless a dispute's outcome is pending.

    A cancelled order has money only when it was paid late and could not be delivered: once
    that is refunded in full it is `refunded`.
    """
    target = uow.refunds.status_after_refunds(order)
    if order.status in PAID or (
        order.status is OrderStatus.CANCELLED and target is OrderStatus.REFUNDED
    ):
        uow.fulfilment.move(order, target)


def _detail(row: Refund) -> dict[str, str | None]:
    return {
        "refundId": str(row.id),
        "stripeRefundId": row.stripe_refund_id,
        "amount": f"{row.amount:.2f}",
        "status": row.status,
    }


def _summary(outcomes: list[str]) -> str:
    changed = [o for o in outcomes if o != "refund_unchanged"]
    return ",".join(changed)[:50] if changed else "refund_unchanged"
