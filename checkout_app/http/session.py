"""The shopper's `session_id` cookie: read it, issue it on the first cart write."""

from __future__ import annotations

import hmac

from flask import Response, current_app, request

from checkout_app.domain.cart import is_session_id, new_session_id, session_hash

COOKIE = "session_id"


def current_session_id() -> str | None:
    """The session id from the cookie, or None when absent or not one we could have issued."""
    value = request.cookies.get(COOKIE)
    return value if is_session_id(value) else None


def owns(cart_session_hash: str | None) -> bool:
    """Whether the current session is the one that placed an order with this cart hash."""
    session_id = current_session_id()
    return bool(session_id and cart_session_hash) and hmac.compare_digest(
        session_hash(session_id),
        cart_session_hash,  # type: ignore[arg-type]
    )


def session_id_for_write() -> str:
    """The current session id, or a new one for a shopper without a cart yet."""
    return current_session_id() or new_session_id()


def set_session_cookie(response: Response, session_id: str) -> Response:
    """Set (and refresh) the cookie so it lives as long as the cart."""
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=current_app.config["CART_TTL_SECONDS"],
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
