"""Money for an order we had moved out of pending: deliver it if we still can, else refund it."""

from __future__ import annotations

import logging
import uuid

from checkout_app.adapters.gateway import CheckoutSession
from checkout_app.db.models import Order
from checkout_app.db.uow import UnitOfWork
from checkout_app.domain.cart import CartKey
from checkout_app.domain.enums import ItemType
from checkout_app.domain.refunds import plan_refund
from checkout_app.errors import ItemsUnavailable
from checkout_app.services.notifications import queue_confirmations

log = logging.getLogger(__name__)
COMPLETED = "late_payment_completed"
REFUNDING = "late_payment_refunding"
SETTLED = "late_payment_already_settled"
OFF_SALE = "something in it is no longer on sale"
SOLD_OUT = "the event sold out in the meantime"


def settle_late_payment(uow: UnitOfWork, order: Order, session: CheckoutSession) -> str:
    """Under the order's lock: complete the cancelled order as if paid in time, or refund it all.

    The payment intent recorded on the order marks the payment as settled, so a second event
    (a replay with a new id, the async event, reconciliation) changes nothing.
    """
    if order.stripe_payment_intent_id:
        return SETTLED
    order.stripe_payment_intent_id = session.payment_intent_id
    problem = undeliverable(uow, order)
    if problem is None:
        uow.fulfilment.reopen(order)
        queue_confirmations(uow.fulfilment, uow.outbox, order)
        log.warning("late payment for cancelled order %s: delivered", order.id)
        return COMPLETED
    note = (
        f"Your payment arrived after your order had been cancelled, and {problem}, "
        "so we could not deliver it. We have refunded the full amount."
    )
    plan = plan_refund(uow.refunds.paid(order), None, None)
    refund = uow.refunds.add(order, plan, actor="system", reason="requested_by_customer", note=note)
    detail = {"refundId": str(refund.id), "amount": f"{plan.amount:.2f}", "why": problem}
    uow.audit.append("system", "order.late_payment_refund", order.id, detail)
    log.warning("late payment for cancelled order %s: refunding (%s)", order.id, problem)
    return REFUNDING


def undeliverable(uow: UnitOfWork, order: Order) -> str | None:
    """Why the order cannot be delivered now, or None; holds its events' seats when it can."""
    lines = uow.refunds.paid(order).lines
    try:
        keys = [CartKey.from_field(line.key) for line in lines]
    except ValueError:
        return OFF_SALE  # an item was deleted from the catalog ("course:None")
    entries = uow.catalog.entries(keys)
    if any(key not in entries or not entries[key].for_sale for key in keys):
        return OFF_SALE
    wanted: dict[uuid.UUID, int] = {}
    for key, line in zip(keys, lines, strict=True):
        if key.item_type is ItemType.EVENT:
            wanted[key.item_id] = wanted.get(key.item_id, 0) + line.quantity
    try:
        # The checkout's own locks: the events' rows in id order, then a recount.
        uow.catalog.hold_seats(wanted)
    except ItemsUnavailable:
        return SOLD_OUT
    return None
