"""Back-office staff: roles, what each may do, and when repeated failures lock an account."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class StaffRole(enum.StrEnum):
    SUPPORT = "support"
    MANAGER = "manager"


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff account, as the pages and the API see it."""

    id: str
    email: str
    role: StaffRole

    @property
    def actor(self) -> str:
        """How the audit log names this person."""
        return f"staff:{self.email}"

    @property
    def may_refund(self) -> bool:
        """Managers refund; support may only read and resend."""
        return self.role is StaffRole.MANAGER


@dataclass(frozen=True)
class LockoutPolicy:
    """`attempts` wrong passwords in a row lock the account for `duration`."""

    attempts: int = 5
    duration: timedelta = timedelta(minutes=15)

    def locks_after(self, failures: int) -> bool:
        """Whether this many failures in a row lock the account."""
        return failures >= self.attempts

    def locked_until(self, now: datetime) -> datetime:
        """When a lock placed now ends."""
        return now + self.duration
