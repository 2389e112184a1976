"""The one Alembic revision builds the whole schema on an empty database and removes it again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from checkout_app.db.models import Base

from ..conftest import alembic_config

TABLES = {
    *("users", "courses", "digital_products", "events", "orders", "order_items", "bookings"),
    *("refunds", "refund_lines", "disputes"),
}


def test_upgrade_then_downgrade_then_upgrade(make_database):
    url = make_database()
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        command.upgrade(config, "head")
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) >= TABLES
        columns = {c["name"]: c for c in inspector.get_columns("orders")}
        assert str(columns["total_amount"]["type"]) == "NUMERIC(10, 2)"
        assert {"stripe_checkout_session_id", "stripe_payment_intent_id", "customer_email"} <= set(
            columns
        )
        assert {c["name"] for c in inspector.get_columns("events")} >= {
            "price",
            "capacity",
            "starts_at",
            "is_active",
        }
        with engine.connect() as conn:
            enums = dict(
                conn.execute(
                    text(
                        "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)"
                        " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname"
                    )
                ).all()
            )
        assert enums == {
            "order_status": [
                "pending",
                "completed",
                "cancelled",
                "refunded",
                "partially_refunded",
                "disputed",
            ],
            "booking_status": ["pending", "confirmed", "cancelled"],
        }

        command.downgrade(config, "base")
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) == {"alembic_version"}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_enum")).scalar_one() == 0

        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_match_the_migration(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
