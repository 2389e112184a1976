"""The disputes table: one row per Stripe dispute, its last known status."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.orm import Session

from checkout_app.db.models import Dispute

CLOSED = ("won", "lost", "warning_closed")


class Disputes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, dispute_id: str) -> Dispute | None:
        """A dispute by Stripe's id, locked until commit."""
        return self.session.get(Dispute, dispute_id, with_for_update=True)

    def record(self, dispute_id: str, order_id: uuid.UUID, status: str, amount: Decimal) -> Dispute:
        """Insert or update a dispute's status; closing it stamps closed_at."""
        dispute = self.get(dispute_id)
        if dispute is None:
            dispute = Dispute(id=dispute_id, order_id=order_id, status=status, amount=amount)
            self.session.add(dispute)
        dispute.status = status
        if status in CLOSED:
            dispute.closed_at = func.now()
        self.session.flush()
        return dispute
