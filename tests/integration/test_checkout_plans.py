"""What a checkout reads does not grow with the shop's orders, whatever plan PostgreSQL cached.

The checkout's SQL runs in PL/pgSQL functions (migration 0009), whose plans a connection caches
and, after a few calls, may replace by one generic plan. A pooled connection that first plans
them while `orders` is small (a new shop; or any shop on a server with autovacuum off, whose
tables are never analyzed) used to keep plans that read every order: the open checkouts were
looked up with `id = ANY(...)` (a sequential scan of `orders`) and by cart hash through the
pending orders' `seats_held_until` index (every pending order). Its reads grew with the shop.

Here the plans are forced generic (`plan_cache_mode`) or left to the server, on tables never
analyzed or analyzed while small (migration 0015: the server's own choice read every pending
order through an index scanned whole, and plans made on small statistics scanned `orders` and
`bookings` sequentially), and the same checkout (a read, then a write that supersedes the
cart's open checkout) is run with 10 and with 300 other pending orders in the shop: the rows it
reads from `orders` must be the same, and no table that grows with sales is scanned whole.
"""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from alembic import command
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session

from checkout_app.db.checkout_sql import READ
from checkout_app.db.models import Order
from checkout_app.db.order_view import load_order

from ..conftest import alembic_config
from .checkout_calls import place

GROWING = ("orders", "order_items", "bookings", "audit_log")
READS = "coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"


# (statistics, plans): tables never analyzed, or analyzed once while they held 3 orders and
# no booking (autovacuum off, the statistics stay those of a new shop); the plans all forced
# generic, or the server's own choice (custom plans for a statement's first calls, then
# generic or custom by their cost), which is what the app's connections get.
SHOPS = {
    "never analyzed, generic plans": (False, "force_generic_plan"),
    "never analyzed, the server's plans": (False, "auto"),
    "analyzed while small, generic plans": (True, "force_generic_plan"),
    "analyzed while small, the server's plans": (True, "auto"),
}


@pytest.fixture(params=list(SHOPS))
def fresh_shop(request, make_database):
    """A migrated database of its own, with statistics and plans as in SHOPS, a catalog of
    one course and two events, and a psycopg2 connection."""
    analyzed, plans = SHOPS[request.param]
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    conn = psycopg2.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    conn.autocommit = True
    with conn.cursor() as cur:
        for table in GROWING:
            cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        cur.execute(
            "INSERT INTO courses (slug, title, price) VALUES ('c', 'Course', 10) RETURNING id"
        )
        course = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO events (slug, title, price, capacity, starts_at, venue)"
            " SELECT 'e' || n, 'Event', 15, 1000, now() + interval '30 days', 'Hall'"
            " FROM generate_series(1, 2) n RETURNING id"
        )
        events = [row[0] for row in cur.fetchall()]
        if analyzed:
            for _ in range(3):
                place(cur, uuid.uuid4().hex, course)
            cur.execute(f"VACUUM ANALYZE courses, events, users, {', '.join(GROWING)}")
        cur.execute(f"SET plan_cache_mode = {plans}")
    try:
        yield url, conn, course, events
    finally:
        conn.close()


def read(cur, cart_hash: str, course: str, event: str, shopper: str = "shopper") -> list[tuple]:
    cur.execute(
        READ,
        {
            "cart_hash": cart_hash,
            "user_id": None,
            "courses": [course],
            "products": [],
            "events": [event],
            "session": cart_hash,
            "email": f"{shopper}@example.com",
            "address": f"{shopper}-address",
        },
    )
    return cur.fetchall()


def one_checkout(cur, course: str, event: str) -> dict[str, tuple[int, int]]:
    """A new shopper's cart with an open checkout checks out again: read, then a write
    superseding it. Run in one transaction; per growing table, (sequential scans, rows
    read)."""
    cart = uuid.uuid4().hex
    opened = place(cur, cart, course, event, shopper=cart)
    # The xact views show the counts not yet reported, which can include earlier transactions'.
    cur.execute("SELECT pg_stat_force_next_flush()")
    cur.execute("BEGIN")
    try:
        rows = read(cur, cart, course, event, shopper=cart)
        assert [r[1] for r in rows if r[0] == "open"] == [opened]
        place(cur, cart, course, event, superseded=[opened], shopper=cart)
        cur.execute(
            f"SELECT relname, coalesce(seq_scan, 0), {READS} FROM pg_stat_xact_user_tables"
            " WHERE relname = ANY(%s)",
            [list(GROWING)],
        )
        return {name: (scans, reads) for name, scans, reads in cur.fetchall()}
    finally:
        cur.execute("COMMIT")


def warm_up(cur, course: str, event: str) -> None:
    """Ten checkouts, past the calls after which a cached plan may turn generic."""
    for _ in range(10):
        cart = uuid.uuid4().hex
        read(cur, cart, course, event)
        place(cur, cart, course)


def same_reads_with_5_and_300(cur, course: str, events, add) -> None:
    """A checkout of the first event after add(first, 5), and of the second after
    add(second, 300), read the same bookings, and no growing table whole."""
    first, second = events
    add(first, 5)
    few = one_checkout(cur, course, first)
    add(second, 300)
    many = one_checkout(cur, course, second)
    assert {t: scans for t, (scans, _) in many.items() if scans} == {}
    assert many["bookings"][1] == few["bookings"][1], (few, many)


