"""A transaction can carry a deadline that its COMMIT checks: nothing commits after the app
gave up on it.

The app stops waiting for a statement after the statement timeout plus a margin and answers
503; a frozen server keeps the COMMIT in its socket and, thawed, used to commit anyway (a refund
recorded after staff were told it failed, and asked again). A unit of work now writes its
deadline, in the server's clock, into `commit_deadlines` just before it commits; a deferred
constraint trigger checks it at COMMIT, raises SQLSTATE CKD01 past it (the transaction rolls
back) and otherwise deletes the row again, so the (unlogged) table stays empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = """
CREATE OR REPLACE FUNCTION check_commit_deadline() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF extract(epoch FROM clock_timestamp()) > NEW.deadline THEN
        RAISE EXCEPTION 'the caller stopped waiting for this transaction'
            USING ERRCODE = 'CKD01';
    END IF;
    DELETE FROM commit_deadlines WHERE txid = NEW.txid;
    RETURN NULL;
END
$fn$
"""


def upgrade() -> None:
    op.execute(
        "CREATE UNLOGGED TABLE commit_deadlines ("
        " txid bigint PRIMARY KEY DEFAULT txid_current(),"
        " deadline double precision NOT NULL)"
    )
    op.execute(CHECK)
    op.execute(
        "CREATE CONSTRAINT TRIGGER commit_deadline AFTER INSERT ON commit_deadlines"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_commit_deadline()"
    )


def downgrade() -> None:
    op.execute("DROP TABLE commit_deadlines")
    op.execute("DROP FUNCTION check_commit_deadline()")
