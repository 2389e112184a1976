"""The checkout's hot-path SQL: catalog entries, seat counts, open checkouts, superseding."""

from __future__ import annotations

from sqlalchemy import text

# The checkout's hot-path reads are written once as SQL: built per call with the expression
# language they cost several times their round trip in Python (cache keys, coercions).
# A confirmed booking holds its seats for good, a pending one until its order's
# seats_held_until (models.holds_seats() is the same rule for the ORM).
_HOLDS = """(b.status = 'confirmed' OR (b.status = 'pending'
          AND (o.seats_held_until IS NULL OR o.seats_held_until > now())))"""
_SEATS_TAKEN = f"""
    (SELECT coalesce(sum(b.attendees), 0) FROM bookings b LEFT JOIN orders o ON o.id = b.order_id
     WHERE b.event_id = e.id AND {_HOLDS}
       AND (b.order_id IS NULL OR b.order_id <> ALL(CAST(:excluding AS uuid[]))))"""
# Seats of the event one client holds unpaid: its session, its email or its address.
_HELD_BY_CLIENT = """
    (SELECT coalesce(sum(b.attendees), 0) FROM bookings b JOIN orders o ON o.id = b.order_id
     WHERE b.event_id = e.id AND b.status = 'pending' AND o.status = 'pending'
       AND (o.seats_held_until IS NULL OR o.seats_held_until > now())
       AND o.id <> ALL(CAST(:excluding AS uuid[]))
       AND (o.cart_session_hash = :holder_session
            OR lower(o.customer_email) = lower(:holder_email)
            OR o.client_address_hash = :holder_address))"""
CATALOG_ENTRIES = text(
    f"""
    SELECT 'course' AS item_type, id, title, price, is_active AS for_sale,
           NULL::integer AS seats_left, NULL::timestamptz AS starts_at, NULL::text AS venue,
           0 AS held_by_holder
      FROM courses WHERE id = ANY(CAST(:course_ids AS uuid[]))
    UNION ALL
    SELECT 'digital_product', id, title, price, is_active, NULL::integer, NULL, NULL, 0
      FROM digital_products WHERE id = ANY(CAST(:product_ids AS uuid[]))
    UNION ALL
    SELECT 'event', e.id, e.title, e.price, e.is_active AND e.starts_at > now(),
           (e.capacity - {_SEATS_TAKEN})::integer, e.starts_at, e.venue,
           {_HELD_BY_CLIENT}::integer
      FROM events e WHERE e.id = ANY(CAST(:event_ids AS uuid[]))"""
)
# Lock in id order so two checkouts sharing events never deadlock.
LOCK_EVENTS = text(
    "SELECT id FROM events WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id FOR UPDATE"
)
SEATS_LEFT = text(
    f"""
    SELECT e.id, (e.capacity - {_SEATS_TAKEN})::integer, {_HELD_BY_CLIENT}::integer
      FROM events e
     WHERE e.id = ANY(CAST(:ids AS uuid[])) AND e.is_active AND e.starts_at > now()"""
)
OPEN_CHECKOUTS = text(
    """
    SELECT id, checkout_fingerprint, stripe_checkout_session_id, stripe_checkout_url,
           stripe_session_expires_at, seats_held_until
      FROM orders
     WHERE cart_session_hash = :cart_hash AND status = 'pending' AND NOT awaiting_payment
     ORDER BY created_at DESC"""
)
USER_EXISTS = text("SELECT 1 FROM users WHERE id = :id")
SUPERSEDE = text(
    """
    WITH cancelled AS (
        UPDATE orders SET status = 'cancelled', cancelled_at = now(), updated_at = now()
         WHERE id = ANY(CAST(:ids AS uuid[])) AND status = 'pending' AND NOT awaiting_payment
        RETURNING id),
    logged AS (
        INSERT INTO audit_log (order_id, actor, action, detail)
        SELECT id, 'system', 'order.status_changed',
               '{"from": "pending", "to": "cancelled", "reason": "superseded"}'::jsonb
          FROM cancelled)
    SELECT id FROM cancelled"""
)
