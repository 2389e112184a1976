"""The outbox table: take one due message at a time, record each delivery attempt."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from checkout_app.db.models import OutboxMessage

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


@dataclass(frozen=True)
class Notice:
    """One message to queue: its channel, recipient and payload; one row per dedupe key."""

    channel: str
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, notices: Sequence[Notice]) -> None:
        """Insert the messages in the caller's transaction; a dedupe key already queued is kept."""
        if not notices:
            return
        self.session.execute(
            insert(OutboxMessage)
            .values(
                [
                    {
                        "id": n.id,
                        "channel": n.channel,
                        "recipient": n.recipient,
                        "payload": n.payload,
                        "dedupe_key": n.dedupe_key,
                    }
                    for n in notices
                ]
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )

    def take_due(self, channels: list[str]) -> OutboxMessage | None:
        """The oldest due unsent message on these channels, locked; senders skip each other's."""
        return self.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= func.now(),
                OutboxMessage.attempts < MAX_ATTEMPTS,
                OutboxMessage.channel.in_(channels),
            )
            .order_by(OutboxMessage.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()

    def sent(self, message: OutboxMessage) -> None:
        """Record a delivered message."""
        message.attempts += 1
        message.sent_at = func.now()
        message.last_error = None

    def failed(self, message: OutboxMessage, error: str) -> None:
        """Record a failed try and schedule the next."""
        message.attempts += 1
        message.last_error = error[:1000]
        message.next_attempt_at = func.now() + backoff(message.attempts)
