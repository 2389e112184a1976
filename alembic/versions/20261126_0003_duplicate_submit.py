"""Duplicate-submit protection: checkout fingerprint, session URL and expiry on orders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:13:05.475272
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("checkout_fingerprint", sa.String(length=64), nullable=True))
    op.add_column("orders", sa.Column("stripe_checkout_url", sa.Text(), nullable=True))
    op.add_column(
        "orders", sa.Column("stripe_session_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_orders_pending_cart_session_hash",
        "orders",
        ["cart_session_hash"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_orders_pending_cart_session_hash",
        table_name="orders",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_column("orders", "stripe_session_expires_at")
    op.drop_column("orders", "stripe_checkout_url")
    op.drop_column("orders", "checkout_fingerprint")
