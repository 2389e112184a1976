"""The SQLAlchemy engine with every PostgreSQL round trip bounded, server side and client side.

Server side, each connection sets `statement_timeout`, `lock_timeout` and
`idle_in_transaction_session_timeout`, and libpq sends TCP keepalives (a real partition is noticed
in seconds, not after the kernel's 15 minutes). None of those help when the server process is
frozen (its kernel still acknowledges packets), so psycopg2 also waits through a callback that
gives up after the statement timeout plus a margin and shuts the socket down: psycopg2 raises
its own "server closed the connection" OperationalError and SQLAlchemy replaces the pool.

A write that must not commit once the client has given up (the checkout's order, a unit of
work's COMMIT) passes the moment it stops waiting, less the margin, as a deadline in the
server's clock: each connection measures how far the server's clock is from ours when it
connects (`server_time`). The server refuses a late write with SQLSTATE `LATE`; one the client
still waited for means that offset is wrong (a clock was stepped), so the connection is
replaced and the next one measures again.

A pooled connection is checked before use without a round trip: an idle PostgreSQL connection
never has anything to read, so a readable socket means the server closed it or is closing it
(a restart, pg_terminate_backend, idle_session_timeout) and the pool connects afresh. That
replaces SQLAlchemy's pre-ping, which cost a `SELECT 1` round trip on every checkout.
"""

from __future__ import annotations

import os
import select
import socket
import time
from dataclasses import dataclass

import psycopg2.extensions as pgext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext

# How much longer than statement_timeout the client waits: a live server answers by then.
MARGIN_SECONDS = 0.5
CLOCK_OFFSET = "server_clock_offset"
WRITE_SECONDS = "write_seconds"
# What the server raises for a write past its deadline (migrations 0011 and 0012).
LATE = "CKD01"
_EVENTS = {pgext.POLL_READ: select.POLLIN, pgext.POLL_WRITE: select.POLLOUT}


@dataclass(frozen=True)
class DatabaseLimits:
    """Timeouts for every connection of one engine (milliseconds unless named otherwise)."""

    connect_seconds: int = 1
    statement_ms: int = 2000
    lock_ms: int = 2000
    idle_in_transaction_ms: int = 10000
    keepalives_idle_seconds: int = 5

    def connect_args(self) -> dict[str, object]:
        """psycopg2.connect keyword arguments carrying these limits."""
        options = " ".join(
            (
                f"-c statement_timeout={self.statement_ms}",
                f"-c lock_timeout={self.lock_ms}",
                f"-c idle_in_transaction_session_timeout={self.idle_in_transaction_ms}",
            )
        )
        factory = type(
            "BoundedConnection",
            (pgext.connection,),
            {
                "connect_seconds": float(self.connect_seconds),
                "wait_seconds": self.statement_ms / 1000 + MARGIN_SECONDS,
            },
        )
        return {
            "connect_timeout": self.connect_seconds,
            "options": options,
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle_seconds,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "connection_factory": factory,
        }


def wait_bounded(conn: pgext.connection) -> None:
    """psycopg2's wait callback: poll the connection, giving up after its class's bound."""
    setup = conn.status == pgext.STATUS_SETUP
    limit = getattr(conn, "connect_seconds" if setup else "wait_seconds", None)
    deadline = None if limit is None else time.monotonic() + limit
    poller = select.poll()
    while True:
        state = conn.poll()
        if state == pgext.POLL_OK:
            return
        poller.register(conn.fileno(), _EVENTS[state])
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0)
        ready = poller.poll(None if remaining is None else remaining * 1000)
        poller.unregister(conn.fileno())
        if not ready and deadline is not None and time.monotonic() >= deadline:
            _hang_up(conn)
            deadline = None  # the next poll reads the hang-up and raises OperationalError


def _hang_up(conn: pgext.connection) -> None:
    """Shut the connection's socket down under libpq (closing it here would race on the fd)."""
    with socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def closed_by_server(conn: pgext.connection) -> bool:
    """Whether an idle connection has been closed (or is being closed) by the server."""
    if conn.closed:
        return True
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _check_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    if closed_by_server(dbapi_connection):
        # The pool invalidates this connection and checks out a fresh one.
        raise sa_exc.DisconnectionError("closed by the server while idle in the pool")


def _clock_reader(write_seconds: float):
    def measure_clock(dbapi_connection, connection_record) -> None:
        """Once per new connection: the server's clock minus ours (one round trip)."""
        sent = time.time()
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT extract(epoch FROM clock_timestamp())::float8")
            (server,) = cursor.fetchone()
        received = time.time()
        dbapi_connection.rollback()
        connection_record.info[CLOCK_OFFSET] = server - (sent + received) / 2
        connection_record.info[WRITE_SECONDS] = write_seconds or None

    return measure_clock


def server_time(info: dict) -> float:
    """Now, in the epoch seconds of the server behind the connection whose `info` this is."""
    return time.time() + info.get(CLOCK_OFFSET, 0.0)


def write_deadline(info: dict) -> float | None:
    """When the server must stop short of committing what is sent now on this connection: the
    statement timeout from now, in its clock (the client waits MARGIN_SECONDS longer). None
    when the connection has no statement timeout (then the client waits as long as it takes)."""
    seconds = info.get(WRITE_SECONDS)
    return server_time(info) + seconds if seconds else None


def _replace_if_late(context: ExceptionContext) -> None:
    """A late write invalidates its connection only (not the pool): its clock offset is stale."""
    if getattr(context.original_exception, "pgcode", None) == LATE:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False


def bounded_engine(url: str, limits: DatabaseLimits, pool_size: int, max_overflow: int) -> Engine:
    """An engine whose connections carry `limits`; installs the bounded wait callback."""
    pgext.set_wait_callback(wait_bounded)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=5,
        # The most recently used connection first: the busy ones stay warm.
        pool_use_lifo=True,
        connect_args=limits.connect_args(),
    )
    event.listen(engine, "checkout", _check_on_checkout)
    event.listen(engine, "connect", _clock_reader(limits.statement_ms / 1000))
    event.listen(engine, "handle_error", _replace_if_late)
    return engine
