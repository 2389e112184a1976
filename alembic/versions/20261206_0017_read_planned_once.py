"""The checkout's read is planned once per connection, not on every call.

PL/pgSQL caches a plan for each statement of a function, but for a statement with parameters
the server chooses on every call between its generic plan and a custom plan made for that
call's values (`plan_cache_mode = auto`). For `checkout_read`'s one query (five branches, three
of them `id = ANY(array)`) it chose a custom plan every time once the catalog had some
hundreds of items: the generic plan assumes ten ids per array, a cart's array holds a few.
Planning that query again on each checkout cost more than running it. Measured with
`track_functions` under `make bench`'s one-shopper probe (3-line carts): 780-889 us of
PostgreSQL time per call, 396 us with the plan forced generic; the other checkout functions
did not change (their statements already ran on generic plans).

The generic plan reads the same indexes (primary keys, the open-checkout cart-hash index), so
the rows a checkout reads are unchanged (tests/integration/test_checkout_plans.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ = "checkout_read(text, uuid, uuid[], uuid[], uuid[], text, text, text)"


def upgrade() -> None:
    op.execute(f"ALTER FUNCTION {READ} SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    op.execute(f"ALTER FUNCTION {READ} RESET plan_cache_mode")
