"""Redis: the client for REDIS_URL (Sentinel included) and the one translation of its outages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from checkout_app.errors import CartUnavailable

SENTINEL_SCHEME = "redis+sentinel://"
# What a Redis that is down, restarting or too slow raises.
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)


@dataclass(frozen=True)
class SentinelUrl:
    """redis+sentinel://[:password@]host:port[,host:port...]/service[/db], parsed."""

    netloc: str
    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int
    password: str | None


def parse_sentinel(url: str) -> SentinelUrl | None:
    """The parts of a redis+sentinel:// URL; None for any other Redis URL."""
    if not url.startswith(SENTINEL_SCHEME):
        return None
    parts = urlsplit(url)
    addresses = parts.netloc.rpartition("@")[2].split(",")
    sentinels = tuple(
        (host, int(port or 26379)) for host, _, port in (a.partition(":") for a in addresses)
    )
    service, _, db = parts.path.strip("/").partition("/")
    password = unquote(parts.password) if parts.password else None
    return SentinelUrl(parts.netloc, sentinels, service, int(db or 0), password)


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
    (as flask-limiter's storage reads the same URL), so a failover moves the app by itself."""
    sentinel_url = parse_sentinel(url)
    if sentinel_url is None:
        return redis.Redis.from_url(url, **options)
    sentinel = Sentinel(list(sentinel_url.sentinels), socket_timeout=options.get("socket_timeout"))
    return sentinel.master_for(
        sentinel_url.service, db=sentinel_url.db, password=sentinel_url.password, **options
    )


@contextmanager
def cart_service_errors() -> Iterator[None]:
    """Redis down inside the block (or the decorated function) is CartUnavailable (503)."""
    try:
        yield
    except REDIS_DOWN as exc:
        raise CartUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc
