"""Deliver queued notifications: each at most once, failed ones retried with backoff."""

from __future__ import annotations

import logging
from collections import Counter

from checkout_app.adapters.senders import DeliveryFailed, Sender
from checkout_app.services.shop import Shop

log = logging.getLogger(__name__)


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
