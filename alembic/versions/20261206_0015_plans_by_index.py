"""The checkout's functions plan by index, whatever the statistics said when a connection
cached the plan.

PL/pgSQL (and the foreign-key checks its inserts fire) cache each statement's plan per
connection. A plan made while the statistics say a table is empty or tiny (a new shop; or any
shop on a server with autovacuum off, whose tables were analyzed once while small) reads the
table whole, and a pooled connection keeps that plan as the shop grows. Migration 0013 gave the
open-checkout lookup an index that wins on tables never analyzed; it does not win against
"this table is empty". Measured on one connection, tables analyzed empty, then 4,000 orders:
`checkout_read` took 2.7 ms (0.46 ms on a new connection): the cart-hash lookup and the
open-checkout rows were sequential scans of `orders`, the seat count one of `bookings`. Under
`make bench` the 3-line checkout made 9 sequential scans of `orders` and 3 of `bookings`, and
PostgreSQL's CPU per checkout grew through the run.

Each function below now runs with `enable_seqscan = off`: a statement that has an index to
use plans with it, whatever size the statistics give; a statement that has none still runs
(the planner only penalises the scan). The setting holds for everything planned while the
function runs, including the foreign-key checks of its inserts and the triggers they fire.
It costs 2-3 microseconds a call.

CREATE OR REPLACE FUNCTION drops a function's SET clauses: a migration that redefines one of
these functions must keep `SET enable_seqscan = off` (PLANNED_BY_INDEX lists them).

A partial index whose predicate the checkout's lookup implies can still be scanned whole: on a
table never analyzed, the pending orders' `seats_held_until` index costs the same as the
cart-hash one, and the server's own plan choice (custom plans, then generic) took it for the
open checkouts' rows: every pending order, on every checkout. No index of `orders` whose
predicate is only "pending" is left for it to take:
- `ix_orders_pending_seats_held_until` now also requires `seats_held_until IS NOT NULL`, which
  its one reader (the sweeper: `seats_held_until <= now`) implies and the checkout does not;
- `ix_orders_pending_created_at` is dropped: the sweeper's pending orders by age and the back
  office's pending list read `ix_orders_status_created_at_id` (status, created_at, id) in the
  same order. One index entry fewer per order written.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every function of the checkout, of its triggers and of the commit deadline that reads a
# table which grows with sales.
PLANNED_BY_INDEX = (
    "checkout_read(text, uuid, uuid[], uuid[], uuid[], text, text, text)",
    "checkout_event_seats(uuid, uuid[], text, text, text)",
    "checkout_hold_seats(jsonb, text, text, text, integer)",
    "checkout_place_order(jsonb, jsonb, uuid[], text, text, text, integer)",
    "checkout_place_order(jsonb, jsonb, uuid[], text, text, text, integer, double precision)",
    "bookings_copy_hold()",
    "orders_pass_hold_on()",
    "bookings_tally_confirmed()",
    "check_commit_deadline()",
)

PENDING = "status = 'pending'"
HELD_UNTIL = "status = 'pending' AND seats_held_until IS NOT NULL"
HELD_UNTIL_INDEX = "ix_orders_pending_seats_held_until"
CREATED_AT_INDEX = "ix_orders_pending_created_at"


def upgrade() -> None:
    for function in PLANNED_BY_INDEX:
        op.execute(f"ALTER FUNCTION {function} SET enable_seqscan = off")
    # `orders` is the table every checkout writes: its indexes are built and dropped
    # CONCURRENTLY (outside the migration's transaction), so checkouts go on meanwhile.
    with op.get_context().autocommit_block():
        _rebuild_held_until_index(HELD_UNTIL)
        op.drop_index(CREATED_AT_INDEX, table_name="orders", postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            CREATED_AT_INDEX,
            "orders",
            ["created_at"],
            postgresql_where=sa.text(PENDING),
            postgresql_concurrently=True,
        )
        _rebuild_held_until_index(PENDING)
    for function in PLANNED_BY_INDEX:
        op.execute(f"ALTER FUNCTION {function} RESET enable_seqscan")


def _rebuild_held_until_index(where: str) -> None:
    """HELD_UNTIL_INDEX again with the predicate `where`: the new one is built beside the old
    one, so the sweeper always has one to read."""
    op.create_index(
        "ix_orders_held_until",
        "orders",
        ["seats_held_until"],
        postgresql_where=sa.text(where),
        postgresql_concurrently=True,
    )
    op.drop_index(HELD_UNTIL_INDEX, table_name="orders", postgresql_concurrently=True)
    op.execute(f"ALTER INDEX ix_orders_held_until RENAME TO {HELD_UNTIL_INDEX}")
