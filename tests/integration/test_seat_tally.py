"""Each event's tally of confirmed seats (migration 0014) follows every write to bookings.

The checkout counts an event's seats as the tally plus the pending bookings within their hold;
a tally that drifted would oversell or refuse seats that are free. Statement triggers keep it,
so any writer is covered: the webhooks, refunds, the back office, a CLI, a hand-written
statement. Each step below is a different kind of statement, and the tallies must equal a
recount of the confirmed bookings after every one.
"""

from __future__ import annotations

import psycopg2
import pytest
from alembic import command
from sqlalchemy import make_url

from ..conftest import alembic_config

RECOUNT = """
SELECT e.slug, e.seats_confirmed,
       (SELECT coalesce(sum(b.attendees), 0) FROM bookings b
         WHERE b.event_id = e.id AND b.status = 'confirmed'),
       e.seats_pending,
       (SELECT coalesce(sum(b.attendees), 0) FROM bookings b
         WHERE b.event_id = e.id AND b.status = 'pending')
  FROM events e ORDER BY e.slug
"""


@pytest.fixture
def shop(make_database):
    """A migrated database of its own with events a, b and c, and an autocommit connection."""
    url = make_database()
    command.upgrade(alembic_config(url), "head")
    conn = psycopg2.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO events (slug, title, price, capacity, starts_at, venue)"
        " SELECT s, 'Event', 15, 100, now() + interval '30 days', 'Hall'"
        " FROM unnest(ARRAY['a', 'b', 'c']) s"
    )
    try:
        yield cur
    finally:
        conn.close()


def tallies(cur) -> dict[str, int]:
    """Each event's tally of confirmed seats, after checking both its tallies (confirmed and
    pending, migration 0016) against a recount."""
    cur.execute(RECOUNT)
    rows = cur.fetchall()
    assert [(slug, confirmed, pending) for slug, confirmed, _, pending, _ in rows] == [
        (slug, confirmed, pending) for slug, _, confirmed, _, pending in rows
    ]
    return {row[0]: row[1] for row in rows}


def pending(cur) -> dict[str, int]:
    """Each event's tally of pending seats (checked by tallies())."""
    tallies(cur)
    cur.execute("SELECT slug, seats_pending FROM events ORDER BY slug")
    return dict(cur.fetchall())


def book(cur, slug: str, attendees: int, status: str, tag: int) -> None:
    """A booking of event `slug`; `tag`, its total price, tells it apart."""
    cur.execute(
        "INSERT INTO bookings (event_id, attendees, total_price, status)"
        " SELECT id, %s, %s, %s FROM events WHERE slug = %s",
        [attendees, tag, status, slug],
    )


def test_the_tally_follows_every_kind_of_write(shop):
    cur = shop
    assert tallies(cur) == {"a": 0, "b": 0, "c": 0}

    # One statement inserting bookings of several events, some of them confirmed.
    cur.execute(
        "INSERT INTO bookings (event_id, attendees, total_price, status)"
        " SELECT e.id, v.n, v.tag, v.status::booking_status"
        " FROM (VALUES ('a', 2, 'confirmed', 1), ('b', 3, 'pending', 1),"
        "              ('b', 4, 'confirmed', 2), ('c', 1, 'cancelled', 2)) v(slug, n, status, tag)"
        " JOIN events e ON e.slug = v.slug"
    )
    assert tallies(cur) == {"a": 2, "b": 4, "c": 0}
    assert pending(cur) == {"a": 0, "b": 3, "c": 0}

    # A payment: pending -> confirmed.
    cur.execute("UPDATE bookings SET status = 'confirmed' WHERE total_price = 1")
    assert tallies(cur) == {"a": 2, "b": 7, "c": 0}
    assert pending(cur) == {"a": 0, "b": 0, "c": 0}

    # A partial refund: fewer attendees on a confirmed booking.
    cur.execute("UPDATE bookings SET attendees = 1 WHERE attendees = 4 AND status = 'confirmed'")
    assert tallies(cur) == {"a": 2, "b": 4, "c": 0}

    # A booking moved to another event, and one cancelled, in one statement.
    cur.execute(
        "UPDATE bookings SET"
        " event_id = CASE WHEN attendees = 2 THEN (SELECT id FROM events WHERE slug = 'c')"
        "                 ELSE event_id END,"
        " status = CASE WHEN attendees = 3 THEN 'cancelled'::booking_status ELSE status END"
        " WHERE status = 'confirmed'"
    )
    assert tallies(cur) == {"a": 0, "b": 1, "c": 2}

    # An update that changes no confirmed seats (the holder copies of migration 0010).
    cur.execute("UPDATE bookings SET holder_email = 'someone@example.com'")
    assert tallies(cur) == {"a": 0, "b": 1, "c": 2}

    # A reopened order: cancelled -> confirmed; then a delete of a confirmed booking.
    book(cur, "a", 5, "cancelled", 3)
    cur.execute("UPDATE bookings SET status = 'confirmed' WHERE total_price = 3")
    assert tallies(cur) == {"a": 5, "b": 1, "c": 2}
    cur.execute("DELETE FROM bookings WHERE event_id = (SELECT id FROM events WHERE slug = 'c')")
    assert tallies(cur) == {"a": 5, "b": 1, "c": 0}

    # A write rolled back leaves the tally as it was.
    cur.execute("BEGIN")
    book(cur, "b", 9, "confirmed", 4)
    cur.execute("ROLLBACK")
    assert tallies(cur) == {"a": 5, "b": 1, "c": 0}

    cur.execute("TRUNCATE bookings")
    assert tallies(cur) == {"a": 0, "b": 0, "c": 0}


