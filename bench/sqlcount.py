"""SQL statements and database round trips per checkout, on an in-process app.

Statements: SQLAlchemy's `before_cursor_execute` on the app's own engine (what the code asks
for). Round trips: the queries PostgreSQL receives, counted on the wire by `pgwire.CountingProxy`
between the app and the server (statements plus BEGIN, COMMIT, ROLLBACK and the pool's pre-ping).
Each cart size is checked out once after a warm-up checkout, so that connecting to the server
(startup and authentication) is not counted: a gunicorn worker's pool is warm too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, make_url

from checkout_app import create_app
from checkout_app.domain.cart import CartLine
from checkout_app.extensions import EXTENSION

from .load import BODY, PATH
from .pgwire import CountingProxy
from .seed import seed_carts
from .stack import Stack


@dataclass(frozen=True)
class SqlCount:
    lines: int
    statements: int
    round_trips: int
    wire: tuple[str, ...]  # what the server received, in order

    def kinds(self) -> dict[str, int]:
        """Round trips by kind: BEGIN, COMMIT, ROLLBACK, ping, statement."""
        kinds = {"BEGIN": 0, "COMMIT": 0, "ROLLBACK": 0, "ping": 0, "statement": 0}
        for query in self.wire:
            word = query.split(None, 1)[0].upper() if query.strip() else ""
            if word in ("BEGIN", "COMMIT", "ROLLBACK"):
                kinds[word] += 1
            elif query.strip().upper() == "SELECT 1":
                kinds["ping"] += 1
            else:
                kinds["statement"] += 1
        return kinds


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


def count_checkouts(stack: Stack, carts: dict[int, list[CartLine]]) -> list[SqlCount]:
    """Check out each cart once in-process; statements and round trips of each checkout."""
    proxy, proxied_url = _proxy_for(stack.database_url)
    app = create_app({**stack.app_env(), "DATABASE_URL": proxied_url})
    engine = app.extensions[EXTENSION].session_factory.kw["bind"]
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client = app.test_client()
    results = []
    try:
        for lines, cart in carts.items():
            warm, measured = seed_carts(stack.redis, stack.prefix, [cart, cart], stack.secret_key)
            for session_id in (warm, measured):
                statements.clear()
                proxy.take()
                client.set_cookie("session_id", session_id)
                response = client.post(PATH, json=BODY)
                if response.status_code != 200:
                    raise RuntimeError(f"{lines}-line checkout answered {response.status_code}")
            wire = tuple(proxy.take())
            results.append(SqlCount(lines, len(statements), len(wire), wire))
    finally:
        engine.dispose()
        proxy.stop()
    return results
