"""Refunds: give back all of an order, an amount, or some of its lines, through Stripe."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from checkout_app.adapters.gateway import RefundRequest
from checkout_app.adapters.stripe_objects import StripeRefund
from checkout_app.db.models import Refund
from checkout_app.db.uow import UnitOfWork
from checkout_app.domain.enums import OrderStatus, RefundStatus
from checkout_app.domain.lifecycle import PAID
from checkout_app.domain.money import to_minor_units
from checkout_app.domain.refunds import plan_refund
from checkout_app.errors import (
    OrderDisputed,
    OrderFullyRefunded,
    OrderNotFound,
    OrderNotPaid,
    PaymentUnavailable,
    RefundDeclined,
)
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundAsk:
    """What staff asked for: nothing (everything left), an amount, or lines."""

    amount: Decimal | None = None
    # ("event:<item id>", quantity or None for all that is left of the line)
    items: list[tuple[str, int | None]] = field(default_factory=list)
    reason: str | None = None  # Stripe's: requested_by_customer, duplicate, fraudulent
    note: str | None = None  # our own words, e.g. why an automatic refund was made


@dataclass(frozen=True)
class RefundLineView:
    item_type: str
    title: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class RefundView:
    id: uuid.UUID
    order_id: uuid.UUID
    amount: Decimal
    currency: str
    status: str
    reason: str | None
    actor: str
    stripe_refund_id: str | None
    created_at: datetime
    lines: list[RefundLineView]


def refund_order(
    shop: Shop, order_id: uuid.UUID, ask: RefundAsk, actor: str, ip: str | None = None
) -> RefundView:
    """Record the refund under the order's lock, then ask Stripe with the refund's id as key.

    `actor` and `ip` go to the audit log ("staff:<email>", "support-token", "cli", ...).
    """
    with shop.uow() as uow:
        refund, request = start_refund(uow, order_id, ask, actor, ip)
        uow.commit()
    # No lock or connection is held while Stripe answers; the pending row holds the money,
    # so a concurrent refund cannot give it back twice.
    answer = ask_stripe(shop, refund, request)
    log.info("refund %s of order %s asked of Stripe: %s", refund, order_id, answer.status)
    return refund_view(shop, refund)


def ask_stripe(shop: Shop, refund: uuid.UUID, request: RefundRequest) -> StripeRefund:
    """Send a written refund to Stripe under its key; record Stripe's id, or the refusal."""
    try:
        answer = shop.gateway.create_refund(request)
    except RefundDeclined:
        with shop.uow() as uow:
            row = uow.refunds.get(refund)
            if row is not None and row.status == RefundStatus.PENDING.value:
                row.status = RefundStatus.FAILED.value
                row.failure_reason = "declined by Stripe"
            uow.commit()
        raise
    with shop.uow() as uow:
        row = uow.refunds.get(refund)
        if row is not None:
            row.stripe_refund_id = row.stripe_refund_id or answer.id
            if answer.status in ("failed", "canceled") and row.status == RefundStatus.PENDING.value:
                row.status = answer.status
                row.failure_reason = answer.failure_reason
        uow.commit()
    return answer


def send_pending_refunds(
    shop: Shop, order_id: uuid.UUID | None = None, older_than: timedelta = timedelta(0)
) -> list[dict[str, str]]:
    """Ask Stripe for refunds we wrote but have no Stripe id for (the key makes it safe)."""
    with shop.uow() as uow:
        unsent = uow.refunds.unsent(order_id, older_than)
    report = []
    for row in unsent:
        refund, request = row[0], RefundRequest(*row)
        try:
            outcome = ask_stripe(shop, refund, request).status
        except (RefundDeclined, PaymentUnavailable) as exc:
            outcome = f"{type(exc).__name__}: {exc.message}"
            log.warning("refund %s not sent to Stripe: %s", refund, exc.detail)
        report.append(
            {"orderId": str(request.order_id), "refundId": str(refund), "outcome": outcome}
        )
    return report


def start_refund(
    uow: UnitOfWork, order_id: uuid.UUID, ask: RefundAsk, actor: str, ip: str | None = None
) -> tuple[uuid.UUID, RefundRequest]:
    """Lock the order, check what may be refunded and write the pending refund row."""
    order = uow.fulfilment.lock(order_id)
    if order is None:
        raise OrderNotFound()
    if order.status is OrderStatus.DISPUTED:
        raise OrderDisputed()
    if order.status is OrderStatus.REFUNDED:
        raise OrderFullyRefunded()
    if order.status not in PAID or not order.stripe_payment_intent_id:
        raise OrderNotPaid()
    plan = plan_refund(uow.refunds.paid(order), ask.amount, ask.items or None)
    refund = uow.refunds.add(order, plan, actor=actor, reason=ask.reason, note=ask.note)
    detail = {
        "refundId": str(refund.id),
        "amount": f"{plan.amount:.2f}",
        "reason": ask.reason,
        "lines": [{"orderItemId": str(i), "quantity": n} for i, n, _ in plan.lines],
    }
    uow.audit.append(actor, "order.refund_requested", order.id, detail, ip)
    request = RefundRequest(
        refund_id=refund.id,
        order_id=order.id,
        payment_intent_id=order.stripe_payment_intent_id,
        amount=to_minor_units(plan.amount, order.currency),
        reason=ask.reason,
    )
    return refund.id, request


def refund_view(shop: Shop, refund_id: uuid.UUID) -> RefundView:
    """A refund with its lines."""
    with shop.uow() as uow:
        row = uow.refunds.get(refund_id)
        assert row is not None
        return _view(uow, row)


def refunds_of(shop: Shop, order_id: uuid.UUID) -> list[RefundView]:
    """An order's refunds, oldest first."""
    with shop.uow() as uow:
        return [_view(uow, row) for row in uow.refunds.for_order(order_id)]


def _view(uow: UnitOfWork, row: Refund) -> RefundView:
    return RefundView(
        id=row.id,
        order_id=row.order_id,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        reason=row.reason,
        actor=row.actor,
        stripe_refund_id=row.stripe_refund_id,
        created_at=row.created_at,
        lines=[RefundLineView(*line) for line in uow.refunds.lines(row.id)],
    )
