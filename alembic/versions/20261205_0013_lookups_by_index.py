"""The checkout's lookups of orders use an index, whatever plan a connection cached.

PL/pgSQL caches each statement's plan per connection and may settle on one generic plan. A
pooled connection that first planned the checkout while `orders` was small (a new shop, or any
shop on a server with autovacuum off, whose tables are never analyzed) kept plans that read
every order on every checkout:
- the open checkouts' rows, looked up with `id = ANY(v_open)`: a sequential scan of `orders`;
- the open checkouts by cart hash, through the pending orders' `seats_held_until` index, as
  good as the cart-hash one by the estimates of an empty table: every pending order;
- superseding, `UPDATE ... WHERE id = ANY(...)`: a sequential scan of `orders`, and the
  bookings' update joined to it, of `bookings`.
Measured on one connection making 3-line checkouts from an empty shop: `checkout_read` cost
0.4 ms of PostgreSQL CPU at first and 2.6-2.9 ms by 4,000 orders (0.5-0.8 ms after this).

Now the cart-hash index has exactly the open-checkout predicate (the one index that matches
it best, with or without statistics), the read takes the open checkouts' rows from it, and a
superseded order is cancelled by primary key, one at a time. The page of an emptied cart,
which shows the cart's last order of any status, had no index at all: it gets
(cart_session_hash, created_at). The pending orders' email and address indexes of 0008 have
had no reader since 0010 (bookings carry their holder): dropped, two index entries fewer per
order. Indexes on `orders`, the table every checkout writes, are built and dropped
CONCURRENTLY, so a shop's checkouts go on during the migration.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status = 'pending' AND NOT awaiting_payment"

READ = """
CREATE OR REPLACE FUNCTION checkout_read(
    p_cart_hash text, p_user_id uuid, p_courses uuid[], p_products uuid[], p_events uuid[],
    p_session text, p_email text, p_address text)
RETURNS TABLE (
    kind text, id uuid, title text, price numeric, for_sale boolean, seats_left integer,
    starts_at timestamptz, venue text, held integer, session_id text, url text,
    expires_at timestamptz, held_until timestamptz, created_at timestamptz)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
DECLARE
    v_open uuid[];
BEGIN
    -- The session's pending orders that are not waiting for a delayed payment: a new
    -- checkout reuses one of them or supersedes them all, so their seats do not count.
    -- Both lookups are by cart hash (ix_orders_open_cart_session_hash); one snapshot serves
    -- the whole function (STABLE), so they see the same orders.
    SELECT coalesce(array_agg(o.id), '{}') INTO v_open
      FROM orders o
     WHERE o.cart_session_hash = p_cart_hash AND o.status = 'pending' AND NOT o.awaiting_payment;
    RETURN QUERY
    SELECT 'open', o.id, o.checkout_fingerprint::text, NULL::numeric, NULL::boolean,
           NULL::integer, NULL::timestamptz, NULL::text, NULL::integer,
           o.stripe_checkout_session_id::text, o.stripe_checkout_url,
           o.stripe_session_expires_at, o.seats_held_until, o.created_at
      FROM orders o
     WHERE o.cart_session_hash = p_cart_hash AND o.status = 'pending' AND NOT o.awaiting_payment
    UNION ALL
    SELECT 'user', u.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
      FROM users u WHERE u.id = p_user_id
    UNION ALL
    SELECT 'course', c.id, c.title::text, c.price, c.is_active, NULL, NULL, NULL, 0,
           NULL, NULL, NULL, NULL, NULL
      FROM courses c WHERE c.id = ANY(p_courses)
    UNION ALL
    SELECT 'digital_product', d.id, d.title::text, d.price, d.is_active, NULL, NULL, NULL, 0,
           NULL, NULL, NULL, NULL, NULL
      FROM digital_products d WHERE d.id = ANY(p_products)
    UNION ALL
    SELECT 'event', e.id, e.title::text, e.price, e.is_active AND e.starts_at > now(),
           e.capacity - s.taken, e.starts_at, e.venue::text, s.held,
           NULL, NULL, NULL, NULL, NULL
      FROM events e
     CROSS JOIN LATERAL checkout_event_seats(e.id, v_open, p_session, p_email, p_address) s
     WHERE e.id = ANY(p_events);
END
$fn$
"""

PLACE_ORDER = """
CREATE OR REPLACE FUNCTION checkout_place_order(
    p_order jsonb, p_items jsonb, p_superseded uuid[],
    p_session text, p_email text, p_address text, p_hold_limit integer)
RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_order uuid := (p_order->>'id')::uuid;
    v_wanted jsonb;
    v_superseded uuid;
    v_cancel boolean;
