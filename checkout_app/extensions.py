"""The app's collaborators (engine, Redis client, Stripe gateway) and the unbound limiter."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import sessionmaker

from checkout_app.adapters.cart_store import CartStore
from checkout_app.adapters.checkout_run import CheckoutRedis
from checkout_app.adapters.gateway import StripeGateway
from checkout_app.adapters.identity import IdentitySettings, IdentityVerifier
from checkout_app.adapters.locks import Locks
from checkout_app.adapters.rate_limits import RateLimits
from checkout_app.adapters.redis_client import parse_sentinel, redis_client, redis_options
from checkout_app.adapters.seat_holds import SeatHolds
from checkout_app.adapters.stripe_attempts import StripeAttempts
from checkout_app.db.checkout_store import CheckoutStore
from checkout_app.db.engine import DatabaseLimits, bounded_engine
from checkout_app.services.checkout import ROTATED_MEMORY_SECONDS
from checkout_app.services.shop import Shop
from checkout_app.shop_settings import ShopSettings

EXTENSION = "checkout"
RATE_LIMITS = "rate_limits"


class AppLimiter(Limiter):
    """flask-limiter's Limiter, starting afresh for each app it is bound to (its own init_app
    keeps the first app's key prefix, merges every app's storage options and keeps counting in
    memory after an earlier app's Redis went down)."""

    # Whether the limiter holds application, default or meta limits: set by init_app.
    _app_wide = True

    def init_app(self, app: Flask) -> None:
        self._storage_options = {}
        self._key_prefix = ""
        self._storage_dead = False
        super().init_app(app)
        manager = self.limit_manager
        self._app_wide = bool(
            manager.application_limits or manager.default_limits or self._meta_limits
        )

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        """flask-limiter runs this before every request (in_middleware) for the application,
        default and meta limits, and from each decorated route for that route's limits. This
        app has only decorated ones: before a request there is nothing to count, and working
        that out cost 0.18 ms of a worker's CPU per checkout under `make bench` (a)."""
        if in_middleware and not self._app_wide:
            return
        super()._check_request_limit(callable_name, in_middleware)


# Bound by init_limiter(); http/limits.py puts the limits not keyed on the shopper (support
# tokens, back-office logins) on their routes. Counters live in the storage of the app bound
# last: one app per process outside the tests.
limiter = AppLimiter(
    get_remote_address,
    # No X-RateLimit-* headers on every answer: they cost one more Redis round trip per
    # request. A 429 gets its Retry-After from http/limits.py.
    headers_enabled=False,
    strategy="moving-window",
    # While Redis is down the same limits count in this process's memory: flask-limiter logs
    # one WARNING when it falls back and one INFO when Redis is back (checked now and then).
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def init_app(app: Flask) -> Shop:
    """Create the engine, Redis client and gateway once per app and keep them on it."""
    config = app.config
    engine = bounded_engine(
        config["DATABASE_URL"],
        DatabaseLimits(
            connect_seconds=config["DB_CONNECT_TIMEOUT"],
            statement_ms=config["DB_STATEMENT_TIMEOUT_MS"],
            lock_ms=config["DB_LOCK_TIMEOUT_MS"],
            idle_in_transaction_ms=config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"],
            keepalives_idle_seconds=config["DB_KEEPALIVES_IDLE"],
        ),
        pool_size=config["DB_POOL_SIZE"],
        max_overflow=config["DB_MAX_OVERFLOW"],
    )
    client = redis_client(config["REDIS_URL"], health_check_interval=30, **redis_options(config))
    prefix = config["REDIS_KEY_PREFIX"]
    # A cart write may land up to half the socket timeout after it was sent, never later.
    write_seconds = (config["REDIS_SOCKET_TIMEOUT"] or 0) / 2 or None
    carts = CartStore(client, prefix, config["CART_TTL_SECONDS"], write_seconds)
    locks = Locks(client, prefix)
    seat_holds = SeatHolds(client, prefix)
    attempts = StripeAttempts(client, prefix)
    rate_limits = RateLimits(client, prefix)
    shop = Shop(
        carts=carts,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        gateway=StripeGateway(
            config["STRIPE_SECRET_KEY"],
            api_base=config["STRIPE_API_BASE"],
            timeout_seconds=config["STRIPE_TIMEOUT_SECONDS"],
            max_retries=config["STRIPE_MAX_RETRIES"],
            expires_minutes=config["CHECKOUT_EXPIRES_MINUTES"],
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
        ),
        settings=ShopSettings.from_config(config),
        locks=locks,
        attempts=attempts,
        identity=IdentityVerifier(
            IdentitySettings(
                secret=config["AUTH_JWT_SECRET"],
                jwks_url=config["AUTH_JWKS_URL"],
                issuer=config["AUTH_JWT_ISSUER"],
                audience=config["AUTH_JWT_AUDIENCE"],
            )
        ),
        checkout_db=CheckoutStore(engine),
        checkout_redis=CheckoutRedis(
            client, carts, locks, seat_holds, attempts, ROTATED_MEMORY_SECONDS, rate_limits
        ),
    )
    app.extensions[EXTENSION] = shop
    app.extensions[RATE_LIMITS] = rate_limits
    return shop


def init_limiter(app: Flask) -> None:
    """Bind the limiter to the app, counting in its Redis under its key prefix."""
    uri, options = limiter_storage(app.config["REDIS_URL"])
    app.config["RATELIMIT_STORAGE_URI"] = uri
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {**options, **redis_options(app.config)}
    app.config["RATELIMIT_KEY_PREFIX"] = f"{app.config['REDIS_KEY_PREFIX']}limits"
    limiter.init_app(app)


def limiter_storage(redis_url: str) -> tuple[str, dict[str, object]]:
    """The `limits` storage URI and options for the app's REDIS_URL (timeouts come on top)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://"), {}
    sentinel_url = parse_sentinel(redis_url)
    if sentinel_url is None:
        return redis_url, {}
    # limits reads only the service name from the path; the db goes in as an option,
    # and counters must come from the primary, never a lagging replica.
    uri = f"redis+sentinel://{sentinel_url.netloc}/{sentinel_url.service}"
    return uri, {"db": sentinel_url.db, "use_replicas": False}


def shop() -> Shop:
    """The current app's collaborators."""
    return current_app.extensions[EXTENSION]
