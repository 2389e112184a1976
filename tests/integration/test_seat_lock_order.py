"""Two checkouts of the same events never wait for each other in a cycle (migration 0016).

Each event's pending tally changes when a checkout supersedes its cart's open checkout (the
open checkout's holds are cancelled), so that write locks the open checkout's events. Taken
then, before the cart's own events are locked in id order, event B could be held while A was
waited for; a second checkout holding A and wanting B made a deadlock, and PostgreSQL killed
one of the two (an error, a 5xx for a shopper). Here a third connection holds A so that the
second checkout queues for A first, then the superseding checkout starts.
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg2
import pytest
from alembic import command
from sqlalchemy import make_url

from ..conftest import alembic_config
from .checkout_calls import place


@pytest.fixture
def shop(make_database):
    """A migrated database of its own, events A < B (by id), and a way to connect to it."""
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)

    def connect():
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        return conn

    conn = connect()
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO events (slug, title, price, capacity, starts_at, venue)"
            " SELECT 'e' || n, 'Event', 15, 100, now() + interval '30 days', 'Hall'"
            " FROM generate_series(1, 2) n RETURNING id"
        )
        events = sorted(str(row[0]) for row in cur.fetchall())
    conn.close()
    return connect, events


def waiting_for_a_lock(cur, pid: int) -> bool:
    cur.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid])
    row = cur.fetchone()
    return bool(row and row[0])


def wait_until_waiting(cur, pid: int) -> None:
    deadline = time.monotonic() + 15
    while not waiting_for_a_lock(cur, pid):
        assert time.monotonic() < deadline, f"backend {pid} never waited for a lock"
        time.sleep(0.02)


def test_a_superseding_checkout_takes_its_events_in_id_order(shop):
    connect, (a, b) = shop
    setup, holder, first, second = connect(), connect(), connect(), connect()
    cart = uuid.uuid4().hex
    # The cart's open checkout holds seats of B.
    opened = place(setup.cursor(), cart, None, b, shopper=cart)

    watch = setup.cursor()
    hold = holder.cursor()
    hold.execute("BEGIN")
    hold.execute("SELECT 1 FROM events WHERE id = %s FOR UPDATE", [a])

    errors: list[Exception] = []

    def run(conn, *args, **kwargs) -> None:
        try:
            place(conn.cursor(), *args, **kwargs)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    stranger = uuid.uuid4().hex
    other = threading.Thread(
        target=run, args=(first, stranger, None, a, b), kwargs={"shopper": stranger}
    )
    other.start()
    wait_until_waiting(watch, first.get_backend_pid())  # queued for A, first in line
    superseding = threading.Thread(
        target=run,
        args=(second, cart, None, a, b),
        kwargs={"superseded": [opened], "shopper": cart},
    )
    superseding.start()
    wait_until_waiting(watch, second.get_backend_pid())
    hold.execute("COMMIT")
    for thread in (other, superseding):
        thread.join(timeout=30)

    assert errors == []
    watch.execute(
        "SELECT slug, seats_pending FROM events ORDER BY slug",
    )
    assert dict(watch.fetchall()) == {"e1": 4, "e2": 4}
    for conn in (setup, holder, first, second):
        conn.close()
