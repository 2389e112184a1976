"""The shopper's session cookie: read it, issue it on the first cart write, rotate it at checkout.

Only ids this app issued count (they are sealed with SECRET_KEY, see domain/cart.py): a
planted or made-up id is ignored as if there were no cookie, and the next write issues a
fresh one. Over https the cookie is `__Host-session_id` (Secure, Path=/, no Domain), so no
subdomain or plain-http page can set it.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, g, request

from checkout_app.domain.cart import is_session_id, new_session_id, session_hash

COOKIE = "session_id"
SECURE_COOKIE = "__Host-session_id"


def cookie_name() -> str:
    """`__Host-session_id` when BASE_URL is https, else `session_id`."""
    return SECURE_COOKIE if current_app.config["SESSION_COOKIE_SECURE"] else COOKIE


def current_session_id() -> str | None:
    """The session id from the cookie, or None when absent or not one this app issued."""
    value = request.cookies.get(cookie_name())
    return value if is_session_id(value, current_app.config["SECRET_KEY"]) else None


def issue_session_id() -> str:
    """A new session id (the first cart write, or the rotation when an order is placed)."""
    return new_session_id(current_app.config["SECRET_KEY"])


def owns(cart_session_hash: str | None) -> bool:
    """Whether the current session is the one that placed an order with this cart hash."""
    session_id = current_session_id()
    return bool(session_id and cart_session_hash) and hmac.compare_digest(
        session_hash(session_id),
        cart_session_hash,  # type: ignore[arg-type]
    )


def session_id_for_write() -> str:
    """The current session id, or a new one for a shopper without a (valid) session yet."""
    return current_session_id() or issue_session_id()


def set_session_cookie(response: Response, session_id: str) -> Response:
    """Set (and refresh) the cookie so it lives as long as the cart."""
    g.session_cookie_value = session_id  # a rotation also files Idempotency-Key answers under it
    response.set_cookie(
        cookie_name(),
        session_id,
        max_age=current_app.config["CART_TTL_SECONDS"],
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