def test_a_checkout_reads_the_same_rows_however_many_orders_the_shop_has(fresh_shop):
    _, conn, course, (first_event, second_event) = fresh_shop
    cur = conn.cursor()
    warm_up(cur, course, first_event)
    small = one_checkout(cur, course, first_event)
    for _ in range(290):
        place(cur, uuid.uuid4().hex, course)
    # An event of its own, as the first had: an event's seat count reads its own bookings.
    large = one_checkout(cur, course, second_event)

    assert {t: scans for t, (scans, _) in large.items() if scans} == {}
    assert large["orders"][1] == small["orders"][1], (small, large)
    assert large == small


def test_the_latest_order_of_a_cart_is_found_by_index(fresh_shop):
    """The checkout page of an emptied cart shows the cart's last order: an index lookup,
    not a scan of every order in the shop (it is there for anyone with a session cookie)."""
    url, conn, course, _ = fresh_shop
    cur = conn.cursor()
    for _ in range(300):
        place(cur, uuid.uuid4().hex, course)
    cur.execute("ANALYZE orders")
    mine = place(cur, "mine", course)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            order = load_order(session, Order.cart_session_hash == "mine")
            scans = (
                session.connection()
                .exec_driver_sql(
                    "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'orders'"
                )
                .scalar_one()
            )
    finally:
        engine.dispose()
    assert order is not None and str(order.id) == mine
    assert scans == 0


def test_a_checkout_reads_the_same_rows_however_many_seats_are_sold(fresh_shop):
    """The seat count reads the event's confirmed seats from its tally (migration 0014): the
    checkout of a concert with 300 tickets sold reads what it reads with 5 sold."""
    _, conn, course, (first_event, second_event) = fresh_shop
    cur = conn.cursor()
    for _ in range(6):  # past the calls after which a cached plan may turn generic
        read(cur, uuid.uuid4().hex, course, first_event)

    def sell(event: str, tickets: int) -> None:
        cur.execute(
            "INSERT INTO bookings (event_id, attendees, total_price, status)"
            " SELECT %s, 1, 15, 'confirmed' FROM generate_series(1, %s)",
            [event, tickets],
        )

    same_reads_with_5_and_300(cur, course, (first_event, second_event), sell)
    cur.execute("SELECT capacity - seats_confirmed FROM events WHERE id = %s", [second_event])
    assert cur.fetchone()[0] == 1000 - 300


def test_a_checkout_reads_the_same_rows_however_many_seats_are_held(fresh_shop):
    """Other shoppers' unpaid holds are tallied on their event (migration 0016): the checkout
    of a concert that 300 shoppers are paying for reads what it reads with 5 of them."""
    _, conn, course, (first_event, second_event) = fresh_shop
    cur = conn.cursor()
    warm_up(cur, course, first_event)

    def hold(event: str, shoppers: int) -> None:
        for _ in range(shoppers):
            cart = uuid.uuid4().hex
            place(cur, cart, course, event, shopper=cart)

    same_reads_with_5_and_300(cur, course, (first_event, second_event), hold)
    cur.execute("SELECT capacity, seats_pending FROM events WHERE id = %s", [second_event])
    capacity, held = cur.fetchone()
    assert held == 2 * (300 + 1)  # the 300 holds and this checkout's, 2 seats each
    assert read(cur, uuid.uuid4().hex, course, second_event)[-1][5] == capacity - held


def test_the_read_is_planned_once_per_connection(make_database):
    """With a catalog of some hundreds of items the server's own choice (`plan_cache_mode =
    auto`) made a custom plan of `checkout_read`'s query on every call: planning it cost more
    than running it (migration 0017). After the first calls its plan is the generic one, with
    the cart's ids as parameters, not as literal values. auto_explain, a contrib module,
    prints the plans; a server without it cannot show them."""
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    conn = psycopg2.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    conn.autocommit = True
    try:
        cur = conn.cursor()
        try:
            cur.execute("LOAD 'auto_explain'")
        except psycopg2.errors.UndefinedFile:
            pytest.skip("this server has no auto_explain")
        for table in ("courses", "digital_products"):
            cur.execute(
                f"INSERT INTO {table} (slug, title, price)"
                " SELECT 'item-' || n, 'Item', 10 FROM generate_series(1, 1000) n"
            )
        cur.execute("SELECT id FROM courses LIMIT 1")
        course = str(cur.fetchone()[0])
        cur.execute(
            "INSERT INTO events (slug, title, price, capacity, starts_at, venue)"
            " VALUES ('e', 'Event', 15, 100, now() + interval '30 days', 'Hall') RETURNING id"
        )
        event = str(cur.fetchone()[0])
        cur.execute("ANALYZE")
        cur.execute("SET plan_cache_mode = auto")
        for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
            cur.execute(f"SET auto_explain.{setting}")
        for _ in range(8):
            del conn.notices[:]
            read(cur, uuid.uuid4().hex, course, event)
    finally:
        conn.close()
    plans = [n for n in conn.notices if "courses_pkey" in n]
    assert len(plans) == 1
    assert "id = ANY ($3)" in plans[0], plans[0]
    assert course not in plans[0]
