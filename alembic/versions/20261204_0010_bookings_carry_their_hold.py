"""Bookings carry their order's hold and holder: seats are counted without reading orders.

Counting an event's seats read, for each of its bookings, the order behind it (its
seats_held_until, and for SEAT_HOLD_LIMIT its session, email and address): a primary-key
lookup per booking, on every checkout, twice. The booking now carries copies of those four
order columns, kept by triggers (orders stay the one place they are written: a booking copies
them when it is inserted, and an order that changes them passes the change on), and a covering
index over the bookings that take seats lets the count read that index alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = ("held_until", "holder_session", "holder_email", "holder_address")

COPY_ON_INSERT = """
CREATE OR REPLACE FUNCTION bookings_copy_hold() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    SELECT o.seats_held_until, o.cart_session_hash, lower(o.customer_email),
           o.client_address_hash
      INTO NEW.held_until, NEW.holder_session, NEW.holder_email, NEW.holder_address
      FROM orders o WHERE o.id = NEW.order_id;
    RETURN NEW;
END
$fn$
"""
PASS_ON_UPDATE = """
CREATE OR REPLACE FUNCTION orders_pass_hold_on() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE bookings
       SET held_until = NEW.seats_held_until, holder_session = NEW.cart_session_hash,
           holder_email = lower(NEW.customer_email), holder_address = NEW.client_address_hash
     WHERE order_id = NEW.id;
    RETURN NULL;
END
$fn$
"""
EVENT_SEATS = """
CREATE OR REPLACE FUNCTION checkout_event_seats(
    p_event uuid, p_excluding uuid[], p_session text, p_email text, p_address text,
    OUT taken integer, OUT held integer)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    -- One pass over the index of the event's bookings that take seats. `taken`: confirmed
    -- bookings hold their seats for good, pending ones until their order's seats_held_until
    -- (copied onto the booking). `held`: the unpaid seats one client holds (its session, its
    -- email or its address), for SEAT_HOLD_LIMIT. Bookings of p_excluding (the orders a new
    -- checkout supersedes) count for neither.
    SELECT coalesce(sum(b.attendees) FILTER (
               WHERE b.status = 'confirmed' OR b.held_until IS NULL OR b.held_until > now()), 0),
           coalesce(sum(b.attendees) FILTER (
               WHERE b.status = 'pending'
                 AND (b.held_until IS NULL OR b.held_until > now())
                 AND (b.holder_session = p_session OR b.holder_email = lower(p_email)
                      OR b.holder_address = p_address)), 0)
      INTO taken, held
      FROM bookings b
     WHERE b.event_id = p_event AND b.status IN ('confirmed', 'pending')
       AND (b.order_id IS NULL OR b.order_id <> ALL(p_excluding));
END
$fn$
"""
# As migration 0009 wrote it, for the downgrade.
EVENT_SEATS_0009 = """
CREATE OR REPLACE FUNCTION checkout_event_seats(
    p_event uuid, p_excluding uuid[], p_session text, p_email text, p_address text,
    OUT taken integer, OUT held integer)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    SELECT coalesce(sum(b.attendees) FILTER (WHERE b.status = 'confirmed' OR o.live), 0),
           coalesce(sum(b.attendees) FILTER (WHERE o.live AND o.pending AND o.holder), 0)
      INTO taken, held
      FROM bookings b
      LEFT JOIN LATERAL (
            SELECT o.seats_held_until IS NULL OR o.seats_held_until > now() AS live,
                   o.status = 'pending' AS pending,
                   coalesce(o.cart_session_hash = p_session
                            OR lower(o.customer_email) = lower(p_email)
                            OR o.client_address_hash = p_address, false) AS holder
              FROM orders o
             WHERE o.id = b.order_id AND b.status = 'pending'
            OFFSET 0) o ON true
     WHERE b.event_id = p_event AND b.status IN ('confirmed', 'pending')
       AND (b.order_id IS NULL OR b.order_id <> ALL(p_excluding));
END
$fn$
"""


def upgrade() -> None:
    op.add_column("bookings", sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("bookings", sa.Column("holder_session", sa.String(length=64), nullable=True))
    op.add_column("bookings", sa.Column("holder_email", sa.String(length=254), nullable=True))
    op.add_column("bookings", sa.Column("holder_address", sa.String(length=64), nullable=True))
    op.execute(
        """
        UPDATE bookings b
           SET held_until = o.seats_held_until, holder_session = o.cart_session_hash,
               holder_email = lower(o.customer_email), holder_address = o.client_address_hash
          FROM orders o
         WHERE o.id = b.order_id"""
    )
    op.execute(COPY_ON_INSERT)
    op.execute(
        "CREATE TRIGGER bookings_copy_hold BEFORE INSERT ON bookings"
        " FOR EACH ROW EXECUTE FUNCTION bookings_copy_hold()"
    )
    op.execute(PASS_ON_UPDATE)
    op.execute(
        "CREATE TRIGGER orders_pass_hold_on AFTER UPDATE OF seats_held_until, cart_session_hash,"
        " customer_email, client_address_hash ON orders FOR EACH ROW"
        " WHEN (OLD.seats_held_until IS DISTINCT FROM NEW.seats_held_until"
        " OR OLD.cart_session_hash IS DISTINCT FROM NEW.cart_session_hash"
        " OR OLD.customer_email IS DISTINCT FROM NEW.customer_email"
        " OR OLD.client_address_hash IS DISTINCT FROM NEW.client_address_hash)"
        " EXECUTE FUNCTION orders_pass_hold_on()"
    )
    op.create_index(
        "ix_bookings_taking_seats",
        "bookings",
        ["event_id"],
        postgresql_include=["status", "attendees", "order_id", *COPIED],
        postgresql_where=sa.text("status IN ('pending', 'confirmed')"),
    )
    op.execute(EVENT_SEATS)


def downgrade() -> None:
    op.execute(EVENT_SEATS_0009)
    op.drop_index("ix_bookings_taking_seats", table_name="bookings")
    op.execute("DROP TRIGGER orders_pass_hold_on ON orders")
    op.execute("DROP FUNCTION orders_pass_hold_on()")
    op.execute("DROP TRIGGER bookings_copy_hold ON bookings")
    op.execute("DROP FUNCTION bookings_copy_hold()")
    for column in reversed(COPIED):
        op.drop_column("bookings", column)
