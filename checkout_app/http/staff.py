"""Who is staff: the support token today; the back office adds staff sessions here."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from checkout_app.errors import StaffOnly

View = TypeVar("View", bound=Callable[..., Any])
# The support token may do everything a manager may.
SUPPORT_ACTOR = "support-token"


def has_support_token() -> bool:
    """Whether the request carries `Authorization: Bearer <SUPPORT_API_TOKEN>`."""
    token = current_app.config["SUPPORT_API_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token and given and hmac.compare_digest(given.encode(), token.encode()))


def staff_actor(role: str | None = None) -> str:
    """The staff member making the request (for the audit trail), or StaffOnly (401).

    `role` is the least role the action needs ("support" reads, "manager" refunds); a staff
    session without it should raise StaffForbidden (403) once staff sessions exist.
    """
    if has_support_token():
        return SUPPORT_ACTOR
    raise StaffOnly()


def staff_only(role: str | None = None) -> Callable[[View], View]:
    """Refuse the view to anyone but staff with `role`; the actor is in `g.staff_actor`."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.staff_actor = staff_actor(role)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap
