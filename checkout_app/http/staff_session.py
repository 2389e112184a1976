"""The back office's own session cookie, and who is signed in with it (pages and API alike)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from flask import Response, current_app, g, request

from checkout_app.domain.staff import LockoutPolicy, StaffMember
from checkout_app.extensions import shop
from checkout_app.services.staff import staff_for_token

PLAIN_COOKIE = "admin_session"
# Over https the cookie is __Host- prefixed: Secure, Path=/, no Domain, so no subdomain can set it.
HOST_COOKIE = "__Host-admin_session"


def cookie_name() -> str:
    """The admin cookie's name for this deployment."""
    return HOST_COOKIE if current_app.config["SESSION_COOKIE_SECURE"] else PLAIN_COOKIE


def session_token() -> str | None:
    """The admin session token from the cookie, if any."""
    token = request.cookies.get(cookie_name())
    return token if token and len(token) <= 128 else None


def current_staff() -> StaffMember | None:
    """The staff member signed in on this request, or None (looked up once per request)."""
    if "staff" not in g:
        token = session_token()
        g.staff = staff_for_token(shop(), token) if token else None
    return g.staff


def set_staff_cookie(response: Response, token: str) -> Response:
    """Issue the admin session cookie (separate from the shopper's and from Flask's session)."""
    response.set_cookie(
        cookie_name(),
        token,
        max_age=int(session_lifetime().total_seconds()),
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response


def clear_staff_cookie(response: Response) -> Response:
    """Remove the admin session cookie."""
    response.delete_cookie(
        cookie_name(),
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response


def client_ip() -> str | None:
    """The client address (after TRUSTED_PROXY_COUNT proxies) when it is an IP address."""
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return None


def lockout_policy() -> LockoutPolicy:
    """ADMIN_LOCKOUT_ATTEMPTS failures lock an account for ADMIN_LOCKOUT_SECONDS."""
    config = current_app.config
    return LockoutPolicy(
        config["ADMIN_LOCKOUT_ATTEMPTS"], timedelta(seconds=config["ADMIN_LOCKOUT_SECONDS"])
    )


def session_lifetime() -> timedelta:
    """How long a back-office login lasts."""
    return timedelta(minutes=current_app.config["ADMIN_SESSION_MINUTES"])
