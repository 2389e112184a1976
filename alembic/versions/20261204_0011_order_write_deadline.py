"""The checkout's order write carries a deadline: nothing commits after the app gave up.

A frozen (or badly stalled) PostgreSQL keeps the write in its socket; the app stops waiting
after the statement timeout plus a margin and answers 503, but the thawed server used to run
the write then and commit an order nobody was told of. `statement_timeout` cannot help: it
starts when the server starts the statement. The write now takes the moment the app stops
waiting, less the margin, in the server's own clock (db/engine.py measures the offset per
connection), and raises SQLSTATE CKD01 instead of committing past it.

A new overload: the seven-argument function stays for code deployed before this migration.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_ORDER_BY = """
CREATE OR REPLACE FUNCTION checkout_place_order(
    p_order jsonb, p_items jsonb, p_superseded uuid[],
    p_session text, p_email text, p_address text, p_hold_limit integer,
    p_deadline double precision)
RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    -- p_deadline: epoch seconds, server clock. Checked before the work (nothing is locked for
    -- a caller that is gone) and after it, just before the statement commits.
    IF extract(epoch FROM clock_timestamp()) > p_deadline THEN
        RAISE EXCEPTION 'the caller stopped waiting for this write' USING ERRCODE = 'CKD01';
    END IF;
    PERFORM checkout_place_order(
        p_order, p_items, p_superseded, p_session, p_email, p_address, p_hold_limit);
    IF extract(epoch FROM clock_timestamp()) > p_deadline THEN
        RAISE EXCEPTION 'the caller stopped waiting for this write' USING ERRCODE = 'CKD01';
    END IF;
END
$fn$
"""


def upgrade() -> None:
    op.execute(PLACE_ORDER_BY)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS"
        " checkout_place_order(jsonb, jsonb, uuid[], text, text, text, integer, double precision)"
    )
