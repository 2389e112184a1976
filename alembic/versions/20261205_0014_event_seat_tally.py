"""Each event keeps a tally of its confirmed seats: a checkout no longer reads the seats sold.

Counting an event's seats read every booking that takes one (0010's covering index), twice per
checkout, so a checkout cost more with every ticket sold: at a concert with 5,000 tickets sold,
5,000 index entries (and, before a vacuum, 5,000 heap tuples) for every shopper's checkout.

`events.seats_confirmed` is the sum of the attendees of the event's confirmed bookings, kept by
statement triggers on `bookings` (insert, update, delete, truncate) whatever writes them. They
apply a statement's changes to the events in id order, the order in which the checkout locks
them, and touch an event only when its confirmed seats change: a payment, a refund, a lost
dispute, never a checkout. A count is now that tally plus the event's pending bookings still
within their hold, read through (event_id, status): the unpaid holds, which the hold time and
the capacity bound, instead of everything ever sold.

The orders a new checkout supersedes are open (pending, not awaiting payment), and an order's
bookings are confirmed only together with the order itself: they have no confirmed bookings
to leave out of the tally. The rule "which bookings take seats" is unchanged
(models.holds_seats() is the same for the ORM).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:40:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TALLY = """
CREATE OR REPLACE FUNCTION bookings_tally_confirmed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    v_events uuid[];
    v_changes bigint[];
BEGIN
    -- The statement's change of confirmed seats per event. A transition table is named only
    -- in the branch of the statements that have it.
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE events SET seats_confirmed = 0 WHERE seats_confirmed <> 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(c.event_id ORDER BY c.event_id), array_agg(c.seats ORDER BY c.event_id)
          INTO v_events, v_changes
          FROM (SELECT n.event_id, sum(n.attendees) AS seats FROM new_rows n
                 WHERE n.status = 'confirmed' GROUP BY n.event_id) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(c.event_id ORDER BY c.event_id), array_agg(c.seats ORDER BY c.event_id)
          INTO v_events, v_changes
          FROM (SELECT o.event_id, -sum(o.attendees) AS seats FROM old_rows o
                 WHERE o.status = 'confirmed' GROUP BY o.event_id) c;
    ELSE
        SELECT array_agg(c.event_id ORDER BY c.event_id), array_agg(c.seats ORDER BY c.event_id)
          INTO v_events, v_changes
          FROM (SELECT u.event_id, sum(u.seats) AS seats
                  FROM (SELECT n.event_id, n.attendees AS seats FROM new_rows n
                         WHERE n.status = 'confirmed'
                        UNION ALL
                        SELECT o.event_id, -o.attendees FROM old_rows o
                         WHERE o.status = 'confirmed') u
                 GROUP BY u.event_id HAVING sum(u.seats) <> 0) c;
    END IF;
    -- In event id order: a checkout locks its events in that order too, so the two never
    -- wait for each other in a cycle.
    FOR i IN 1 .. coalesce(cardinality(v_events), 0) LOOP
        UPDATE events SET seats_confirmed = seats_confirmed + v_changes[i] WHERE id = v_events[i];
    END LOOP;
    RETURN NULL;
END
$fn$
"""
TRIGGERS = {
    "insert": "AFTER INSERT ON bookings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    "update": "AFTER UPDATE ON bookings"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    "delete": "AFTER DELETE ON bookings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    "truncate": "AFTER TRUNCATE ON bookings FOR EACH STATEMENT",
}

EVENT_SEATS = """
CREATE OR REPLACE FUNCTION checkout_event_seats(
    p_event uuid, p_excluding uuid[], p_session text, p_email text, p_address text,
    OUT taken integer, OUT held integer)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    -- `taken`: the event's confirmed seats (its tally), and its pending bookings until their
    -- order's seats_held_until (copied onto the booking), except those of p_excluding (the
    -- orders a new checkout supersedes). `held`: the unpaid seats one client holds (its
    -- session, its email or its address), for SEAT_HOLD_LIMIT. One pass over the event's
    -- pending bookings within their hold, through (event_id, status).
    SELECT coalesce(sum(b.attendees), 0),
           coalesce(sum(b.attendees) FILTER (
               WHERE b.holder_session = p_session OR b.holder_email = lower(p_email)
                     OR b.holder_address = p_address), 0)
      INTO taken, held
      FROM bookings b
     WHERE b.event_id = p_event AND b.status = 'pending'
       AND (b.held_until IS NULL OR b.held_until > now())
       AND (b.order_id IS NULL OR b.order_id <> ALL(p_excluding));
    taken := taken + coalesce((SELECT e.seats_confirmed FROM events e WHERE e.id = p_event), 0);
END
$fn$
"""


def _migration(filename: str):
    """An earlier migration's module, whose definitions the downgrade restores."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("seats_confirmed", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.execute(TALLY)
    # The triggers exist before the tallies are filled, and creating them locks out every
    # write to bookings until this transaction ends: no booking is missed or counted twice.
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER bookings_tally_{name} {when}"
            " EXECUTE FUNCTION bookings_tally_confirmed()"
        )
    op.execute(
        """UPDATE events e
              SET seats_confirmed = t.seats
             FROM (SELECT b.event_id, sum(b.attendees) AS seats
                     FROM bookings b WHERE b.status = 'confirmed' GROUP BY b.event_id) t
            WHERE e.id = t.event_id"""
    )
    op.execute(EVENT_SEATS)
    # 0010's covering index of every booking taking seats has no reader left.
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_bookings_taking_seats", table_name="bookings", postgresql_concurrently=True
        )


def downgrade() -> None:
    previous = _migration("20261204_0010_bookings_carry_their_hold.py")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_bookings_taking_seats",
            "bookings",
            ["event_id"],
            postgresql_include=["status", "attendees", "order_id", *previous.COPIED],
            postgresql_where=sa.text("status IN ('pending', 'confirmed')"),
            postgresql_concurrently=True,
        )
    op.execute(previous.EVENT_SEATS)
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER bookings_tally_{name} ON bookings")
    op.execute("DROP FUNCTION bookings_tally_confirmed()")
    op.drop_column("events", "seats_confirmed")
