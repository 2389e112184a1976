"""Seat holds that cannot be hoarded: a hold deadline and the client address on orders.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.add_column(
        "orders", sa.Column("seats_held_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("orders", sa.Column("client_address_hash", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_orders_pending_email",
        "orders",
        [sa.text("lower(customer_email)")],
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_orders_pending_client_address_hash",
        "orders",
        ["client_address_hash"],
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_orders_pending_seats_held_until",
        "orders",
        ["seats_held_until"],
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_pending_seats_held_until", table_name="orders")
    op.drop_index("ix_orders_pending_client_address_hash", table_name="orders")
    op.drop_index("ix_orders_pending_email", table_name="orders")
    op.drop_column("orders", "client_address_hash")
    op.drop_column("orders", "seats_held_until")
