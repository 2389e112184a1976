"""Page-test fixtures: a small catalog in the real database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.helpers import Catalog, add_course, add_event, insert


@pytest.fixture
def catalog(db) -> Catalog:
    return Catalog(
        course=add_course(db, "Python Foundations", "49.00"),
        course_b=add_course(db, "Flask in Depth", "79.99"),
        product=insert(
            db, "digital_products", slug="ebook", title="Field Notes", price=Decimal("19.99")
        ),
        event=add_event(db, "Testing Workshop", "120.00", capacity=5),
        inactive_course=add_course(db, "Retired Course", "10.00", active=False),
        past_event=add_event(db, "Last Year's Meetup", "15.00", capacity=50, days=-1),
        user=insert(db, "users", email="known@example.com", name="Known Shopper"),
    )
