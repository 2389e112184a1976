"""Abuse limits with flask-limiter on Redis: per session and per client IP; staff logins."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

from checkout_app.domain.cart import session_hash
from checkout_app.extensions import redis_options
from checkout_app.http.session import current_session_id

CHECKOUT_ENDPOINTS = ("api.create_session",)
CART_WRITE_ENDPOINTS = ("api.add_item", "api.set_quantity", "api.remove_item", "api.clear_cart")
ADMIN_LOGIN_ENDPOINT = "admin.login"
EXTENSION = "checkout_limiter"
TOO_MANY = "Too many requests. Please try again later."


def session_or_address() -> str:
    """The shopper's session (hashed), or the client address before a session exists."""
    session_id = current_session_id()
    return f"session:{session_hash(session_id)}" if session_id else f"ip:{get_remote_address()}"


def storage(redis_url: str) -> tuple[str, dict[str, object]]:
    """The `limits` storage URI and options for the app's REDIS_URL (timeouts come on top)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://"), {}
    if redis_url.startswith("redis+sentinel://"):
        # limits reads only the service name from the path; the db goes in as an option,
        # and counters must come from the primary, never a lagging replica.
        parts = urlsplit(redis_url)
        service, _, db = parts.path.strip("/").partition("/")
        uri = f"redis+sentinel://{parts.netloc}/{service}"
        return uri, {"db": int(db or 0), "use_replicas": False}
    return redis_url, {}


def _per_ip(limit: str, factor: int) -> str:
    """The same window with `factor` times the amount: many shoppers can share one IP (NAT)."""
    item = parse(limit)
    return f"{item.amount * factor}/{item.multiples} {item.GRANULARITY.name}"


def keep_error_retry_after(response: Response) -> Response:
    """flask-limiter stamps each limited answer with its window's reset; an error keeps its own."""
    wanted = g.get("retry_after")
    if wanted is not None and response.status_code != 429:
        response.headers["Retry-After"] = wanted
    return response


def register(app: Flask) -> Limiter:
    """Limit checkouts and cart writes; 429 answers come from the JSON error handler."""
    config = app.config
    app.after_request(keep_error_retry_after)  # registered first, so it runs after the limiter's
    uri, options = storage(config["REDIS_URL"])
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=uri,
        storage_options={**options, **redis_options(config)},
        key_prefix=f"{config['REDIS_KEY_PREFIX']}limits",
        headers_enabled=True,
        strategy="moving-window",
        # While Redis is down the same limits count in this process's memory: flask-limiter logs
        # one WARNING when it falls back and one INFO when Redis is back (checked now and then).
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    factor = config["RATE_LIMIT_IP_FACTOR"]
    for name, endpoints, limit in (
        ("checkout", CHECKOUT_ENDPOINTS, config["RATE_LIMIT_CHECKOUT"]),
        ("cart", CART_WRITE_ENDPOINTS, config["RATE_LIMIT_CART"]),
    ):
        # Shared limits: all cart writes draw on one budget, whichever route they use.
        per_session = limiter.shared_limit(
            limit, f"{name}-session", key_func=session_or_address, error_message=TOO_MANY
        )
        per_address = limiter.shared_limit(
            _per_ip(limit, factor),
            f"{name}-ip",
            key_func=get_remote_address,
            error_message=TOO_MANY,
        )
        for endpoint in endpoints:
            app.view_functions[endpoint] = per_address(per_session(app.view_functions[endpoint]))
    # Password guessing: per client address, on top of the per-account lockout.
    app.view_functions[ADMIN_LOGIN_ENDPOINT] = limiter.limit(
        config["RATE_LIMIT_ADMIN_LOGIN"], key_func=get_remote_address, error_message=TOO_MANY
    )(app.view_functions[ADMIN_LOGIN_ENDPOINT])
    app.extensions[EXTENSION] = limiter
    return limiter
