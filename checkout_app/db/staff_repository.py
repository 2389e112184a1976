"""Staff accounts and their sessions over one SQLAlchemy session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from checkout_app.db.models import Staff, StaffSession


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, email: str, password_hash: str, role: str) -> Staff | None:
        """A new account; None when the email is taken."""
        if self.session.scalar(select(Staff.id).where(Staff.email == email)) is not None:
            return None
        staff = Staff(email=email, password_hash=password_hash, role=role)
        self.session.add(staff)
        self.session.flush()
        return staff

    def by_email_locked(self, email: str) -> Staff | None:
        """The account, locked until commit so concurrent logins count failures one at a time."""
        return self.session.scalars(
            select(Staff).where(Staff.email == email).with_for_update()
        ).first()

    def open_session(
        self, staff: Staff, token_hash: str, expires_at: datetime, ip: str | None
    ) -> None:
        """Record a new signed-in session, dropping this account's expired ones."""
        self.session.execute(
            delete(StaffSession).where(
                StaffSession.staff_id == staff.id, StaffSession.expires_at <= func.now()
            )
        )
        self.session.execute(
            insert(StaffSession.__table__),
            {"token_hash": token_hash, "staff_id": staff.id, "expires_at": expires_at, "ip": ip},
        )

    def by_session(self, token_hash: str) -> Staff | None:
        """The account of an unexpired session."""
        return self.session.scalars(
            select(Staff)
            .join(StaffSession, StaffSession.staff_id == Staff.id)
            .where(StaffSession.token_hash == token_hash, StaffSession.expires_at > func.now())
        ).first()

    def close_session(self, token_hash: str) -> None:
        """Forget a session (logout)."""
        self.session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))