def test_the_pending_tally_follows_every_kind_of_write(shop):
    """Holds taken, grown, moved, lapsed, cancelled, paid and deleted (migration 0016)."""
    cur = shop
    book(cur, "a", 2, "pending", 1)
    book(cur, "a", 3, "pending", 2)
    book(cur, "b", 4, "pending", 3)
    assert pending(cur) == {"a": 5, "b": 4, "c": 0}

    # A hold that lapses stays in the tally (the seat count takes it off) until it is settled.
    cur.execute("UPDATE bookings SET held_until = now() - interval '1 minute'")
    assert pending(cur) == {"a": 5, "b": 4, "c": 0}

    # More attendees on a hold, and a hold moved to another event, in one statement.
    cur.execute(
        "UPDATE bookings SET"
        " attendees = CASE WHEN total_price = 1 THEN 6 ELSE attendees END,"
        " event_id = CASE WHEN total_price = 3 THEN (SELECT id FROM events WHERE slug = 'c')"
        "                 ELSE event_id END"
    )
    assert pending(cur) == {"a": 9, "b": 0, "c": 4}

    # Settled: one cancelled, one paid (it moves to the confirmed tally), one deleted.
    cur.execute("UPDATE bookings SET status = 'cancelled' WHERE total_price = 1")
    cur.execute("UPDATE bookings SET status = 'confirmed' WHERE total_price = 2")
    assert pending(cur) == {"a": 0, "b": 0, "c": 4}
    assert tallies(cur) == {"a": 3, "b": 0, "c": 0}
    cur.execute("DELETE FROM bookings WHERE total_price = 3")
    assert pending(cur) == {"a": 0, "b": 0, "c": 0}


def test_the_recount_sees_seats_sold_held_and_freed(shop):
    """The checkout's recount (checkout_hold_seats) on event a, 100 seats, 2 wanted."""
    cur = shop
    cur.execute("SELECT id FROM events WHERE slug = 'a'")
    wanted = f'{{"{cur.fetchone()[0]}": 2}}'

    def refusal():
        cur.execute("SELECT checkout_hold_seats(%s::jsonb, NULL, NULL, NULL, 0)", [wanted])
        return cur.fetchone()[0]

    book(cur, "a", 90, "confirmed", 1)
    book(cur, "a", 8, "pending", 2)
    cur.execute("UPDATE bookings SET held_until = now() - interval '1 minute'")
    assert refusal() is None  # 90 sold, 8 whose hold has passed: 10 left
    book(cur, "a", 9, "pending", 3)  # within its hold (no bound)
    assert refusal() == "seats"  # 90 + 9: 1 left
    cur.execute("UPDATE bookings SET status = 'cancelled' WHERE total_price = 3")
    book(cur, "a", 9, "confirmed", 4)
    assert refusal() == "seats"  # 99 sold
    cur.execute("UPDATE bookings SET attendees = 8 WHERE total_price = 4")
    assert refusal() is None  # a refunded seat: 98 sold
