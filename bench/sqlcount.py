"""SQL statements, database round trips and Redis round trips per checkout, on an in-process app.

Round trips: the queries PostgreSQL receives, counted on the wire by `pgwire.CountingProxy`
between the app and the server; statements are those that are not BEGIN, COMMIT, ROLLBACK or a
pool ping. (The checkout speaks to psycopg2 directly, so SQLAlchemy's events no longer see its
statements: the wire is the one place that sees them all.)
Each cart size is checked out once after a warm-up checkout, so that connecting to the server
(startup and authentication) is not counted: a gunicorn worker's pool is warm too.

Redis: the app's REDIS_URL points at `rediswire.RedisCountingProxy`, so the app's client and
flask-limiter's storage (which reads the same REDIS_URL) both go through it; seeding the carts
does not (it uses the stack's own client).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import make_url

from checkout_app import create_app
from checkout_app.domain.cart import CartLine
from checkout_app.extensions import EXTENSION

from .load import PATH, shopper
from .pgwire import CountingProxy
from .rediswire import RedisCountingProxy
from .seed import seed_carts
from .stack import Stack


@dataclass(frozen=True)
class SqlCount:
    lines: int
    statements: int
    round_trips: int
    wire: tuple[str, ...]  # what the server received, in order
    redis_wire: tuple[tuple[str, ...], ...] = ()  # Redis round trips, each as its commands

    @property
    def redis_round_trips(self) -> int:
        return len(self.redis_wire)

    @property
    def redis_commands(self) -> int:
        return sum(len(trip) for trip in self.redis_wire)

    def kinds(self) -> dict[str, int]:
        """Round trips by kind: BEGIN, COMMIT, ROLLBACK, ping, statement."""
        kinds = {"BEGIN": 0, "COMMIT": 0, "ROLLBACK": 0, "ping": 0, "statement": 0}
        for query in self.wire:
            kinds[_kind(query)] += 1
        return kinds


def _kind(query: str) -> str:
    """BEGIN, COMMIT, ROLLBACK, ping (the pool's SELECT 1) or statement."""
    word = query.split(None, 1)[0].upper() if query.strip() else ""
    if word in ("BEGIN", "COMMIT", "ROLLBACK"):
        return word
    return "ping" if query.strip().upper() == "SELECT 1" else "statement"


def _proxy_for(database_url: str) -> tuple[CountingProxy, str]:
    url = make_url(database_url)
    socket_dir = url.query.get("host")
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        unix = f"{socket_dir}/.s.PGSQL.{url.port or 5432}"
        proxy = CountingProxy("", 0, unix)
    else:
        proxy = CountingProxy(url.host or "127.0.0.1", url.port or 5432)
    port = proxy.start()
    proxied = url.set(
        host="127.0.0.1", port=port, query={"sslmode": "disable", "gssencmode": "disable"}
    )
    return proxy, proxied.render_as_string(hide_password=False)


def redis_proxy_for(redis_url: str) -> tuple[RedisCountingProxy, str]:
    """A proxy in front of the run's Redis (redis:// or unix://) and the URL that goes through
    it, with the same database number and credentials."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        proxy = RedisCountingProxy("", 0, parts.path)
        path = ""  # unix:// URLs name the database in the query (?db=N), which is kept
    elif parts.scheme == "redis":
        proxy = RedisCountingProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
        path = parts.path
    else:
        raise ValueError(f"Redis round trips are counted on redis:// and unix:// only: {redis_url}")
    port = proxy.start()
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return proxy, urlunsplit(("redis", netloc, path, parts.query, ""))


def count_checkouts(stack: Stack, carts: dict[int, list[CartLine]]) -> list[SqlCount]:
    """Check out each cart once in-process; statements and round trips of each checkout."""
    proxy, proxied_url = _proxy_for(stack.database_url)
    redis_proxy, redis_url = redis_proxy_for(stack.redis_url)
    env = {**stack.app_env(), "DATABASE_URL": proxied_url, "REDIS_URL": redis_url}
    app = create_app(env)
    limiter_uri = app.config.get("RATELIMIT_STORAGE_URI", "")
    if f":{redis_proxy.port}" not in limiter_uri:
        raise RuntimeError(f"the rate limiter's storage bypasses the Redis proxy: {limiter_uri}")
    engine = app.extensions[EXTENSION].session_factory.kw["bind"]
    client = app.test_client()
    results = []
    try:
        for lines, cart in carts.items():
            warm, measured = seed_carts(stack.redis, stack.prefix, [cart, cart], stack.secret_key)
            for session_id in (warm, measured):
                proxy.take()
                redis_proxy.take()
                client.set_cookie("session_id", session_id)
                body, _ = shopper(session_id)
                response = client.post(PATH, json=body)
                if response.status_code != 200:
                    raise RuntimeError(f"{lines}-line checkout answered {response.status_code}")
            wire = tuple(proxy.take())
            redis_wire = tuple(redis_proxy.take())
            statements = sum(1 for query in wire if _kind(query) == "statement")
            results.append(SqlCount(lines, statements, len(wire), wire, redis_wire))
    finally:
        engine.dispose()
        proxy.stop()
        redis_proxy.stop()
    return results
