"""Notifications: what a confirmation or refund notice says and to whom, queued in the order's
transaction; then delivered from the outbox, each at most once, failed ones retried with backoff.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from checkout_app.adapters.senders import DeliveryFailed, Sender
from checkout_app.db.models import Order, Refund
from checkout_app.db.outbox import Notice
from checkout_app.services.ports import Line, NoticeQueue, PurchaseReads, RefundReads
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purchase:
    """What a confirmation needs to know of a paid order."""

    order_id: uuid.UUID
    email: str
    phone: str | None
    total: Decimal
    currency: str
    items: Sequence[Line]


@dataclass(frozen=True)
class RefundMade:
    """What a refund notice needs to know of a refund."""

    order_id: uuid.UUID
    email: str
    refund_id: uuid.UUID
    amount: Decimal
    currency: str
    lines: Sequence[Line]
    message: str | None = None


def confirmation(purchase: Purchase) -> dict[str, Any]:
    """The order confirmation's payload: total and lines, amounts as strings."""
    return {
        "orderId": str(purchase.order_id),
        "kind": "order_confirmation",
        "total": f"{purchase.total:.2f}",
        "currency": purchase.currency,
        "items": [
            {"itemType": t, "title": title, "quantity": q, "unitPrice": f"{p:.2f}"}
            for t, title, q, p in purchase.items
        ],
    }


def confirmations(purchase: Purchase) -> list[Notice]:
    """The email, and a WhatsApp booking confirmation when tickets go to a user with a phone."""
    payload = confirmation(purchase)
    messages = [("email", purchase.email, payload)]
    if purchase.phone and any(item["itemType"] == "event" for item in payload["items"]):
        messages.append(("whatsapp", purchase.phone, {**payload, "kind": "booking_confirmation"}))
    return [
        Notice(channel, recipient, body, f"order:{purchase.order_id}:{channel}:{body['kind']}")
        for channel, recipient, body in messages
    ]


def confirmation_copy(purchase: Purchase, message_id: uuid.UUID) -> Notice:
    """The confirmation email once more, under a dedupe key of its own."""
    key = f"order:{purchase.order_id}:email:order_confirmation:resend:{message_id}"
    return Notice("email", purchase.email, confirmation(purchase), key, message_id)


def refund_notice(refund: RefundMade) -> Notice:
    """The "refund issued" email: amount, refunded lines and an optional note; once a refund."""
    payload = {
        "orderId": str(refund.order_id),
        "kind": "refund_issued",
        "refundId": str(refund.refund_id),
        "amount": f"{refund.amount:.2f}",
        "currency": refund.currency,
        "items": [
            {"itemType": t, "title": title, "quantity": q, "amount": f"{a:.2f}"}
            for t, title, q, a in refund.lines
        ],
        "message": refund.message,
    }
    return Notice("email", refund.email, payload, f"refund:{refund.refund_id}:email:refund_issued")


def purchase_of(reads: PurchaseReads, order: Order) -> Purchase:
    """The order's confirmation facts, read in the caller's transaction."""
    return Purchase(
        order.id,
        order.customer_email,
        reads.phone(order.user_id),
        order.total_amount,
        order.currency,
        reads.bought_items(order.id),
    )


def queue_confirmations(reads: PurchaseReads, outbox: NoticeQueue, order: Order) -> None:
    """Queue a paid order's confirmations in its transaction; once per order and channel."""
    outbox.queue(confirmations(purchase_of(reads, order)))


def queue_confirmation_copy(reads: PurchaseReads, outbox: NoticeQueue, order: Order) -> uuid.UUID:
    """Queue the confirmation email once more (staff asked to resend it); the new message's id."""
    notice = confirmation_copy(purchase_of(reads, order), uuid.uuid4())
    outbox.queue([notice])
    return notice.id


def queue_refund_notice(
    reads: RefundReads, outbox: NoticeQueue, order: Order, refund: Refund
) -> None:
    """Queue the "refund issued" email for a refund Stripe confirmed; once per refund."""
    made = RefundMade(
        order.id,
        order.customer_email,
        refund.id,
        refund.amount,
        refund.currency,
        reads.lines(refund.id),
        refund.note,
    )
    outbox.queue([refund_notice(made)])


def send_pending(shop: Shop, senders: dict[str, Sender], limit: int = 500) -> Counter[str]:
    """Send due outbox messages one by one; count sent and failed."""
    counts: Counter[str] = Counter()
    channels = sorted(senders)
    while channels and counts.total() < limit:
        with shop.uow() as uow:
            message = uow.outbox.take_due(channels)
            if message is None:
                break
            # The row stays locked while we send, so a second sender skips it; it is
            # marked sent in the same transaction, so a delivered message is never resent.
            try:
                senders[message.channel].send(str(message.id), message.recipient, message.payload)
            except DeliveryFailed as exc:
                uow.outbox.failed(message, str(exc))
                counts["failed"] += 1
                log.warning("outbox %s to %s failed: %s", message.id, message.channel, exc)
            else:
                uow.outbox.sent(message)
                counts["sent"] += 1
            uow.commit()
    return counts
