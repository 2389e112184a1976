"""The demo catalog: three courses, three digital products, three events; safe to seed twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from checkout_app.db.models import Course, DigitalProduct, Event
from checkout_app.domain.enums import ItemType

COURSES = [
    ("python-foundations", "Python Foundations", "49.00"),
    ("web-apps-with-flask", "Web Apps with Flask", "79.00"),
    ("sql-for-analysts", "SQL for Analysts", "59.50"),
]
DIGITAL_PRODUCTS = [
    ("ebook-clean-code-notes", "Clean Code Field Notes (e-book)", "19.99"),
    ("template-pack-dashboards", "Dashboard Template Pack", "29.00"),
    ("audio-mindful-coding", "Mindful Coding (audio course)", "9.99"),
]
EVENTS = [
    ("workshop-testing-in-practice", "Workshop: Testing in Practice", "120.00", 30, 21),
    ("meetup-python-evening", "Python Evening Meetup", "15.00", 80, 35),
    ("conference-day-pass", "Conference Day Pass", "249.00", 200, 60),
]


def seed_catalog(session: Session) -> list[dict[str, Any]]:
    """Insert the demo items that are missing (events move back into the future); list them."""
    for table, rows in ((Course, COURSES), (DigitalProduct, DIGITAL_PRODUCTS)):
        session.execute(
            insert(table)
            .values([{"slug": s, "title": t, "price": Decimal(p)} for s, t, p in rows])
            .on_conflict_do_nothing(index_elements=["slug"])
        )
    now = datetime.now(UTC)
    stmt = insert(Event).values(
        [
            {
                "slug": slug,
                "title": title,
                "price": Decimal(price),
                "capacity": capacity,
                "starts_at": now + timedelta(days=days),
                "venue": "Main Hall",
            }
            for slug, title, price, capacity, days in EVENTS
        ]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["slug"],
            set_={"starts_at": func.greatest(Event.starts_at, stmt.excluded.starts_at)},
        )
    )
    listed = []
    for item_type, table, rows in (
        (ItemType.COURSE, Course, COURSES),
        (ItemType.DIGITAL_PRODUCT, DigitalProduct, DIGITAL_PRODUCTS),
        (ItemType.EVENT, Event, EVENTS),
    ):
        slugs = [row[0] for row in rows]
        for item in session.scalars(
            select(table).where(table.slug.in_(slugs)).order_by(table.slug)
        ):
            listed.append(
                {
                    "itemType": item_type.value,
                    "itemId": str(item.id),
                    "title": item.title,
                    "price": f"{item.price:.2f}",
                }
            )
    return listed
