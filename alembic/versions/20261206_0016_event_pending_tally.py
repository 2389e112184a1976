"""Each event also tallies its pending seats: a seat count no longer reads every unpaid hold.

After 0014 a seat count read the event's pending bookings within their hold, twice per
checkout (the read, and the recount under the event's lock). Every checkout leaves one, so the
count grew with the unpaid holds: measured on one connection, 20 events, PostgreSQL's CPU per
checkout (read + write) went from 0.9 ms with no holds to 2.0 ms with 250 per event, and during
a sale with thousands of shoppers holding seats of one concert every checkout of it read them
all, under the event's lock.

`events.seats_pending` is the sum of the attendees of the event's pending bookings, whatever
their hold, kept by the same statement triggers as `seats_confirmed` (one function now keeps
both). A count is the two tallies, less what the tally still holds that no longer takes seats:
- the pending bookings whose hold has passed (`held_until <= now()`), until the sweeper
  (`expire-stale-orders`) settles their order: read through an index of the pending
  bookings' held_until, so only the lapsed ones are read;
- the bookings of the orders a new checkout supersedes, read by their order id.
What one client holds (SEAT_HOLD_LIMIT) is read through one index of the pending bookings per
holder column: the client's own holds, which the limit keeps few.

The rule "which bookings take seats" is unchanged (models.holds_seats() is the same for the
ORM), and so is the lock order: a statement's changes are applied to the events in id order.
A checkout now writes its events' rows (the pending tally), which it already holds locked;
one that supersedes open checkouts now locks their events together with its own, in id
order, before it cancels them (their pending tallies change too).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:40:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A statement's change of confirmed and of pending seats per event, from its transition
# tables (a table is named only in the branch of the statements that have it).
_CHANGES = {
    "INSERT": "SELECT n.event_id, n.status, n.attendees AS seats FROM new_rows n",
    "DELETE": "SELECT o.event_id, o.status, -o.attendees AS seats FROM old_rows o",
    "UPDATE": "SELECT n.event_id, n.status, n.attendees AS seats FROM new_rows n"
    " UNION ALL SELECT o.event_id, o.status, -o.attendees FROM old_rows o",
}
_PER_EVENT = """
        SELECT array_agg(c.event_id ORDER BY c.event_id),
               array_agg(c.confirmed ORDER BY c.event_id),
               array_agg(c.pending ORDER BY c.event_id)
          INTO v_events, v_confirmed, v_pending
          FROM (SELECT u.event_id,
                       coalesce(sum(u.seats) FILTER (WHERE u.status = 'confirmed'), 0) AS confirmed,
                       coalesce(sum(u.seats) FILTER (WHERE u.status = 'pending'), 0) AS pending
                  FROM ({changes}) u
                 WHERE u.status IN ('confirmed', 'pending')
                 GROUP BY u.event_id) c
         WHERE c.confirmed <> 0 OR c.pending <> 0;"""

TALLY = f"""
CREATE OR REPLACE FUNCTION bookings_tally() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
    v_events uuid[];
    v_confirmed bigint[];
    v_pending bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE events SET seats_confirmed = 0, seats_pending = 0
         WHERE seats_confirmed <> 0 OR seats_pending <> 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN{_PER_EVENT.format(changes=_CHANGES["INSERT"])}
    ELSIF TG_OP = 'DELETE' THEN{_PER_EVENT.format(changes=_CHANGES["DELETE"])}
    ELSE{_PER_EVENT.format(changes=_CHANGES["UPDATE"])}
    END IF;
    -- In event id order: a checkout locks its events in that order too, so the two never
    -- wait for each other in a cycle.
    FOR i IN 1 .. coalesce(cardinality(v_events), 0) LOOP
        UPDATE events
           SET seats_confirmed = seats_confirmed + v_confirmed[i],
               seats_pending = seats_pending + v_pending[i]
         WHERE id = v_events[i];
    END LOOP;
    RETURN NULL;
