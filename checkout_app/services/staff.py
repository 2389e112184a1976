"""Staff accounts: create one, log in (with lockout), log out, and who a session belongs to."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from checkout_app import messages
from checkout_app.db.models import Staff
from checkout_app.domain.staff import LockoutPolicy, StaffMember, StaffRole
from checkout_app.errors import InvalidInput
from checkout_app.services.shop import Shop

MIN_PASSWORD_LENGTH = 12
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


@dataclass(frozen=True)
class LoginOutcome:
    """A session token for the cookie, or the message to show and the status to answer."""

    token: str | None = None
    staff: StaffMember | None = None
    error: str | None = None
    status: int = 200


def token_hash(token: str) -> str:
    """What the database stores of a session token (the cookie holds the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def member(staff: Staff) -> StaffMember:
    """The plain view of an account."""
    return StaffMember(str(staff.id), staff.email, StaffRole(staff.role))


def create_staff(shop: Shop, email: str, role: StaffRole, password: str) -> StaffMember:
    """A new account with a scrypt password hash; refused when the email is taken."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput(messages.STAFF_EMAIL_INVALID)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(messages.STAFF_PASSWORD_SHORT.format(minimum=MIN_PASSWORD_LENGTH))
    with shop.uow() as uow:
        staff = uow.staff.add(email, generate_password_hash(password, method="scrypt"), role.value)
        if staff is None:
            raise InvalidInput(messages.STAFF_EXISTS.format(email=email))
        uow.audit.append("cli", "staff.created", detail={"email": email, "role": role.value})
        uow.commit()
        return member(staff)


def log_in(
    shop: Shop,
    email: str,
    password: str,
    ip: str | None,
    policy: LockoutPolicy,
    lifetime: timedelta,
) -> LoginOutcome:
    """Check the password; `policy.attempts` failures in a row lock the account for a while."""
    email = email.strip().lower()
    now = datetime.now(UTC)
    with shop.uow() as uow:
        staff = uow.staff.by_email_locked(email)
        if staff is None:
            check_password_hash(_DUMMY_HASH, password)
            return LoginOutcome(error=messages.STAFF_LOGIN_INVALID, status=401)
        actor = f"staff:{staff.email}"
        if staff.locked_until and staff.locked_until > now:
            uow.audit.append(actor, "staff.login_refused_locked", ip=ip)
            uow.commit()
            return LoginOutcome(error=messages.STAFF_LOCKED, status=423)
        if not check_password_hash(staff.password_hash, password):
            staff.failed_logins += 1
            uow.audit.append(actor, "staff.login_failed", ip=ip)
            if policy.locks_after(staff.failed_logins):
                staff.failed_logins = 0
                staff.locked_until = policy.locked_until(now)
                uow.audit.append(
                    actor, "staff.locked", detail={"until": staff.locked_until.isoformat()}, ip=ip
                )
                uow.commit()
                return LoginOutcome(error=messages.STAFF_LOCKED, status=423)
            uow.commit()
            return LoginOutcome(error=messages.STAFF_LOGIN_INVALID, status=401)
        token = secrets.token_urlsafe(32)
        staff.failed_logins = 0
        staff.locked_until = None
        staff.last_login_at = now
        uow.staff.open_session(staff, token_hash(token), now + lifetime, ip)
        uow.audit.append(actor, "staff.login", ip=ip)
        uow.commit()
        return LoginOutcome(token=token, staff=member(staff))


def log_out(shop: Shop, token: str, staff: StaffMember, ip: str | None) -> None:
    """End the session behind this token."""
    with shop.uow() as uow:
        uow.staff.close_session(token_hash(token))
        uow.audit.append(staff.actor, "staff.logout", ip=ip)
        uow.commit()


def staff_for_token(shop: Shop, token: str) -> StaffMember | None:
    """Who an unexpired session token belongs to."""
    with shop.uow() as uow:
        staff = uow.staff.by_session(token_hash(token))
        return member(staff) if staff else None
