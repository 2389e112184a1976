"""The audit log: append a line, read an order's lines. Nothing here updates or deletes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from checkout_app.db.models import AuditEntry

STATUS_CHANGED = "order.status_changed"


class AuditLog:
    """audit_log over one session: who did what to which order, when, from where."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        actor: str,
        action: str,
        order_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
        ip: str | None = None,
    ) -> None:
        """Add one line; it is written with the rest of the unit of work."""
        self.session.execute(
            insert(AuditEntry.__table__),
            {
                "order_id": order_id,
                "actor": actor,
                "action": action,
                "detail": detail or {},
                "ip": ip,
            },
        )

    def for_order(self, order_id: uuid.UUID) -> list[AuditEntry]:
        """An order's lines, oldest first."""
        return list(
            self.session.scalars(
                select(AuditEntry).where(AuditEntry.order_id == order_id).order_by(AuditEntry.id)
            )
        )
