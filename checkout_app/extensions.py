"""Builds the app's collaborators (engine, Redis client, Stripe gateway) from its config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel
from sqlalchemy.orm import sessionmaker

from checkout_app.adapters.cart_store import CartStore
from checkout_app.adapters.gateway import StripeGateway
from checkout_app.adapters.locks import Locks
from checkout_app.adapters.seat_holds import SeatHolds
from checkout_app.adapters.stripe_attempts import StripeAttempts
from checkout_app.config import ShopSettings
from checkout_app.db.engine import DatabaseLimits, bounded_engine
from checkout_app.services.shop import Shop

EXTENSION = "checkout"


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
    shop = Shop(
        carts=CartStore(client, config["REDIS_KEY_PREFIX"], config["CART_TTL_SECONDS"]),
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
        locks=Locks(client, config["REDIS_KEY_PREFIX"]),
        seat_holds=SeatHolds(client, config["REDIS_KEY_PREFIX"]),
        attempts=StripeAttempts(client, config["REDIS_KEY_PREFIX"]),
    )
    app.extensions[EXTENSION] = shop
    return shop


def redis_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Timeouts for every Redis client (carts, locks, seat holds, idempotency, limits).

    redis-py's default retries a timed-out command three times with backoff, which turns a frozen
    Redis into a 10 s wait; here only a dropped connection (a restart) is retried, once, at once.
    """
    return {
        "socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    }


def redis_client(url: str, **options: Any) -> redis.Redis:
    """A client for redis://, rediss:// or unix:// URLs, or for the primary that Sentinel names
    in redis+sentinel://[:password@]host:port[,host:port...]/service[/db] (as flask-limiter's
    storage reads the same URL), so a failover moves the app to the new primary by itself."""
    if not url.startswith("redis+sentinel://"):
        return redis.Redis.from_url(url, **options)
    parts = urlsplit(url)
    addresses = parts.netloc.rpartition("@")[2].split(",")
    sentinels = [
        (host, int(port or 26379)) for host, _, port in (a.partition(":") for a in addresses)
    ]
    service, _, db = parts.path.strip("/").partition("/")
    password = unquote(parts.password) if parts.password else None
    sentinel = Sentinel(sentinels, socket_timeout=options.get("socket_timeout"))
    return sentinel.master_for(service, db=int(db or 0), password=password, **options)


def shop() -> Shop:
    """The current app's collaborators."""
    return current_app.extensions[EXTENSION]