END
$fn$
"""

EVENT_SEATS = """
CREATE OR REPLACE FUNCTION checkout_event_seats(
    p_event uuid, p_excluding uuid[], p_session text, p_email text, p_address text,
    OUT taken integer, OUT held integer)
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $fn$
DECLARE
    v_lapsed integer;
    v_superseded integer := 0;
    v_order uuid;
    v_email text := lower(p_email);
BEGIN
    -- `taken`: the event's confirmed seats and its pending bookings until their order's
    -- seats_held_until (copied onto the booking), except those of p_excluding (the orders a
    -- new checkout supersedes). The tallies hold every pending booking: the lapsed ones and
    -- the superseded ones are read and taken off.
    --
    -- Each lookup below can be planned through one index only, whatever the statistics
    -- say: it names the one column its index is on, picks the event out with FILTER rather
    -- than WHERE, and asks for pending bookings as `(status = 'pending') IS TRUE`, as the
    -- indexes' predicates do: (event_id, status) serves neither form, so it is never scanned
    -- whole for them.
    SELECT e.seats_confirmed + e.seats_pending INTO taken FROM events e WHERE e.id = p_event;
    -- The lapsed holds of every event: the sweeper (expire-stale-orders) keeps them few.
    SELECT coalesce(sum(b.attendees) FILTER (WHERE b.event_id = p_event), 0) INTO v_lapsed
      FROM bookings b
     WHERE (b.status = 'pending') IS TRUE AND b.held_until <= now();
    -- One order at a time: `order_id = ANY(...)` of an array of unknown length was planned
    -- through (event_id, status) scanned whole.
    FOREACH v_order IN ARRAY p_excluding LOOP
        v_superseded := v_superseded + (
            SELECT coalesce(sum(b.attendees) FILTER (WHERE b.event_id = p_event), 0)
              FROM bookings b
             WHERE b.order_id = v_order AND (b.status = 'pending') IS TRUE
               AND (b.held_until IS NULL OR b.held_until > now()));
    END LOOP;
    taken := coalesce(taken, 0) - v_lapsed - v_superseded;
    -- `held`: the unpaid seats one client holds (its session, its email or its address), for
    -- SEAT_HOLD_LIMIT: its holds of every event (the limit keeps them few), each counted once.
    held := 0;
    IF p_session IS NOT NULL OR p_email IS NOT NULL OR p_address IS NOT NULL THEN
        SELECT coalesce(sum(h.attendees) FILTER (WHERE h.event_id = p_event), 0) INTO held
          FROM (SELECT b.id, b.event_id, b.attendees, b.held_until, b.order_id FROM bookings b
                 WHERE b.holder_session = p_session AND (b.status = 'pending') IS TRUE
                UNION
                SELECT b.id, b.event_id, b.attendees, b.held_until, b.order_id FROM bookings b
                 WHERE b.holder_email = v_email AND (b.status = 'pending') IS TRUE
                UNION
                SELECT b.id, b.event_id, b.attendees, b.held_until, b.order_id FROM bookings b
                 WHERE b.holder_address = p_address AND (b.status = 'pending') IS TRUE) h
         WHERE (h.held_until IS NULL OR h.held_until > now())
           AND (h.order_id IS NULL OR h.order_id <> ALL(p_excluding));
    END IF;
END
$fn$
"""

# Added to 0013's checkout_place_order, before it cancels the superseded orders.
LOCK_FIRST = """
    -- The events whose rows this write changes, locked in id order before any of them: the
    -- superseded orders' (their pending tallies) and the cart's (its seats). Taken as each
    -- statement reached them, the superseded orders' first, two checkouts could each hold
    -- an event the other waits for.
    IF cardinality(p_superseded) > 0 THEN
        PERFORM 1 FROM events e
          WHERE e.id IN (SELECT b.event_id FROM bookings b
                          WHERE b.order_id = ANY(p_superseded)
                            AND (b.status = 'pending') IS TRUE
                         UNION
                         SELECT i.event_id FROM jsonb_to_recordset(p_items) AS i(event_id uuid)
                          WHERE i.event_id IS NOT NULL)
          ORDER BY e.id FOR UPDATE;
    END IF;