BEGIN
    -- Nobody may pay for a cart the shopper has since changed: cancel, log, free seats. One
    -- order at a time, found by primary key alone: with its status in the WHERE clause, a
    -- plan made without statistics walked the whole open-checkout index instead.
    FOREACH v_superseded IN ARRAY coalesce(p_superseded, '{}') LOOP
        SELECT o.status = 'pending' AND NOT o.awaiting_payment INTO v_cancel
          FROM orders o WHERE o.id = v_superseded FOR UPDATE;
        IF v_cancel THEN
            UPDATE orders SET status = 'cancelled', cancelled_at = now(), updated_at = now()
             WHERE id = v_superseded;
            INSERT INTO audit_log (order_id, actor, action, detail)
            VALUES (v_superseded, 'system', 'order.status_changed',
                    '{"from": "pending", "to": "cancelled", "reason": "superseded"}'::jsonb);
            UPDATE bookings SET status = 'cancelled', updated_at = now()
             WHERE order_id = v_superseded AND status = 'pending';
        END IF;
    END LOOP;
    SELECT jsonb_object_agg(i.event_id, i.quantity) INTO v_wanted
      FROM jsonb_to_recordset(p_items) AS i(event_id uuid, quantity integer)
     WHERE i.event_id IS NOT NULL;
    IF v_wanted IS NOT NULL THEN
        CASE checkout_hold_seats(v_wanted, p_session, p_email, p_address, p_hold_limit)
            WHEN 'seats' THEN
                RAISE EXCEPTION 'not enough seats left when holding them'
                    USING ERRCODE = 'CKS01';
            WHEN 'hold_limit' THEN
                RAISE EXCEPTION 'seat hold limit reached when holding them'
                    USING ERRCODE = 'CKH01';
            ELSE NULL;
        END CASE;
    END IF;
    INSERT INTO orders (
        id, user_id, customer_email, subtotal, tax, total_amount, currency,
        stripe_checkout_session_id, cart_session_hash, checkout_fingerprint,
        stripe_checkout_url, stripe_session_expires_at, seats_held_until, client_address_hash)
    SELECT o.id, o.user_id, o.customer_email, o.subtotal, o.tax, o.total_amount, o.currency,
           o.stripe_checkout_session_id, o.cart_session_hash, o.checkout_fingerprint,
           o.stripe_checkout_url, o.stripe_session_expires_at, o.seats_held_until,
           o.client_address_hash
      FROM jsonb_to_record(p_order) AS o(
        id uuid, user_id uuid, customer_email text, subtotal numeric, tax numeric,
        total_amount numeric, currency text, stripe_checkout_session_id text,
        cart_session_hash text, checkout_fingerprint text, stripe_checkout_url text,
        stripe_session_expires_at timestamptz, seats_held_until timestamptz,
        client_address_hash text);
    INSERT INTO order_items (
        order_id, item_type, course_id, digital_product_id, event_id, title, price, quantity)
    SELECT v_order, i.item_type, i.course_id, i.digital_product_id, i.event_id, i.title,
           i.price, i.quantity
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS line(item, n),
           jsonb_to_record(line.item) AS i(
               item_type text, course_id uuid, digital_product_id uuid, event_id uuid,
               title text, price numeric, quantity integer)
     ORDER BY line.n;
    INSERT INTO bookings (user_id, event_id, order_id, attendees, total_price)
    SELECT (p_order->>'user_id')::uuid, i.event_id, v_order, i.quantity, i.line_total
      FROM jsonb_to_recordset(p_items) AS i(event_id uuid, quantity integer, line_total numeric)
     WHERE i.event_id IS NOT NULL;
END
$fn$
"""

# 0008's indexes on the pending orders, dropped here: (name, column expression).
UNREAD = (
    ("ix_orders_pending_email", "lower(customer_email)"),
    ("ix_orders_pending_client_address_hash", "client_address_hash"),
)


def _migration_0009():
    """Migration 0009's module, whose function definitions the downgrade restores."""
    path = Path(__file__).with_name("20261204_0009_checkout_functions.py")
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    # `orders` is the table every checkout writes: its indexes are built and dropped
    # CONCURRENTLY (outside the migration's transaction), so checkouts go on meanwhile.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_open_cart_session_hash",
            "orders",
            ["cart_session_hash"],
            postgresql_where=sa.text(OPEN),
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_orders_cart_session_hash_created_at",
            "orders",
            ["cart_session_hash", "created_at"],
            postgresql_concurrently=True,
        )
    op.execute(READ)
    op.execute(PLACE_ORDER)
    with op.get_context().autocommit_block():
        for name in ("ix_orders_pending_cart_session_hash", *(name for name, _ in UNREAD)):
            op.drop_index(name, table_name="orders", postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, column in (*UNREAD, ("ix_orders_pending_cart_session_hash", "cart_session_hash")):
            op.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON orders ({column}) WHERE status = 'pending'"
            )
    previous = _migration_0009()
    op.execute(previous.READ)
    op.execute(previous.PLACE_ORDER)
    with op.get_context().autocommit_block():
        for name in ("ix_orders_cart_session_hash_created_at", "ix_orders_open_cart_session_hash"):
            op.drop_index(name, table_name="orders", postgresql_concurrently=True)
