"""Who is staff: the support token, or a back-office session (whose role must allow the action)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g

from checkout_app.domain.staff import StaffRole
from checkout_app.errors import StaffForbidden, StaffOnly
from checkout_app.http.auth import is_support
from checkout_app.http.staff_session import current_staff

View = TypeVar("View", bound=Callable[..., Any])
# The support token may do everything a manager may.
SUPPORT_ACTOR = "support-token"


def has_support_token() -> bool:
    """Whether the request carries `Authorization: Bearer <SUPPORT_API_TOKEN>` (http/auth.py)."""
    return is_support()


def staff_actor(role: StaffRole = StaffRole.SUPPORT) -> str:
    """Who makes the request, for the audit log; StaffOnly (401) or StaffForbidden (403).

    `role` is the least role the action needs: support reads and resends, a manager refunds.
    """
    if has_support_token():
        return SUPPORT_ACTOR
    member = current_staff()
    if member is None:
        raise StaffOnly()
    if role is StaffRole.MANAGER and not member.may_refund:
        raise StaffForbidden()
    return member.actor


def staff_only(role: StaffRole = StaffRole.SUPPORT) -> Callable[[View], View]:
    """Refuse the view to anyone but staff with `role`; the actor is in `g.staff_actor`."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.staff_actor = staff_actor(role)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap
