"""Abuse limits as route decorators: per session and per client address, API and pages alike.

A new limit is one line on the route: `@rate_limit("orders", "RATE_LIMIT_ORDERS")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g
from flask_limiter.util import get_remote_address
from limits import parse

from checkout_app import messages
from checkout_app.domain.cart import session_hash
from checkout_app.extensions import limiter
from checkout_app.http.session import current_session_id

View = TypeVar("View", bound=Callable[..., object])


def session_or_address() -> str:
    """The shopper's session (hashed), or the client address before a session exists."""
    session_id = current_session_id()
    return f"session:{session_hash(session_id)}" if session_id else f"ip:{get_remote_address()}"


def per_address(limit: str, factor: int) -> str:
    """The same window with `factor` times the amount: many shoppers can share one IP (NAT)."""
    item = parse(limit)
    return f"{item.amount * factor}/{item.multiples} {item.GRANULARITY.name}"


def rate_limit(name: str, setting: str) -> Callable[[View], View]:
    """Limit a route to config[setting] per session and RATE_LIMIT_IP_FACTOR times that per
    client address; every route limited under the same `name` draws on one budget."""
    per_session_limit = limiter.shared_limit(
        lambda: current_app.config[setting],
        f"{name}-session",
        key_func=session_or_address,
        error_message=messages.TOO_MANY_REQUESTS,
    )
    per_address_limit = limiter.shared_limit(
        lambda: per_address(
            current_app.config[setting], current_app.config["RATE_LIMIT_IP_FACTOR"]
        ),
        f"{name}-ip",
        key_func=get_remote_address,
        error_message=messages.TOO_MANY_REQUESTS,
    )

    def decorate(view: View) -> View:
        return per_address_limit(per_session_limit(view))

    return decorate


def keep_error_retry_after(response: Response) -> Response:
    """flask-limiter stamps each limited answer with its window's reset; an error keeps its own."""
    wanted = g.get("retry_after")
    if wanted is not None and response.status_code != 429:
        response.headers["Retry-After"] = wanted
    return response


def register(app: Flask) -> None:
    """Before the limiter is bound: its after_request hook then runs before this one."""
    app.after_request(keep_error_retry_after)


# Checkouts (POST /api/checkout/create-session, POST /checkout) and cart writes (API and forms).
checkout_limit = rate_limit("checkout", "RATE_LIMIT_CHECKOUT")
cart_limit = rate_limit("cart", "RATE_LIMIT_CART")
# Password guessing at the back office: per client address, on top of the per-account lockout.
admin_login_limit = limiter.limit(
    lambda: current_app.config["RATE_LIMIT_ADMIN_LOGIN"],
    key_func=get_remote_address,
    error_message=messages.TOO_MANY_REQUESTS,
)
