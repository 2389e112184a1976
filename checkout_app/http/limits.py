"""Abuse limits as route decorators: per session and per client address, API and pages alike.

A new limit is one line on the route: `@rate_limit("orders", "RATE_LIMIT_ORDERS")`. Their
budgets are spent in one Redis round trip (adapters/rate_limits.py), or, for a route whose
first Redis call is a script of its own (the checkout), inside that script. flask-limiter keeps the
limits whose key is not the shopper (support tokens, back-office logins).

Requests with a session draw on their session's budget and on their address's (shared by the
sessions behind one NAT). Requests without one (a shopper's very first cart write, or a client
that drops its cookies) draw on a separate per-address budget of their own, so one cookieless
client can starve other newcomers on its address at most, never the shoppers who have a session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import TooManyRequests

from checkout_app import messages
from checkout_app.adapters.rate_limits import Budget, RateLimited, RateLimits, deferred_to_scripts
from checkout_app.domain.cart import session_hash
from checkout_app.extensions import RATE_LIMITS, limiter
from checkout_app.http.session import current_session_id

View = TypeVar("View", bound=Callable[..., object])


@lru_cache(maxsize=64)
def _parsed(limit: str) -> tuple[int, int]:
    """(amount, seconds) of a limit such as "10/minute" (settings are checked at start)."""
    item = parse(limit)
    return item.amount, item.get_expiry()


def _budgets(name: str, setting: str) -> list[Budget]:
    """The budgets this request draws on for the limit `name`."""
    config = current_app.config
    amount, seconds = _parsed(config[setting])
    per_address = amount * config["RATE_LIMIT_IP_FACTOR"]
    address = get_remote_address()
    session_id = current_session_id()
    if session_id is None:
        return [_budget(f"{name}-new", address, per_address, seconds)]
    return [
        _budget(f"{name}-session", session_hash(session_id), amount, seconds),
        _budget(f"{name}-ip", address, per_address, seconds),
    ]


def _budget(scope: str, who: str, amount: int, seconds: int) -> Budget:
    # A changed setting starts afresh: the amount and window are part of the key.
    return Budget(f"limits:{scope}:{amount}/{seconds}:{who}", amount, seconds)


def rate_limit(name: str, setting: str, *, first_script: bool = False) -> Callable[[View], View]:
    """Limit a route to config[setting] per session and RATE_LIMIT_IP_FACTOR times that per
    client address for requests with a session, and to RATE_LIMIT_IP_FACTOR times that per
    address for requests without one; every route under the same `name` shares its budgets.
    A request over a budget is answered 429 with Retry-After, and spends nothing.

    `first_script`: the view's first Redis call is a script that spends the budgets on its way
    (adapters/rate_limits.py), one round trip fewer. Until then the view may only refuse, so
    a view that stops earlier is answered as if the limit had been spent first: 429 over it."""

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            limits: RateLimits = current_app.extensions[RATE_LIMITS]
            budgets = _budgets(name, setting)
            spend = limits.defer(budgets) if first_script else None
            if spend is None:
                _refuse_over(limits.spend(budgets))
                return view(*args, **kwargs)
            try:
                with deferred_to_scripts(spend):
                    answer = view(*args, **kwargs)
            except RateLimited as exc:
                _refuse_over(exc.wait)
                raise
            except BaseException:
                _refuse_over(limits.settle(spend))
                raise
            _refuse_over(limits.settle(spend))
            return answer

        return cast(View, limited)

    return decorate


def _refuse_over(wait: int) -> None:
    if wait:
        raise TooManyRequests(messages.TOO_MANY_REQUESTS, retry_after=wait)


def retry_after(response: Response) -> Response:
    """A 429 of flask-limiter's says when its window lets the next request through (asked of
    Redis only then); an error that has its own Retry-After (a 503's) keeps it."""
    wanted = g.get("retry_after")
    if response.status_code == 429 and "Retry-After" not in response.headers:
        limit = limiter.current_limit
        reset_at = limit.reset_at if limit is not None else time.time() + 1
        response.headers["Retry-After"] = str(max(int(reset_at - time.time()), 1))
    elif wanted is not None and response.status_code != 429:
        response.headers["Retry-After"] = wanted
    return response


def register(app: Flask) -> None:
    """Before the limiter is bound: its after_request hook then runs before this one."""
    app.after_request(retry_after)


def _failed_support_attempt(response: Response) -> bool:
    """A guess that read nothing: an unknown order (404), or a staff route refused (401/403)."""
    return response.status_code in (401, 403, 404)


# Checkouts (POST /api/checkout/create-session, POST /checkout) and cart writes (API and forms).
# Spent by the checkout's first script, with its lock and cart read (adapters/checkout_run.py).
checkout_limit = rate_limit("checkout", "RATE_LIMIT_CHECKOUT", first_script=True)
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