"""

# The pending bookings' indexes a seat count reads, one per column, over the bookings that have
# it set: each lookup implies the predicate of its own index only, so that no other lookup can
# scan it whole (on a table without statistics the planner's choice between indexes whose
# predicate a query implies is a coin toss, see migration 0015).
INDEXED = ("held_until", "holder_session", "holder_email", "holder_address")
PREDICATE = "(status = 'pending') IS TRUE AND {column} IS NOT NULL"
TRIGGERS = {
    "insert": "AFTER INSERT ON bookings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    "update": "AFTER UPDATE ON bookings"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    "delete": "AFTER DELETE ON bookings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    "truncate": "AFTER TRUNCATE ON bookings FOR EACH STATEMENT",
}


def _migration(filename: str):
    """An earlier migration's module, whose definitions the downgrade restores."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _place_order() -> str:
    """0013's checkout_place_order with LOCK_FIRST, planned by index as 0015 left it."""
    definition = _migration("20261205_0013_lookups_by_index.py").PLACE_ORDER
    superseding = "    FOREACH v_superseded IN ARRAY coalesce(p_superseded, '{}') LOOP\n"
    language = "RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$"
    assert superseding in definition and language in definition
    return definition.replace(superseding, LOCK_FIRST.lstrip("\n") + superseding).replace(
        language, "RETURNS void LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$"
    )


def _triggers(function: str) -> None:
    """The four statement triggers of bookings, calling `function`."""
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS bookings_tally_{name} ON bookings")
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER bookings_tally_{name} {when} EXECUTE FUNCTION {function}()")


def upgrade() -> None:
    # Every checkout writes `bookings`: its indexes are built CONCURRENTLY, outside the
    # migration's transaction, so checkouts go on meanwhile.
    with op.get_context().autocommit_block():
        for column in INDEXED:
            op.create_index(
                f"ix_bookings_pending_{column}",
                "bookings",
                [column],
                postgresql_where=sa.text(PREDICATE.format(column=column)),
                postgresql_concurrently=True,
            )
    op.add_column(
        "events",
        sa.Column("seats_pending", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.execute(TALLY)
    # The new triggers exist before the tallies are filled, and replacing them locks out
    # every write to bookings until this transaction ends: no booking is missed or counted
    # twice.
    _triggers("bookings_tally")
    op.execute("DROP FUNCTION bookings_tally_confirmed()")
    op.execute(
        """UPDATE events e
              SET seats_pending = t.seats
             FROM (SELECT b.event_id, sum(b.attendees) AS seats
                     FROM bookings b WHERE b.status = 'pending' GROUP BY b.event_id) t
            WHERE e.id = t.event_id"""
    )
    op.execute(EVENT_SEATS)
    op.execute(_place_order())


def downgrade() -> None:
    previous = _migration("20261205_0014_event_seat_tally.py")
    op.execute(previous.TALLY)
    op.execute(previous.EVENT_SEATS)
    op.execute(_migration("20261205_0013_lookups_by_index.py").PLACE_ORDER)
    for function in (
        "bookings_tally_confirmed()",
        "checkout_event_seats(uuid, uuid[], text, text, text)",
        "checkout_place_order(jsonb, jsonb, uuid[], text, text, text, integer)",
    ):
        op.execute(f"ALTER FUNCTION {function} SET enable_seqscan = off")  # as 0015 left them
    _triggers("bookings_tally_confirmed")
    op.execute("DROP FUNCTION bookings_tally()")
    op.drop_column("events", "seats_pending")
    with op.get_context().autocommit_block():
        for column in INDEXED:
            op.drop_index(
                f"ix_bookings_pending_{column}", table_name="bookings", postgresql_concurrently=True
            )
