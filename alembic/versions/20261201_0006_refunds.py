"""Refunds and disputes: tables refunds, refund_lines, disputes; two new order statuses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD VALUE runs inside Alembic's transaction (PostgreSQL 12+); nothing here uses the values.
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'partially_refunded'")
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'disputed'")
    op.create_table(
        "refunds",
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("order_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name="refunds_amount_positive"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'canceled')", name="refunds_status"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stripe_refund_id"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "refund_lines",
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("refund_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("order_item_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name="refund_lines_quantity_range"),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_lines_refund_id", "refund_lines", ["refund_id"])
    op.create_index("ix_refund_lines_order_item_id", "refund_lines", ["order_item_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("order_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disputes_order_id", "disputes", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_disputes_order_id", table_name="disputes")
    op.drop_table("disputes")
    op.drop_index("ix_refund_lines_order_item_id", table_name="refund_lines")
    op.drop_index("ix_refund_lines_refund_id", table_name="refund_lines")
    op.drop_table("refund_lines")
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_table("refunds")
    # PostgreSQL cannot drop an enum value; orders leave the new statuses and the unused labels
    # stay (0001's downgrade drops the whole type, and upgrading again skips existing labels).
    op.execute(
        "UPDATE orders SET status = 'completed' WHERE status IN ('partially_refunded', 'disputed')"
    )
