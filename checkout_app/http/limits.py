"""Abuse limits as route decorators: per session and per client address, API and pages alike.

A new limit is one line on the route: `@rate_limit("orders", "RATE_LIMIT_ORDERS")`.

Requests with a session draw on their session's budget and on their address's (shared by the
sessions behind one NAT). Requests without one (a shopper's very first cart write, or a client
that drops its cookies) draw on a separate per-address budget of their own, so one cookieless
client can starve other newcomers on its address at most, never the shoppers who have a session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse

from checkout_app import messages
from checkout_app.domain.cart import session_hash
from checkout_app.extensions import limiter
from checkout_app.http.session import current_session_id

View = TypeVar("View", bound=Callable[..., object])


def session_key() -> str:
    """The shopper's session (hashed); only asked for requests that have one."""
    return f"session:{session_hash(current_session_id() or '')}"


def cookieless_key() -> str:
    """The client address of a request without a session."""
    return f"new:{get_remote_address()}"


def has_session() -> bool:
    return current_session_id() is not None


def no_session() -> bool:
    return current_session_id() is None


def per_address(limit: str, factor: int) -> str:
    """The same window with `factor` times the amount: many shoppers can share one IP (NAT)."""
    item = parse(limit)
    return f"{item.amount * factor}/{item.multiples} {item.GRANULARITY.name}"


def rate_limit(name: str, setting: str) -> Callable[[View], View]:
    """Limit a route to config[setting] per session and RATE_LIMIT_IP_FACTOR times that per
    client address for requests with a session, and to RATE_LIMIT_IP_FACTOR times that per
    address for requests without one; every route under the same `name` shares its budgets."""

    def address_limit() -> str:
        return per_address(current_app.config[setting], current_app.config["RATE_LIMIT_IP_FACTOR"])

    per_session_limit = limiter.shared_limit(
        lambda: current_app.config[setting],
        f"{name}-session",
        key_func=session_key,
        exempt_when=no_session,
        error_message=messages.TOO_MANY_REQUESTS,
    )
    per_address_limit = limiter.shared_limit(
        address_limit,
        f"{name}-ip",
        key_func=get_remote_address,
        exempt_when=no_session,
        error_message=messages.TOO_MANY_REQUESTS,
    )
    cookieless_limit = limiter.shared_limit(
        address_limit,
        f"{name}-new",
        key_func=cookieless_key,
        exempt_when=has_session,
        error_message=messages.TOO_MANY_REQUESTS,
    )

    def decorate(view: View) -> View:
        return cookieless_limit(per_address_limit(per_session_limit(view)))

    return decorate


def retry_after(response: Response) -> Response:
    """A 429 says when its window lets the next request through (asked of Redis only then);
    an error that has its own Retry-After (a 503's) keeps it."""
    wanted = g.get("retry_after")
    if response.status_code == 429 and "Retry-After" not in response.headers:
        limit = limiter.current_limit
        reset_at = limit.reset_at if limit is not None else time.time() + 1
        response.headers["Retry-After"] = str(max(int(reset_at - time.time()), 1))
    elif wanted is not None:
        response.headers["Retry-After"] = wanted
    return response


def register(app: Flask) -> None:
    """Before the limiter is bound: its after_request hook then runs before this one."""
    app.after_request(retry_after)


def _failed_support_attempt(response: Response) -> bool:
    """A guess that read nothing: an unknown order (404), or a staff route refused (401/403)."""
    return response.status_code in (401, 403, 404)


# Checkouts (POST /api/checkout/create-session, POST /checkout) and cart writes (API and forms).
checkout_limit = rate_limit("checkout", "RATE_LIMIT_CHECKOUT")
cart_limit = rate_limit("cart", "RATE_LIMIT_CART")
# Order reads (GET /api/orders/<id>): ids are not guessable, but nobody may walk them quickly.
orders_limit = rate_limit("orders", "RATE_LIMIT_ORDERS")
# Support-token guessing: requests with an Authorization header that read nothing, per address,
# on every route that accepts the token (order reads, refunds, timelines).
support_token_limit = limiter.shared_limit(
    lambda: current_app.config["RATE_LIMIT_SUPPORT_TOKEN"],
    scope="support-token",
    key_func=get_remote_address,
    exempt_when=lambda: "Authorization" not in request.headers,
    deduct_when=_failed_support_attempt,
    error_message=messages.TOO_MANY_REQUESTS,
)
# Password guessing at the back office: per client address, on top of the per-account lockout.
admin_login_limit = limiter.limit(
    lambda: current_app.config["RATE_LIMIT_ADMIN_LOGIN"],
    key_func=get_remote_address,
    error_message=messages.TOO_MANY_REQUESTS,
)
