"""Flagged orders head the back office's list: a partial index on orders needing review.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_orders_needs_review_created_at",
        "orders",
        ["created_at"],
        postgresql_where=sa.text("needs_review"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_needs_review_created_at", table_name="orders")
