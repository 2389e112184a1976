"""The order list: search by email, id, Stripe ids, status and dates; keyset pages, newest first."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ..helpers import insert

ORDER_LINK = re.compile(r'href="/admin/orders/([0-9a-f-]{36})"')
NEXT = re.compile(r'rel="next" href="([^"]+)"')
START = datetime(2026, 11, 1, 12, tzinfo=UTC)


def add_order(db, email: str, minutes: int, status: str = "completed", **extra) -> uuid.UUID:
    return insert(
        db,
        "orders",
        customer_email=email,
        status=status,
        subtotal=Decimal("10.00"),
        tax=Decimal("0.00"),
        total_amount=Decimal("10.00"),
        currency="usd",
        created_at=START + timedelta(minutes=minutes),
        **extra,
    )


def listed(client, query: str = "") -> tuple[list[str], str | None]:
    res = client.get(f"/admin/orders{query}")
    assert res.status_code == 200, res.get_data(as_text=True)
    page = res.get_data(as_text=True)
    following = NEXT.search(page)
    return ORDER_LINK.findall(page), following.group(1).replace("&amp;", "&") if following else None


@pytest.fixture
def orders(db) -> list[str]:
    """120 orders a minute apart, every third one by ann, newest last."""
    return [
        str(add_order(db, "Ann@example.com" if n % 3 == 0 else f"u{n}@example.com", n))
        for n in range(120)
    ]


def test_pages_walk_every_order_newest_first_without_gaps_or_repeats(support, orders):
    seen, url, pages = [], "", 0
    while url is not None:
        ids, url = listed(support, url.removeprefix("/admin/orders"))
        seen += ids
        pages += 1
    assert pages == 3  # 50 + 50 + 20
    assert seen == orders[::-1]


def test_orders_created_in_the_same_instant_are_neither_lost_nor_repeated(support, db):
    same = sorted(str(add_order(db, f"t{n}@example.com", 0)) for n in range(75))
    first, url = listed(support)
    second, end = listed(support, url.removeprefix("/admin/orders"))
    assert end is None
    assert first + second == same[::-1]


def test_search_by_email_in_any_case(support, orders):
    ids, url = listed(support, "?q=ANN@EXAMPLE.COM")
    assert url is None
    assert ids == orders[::3][::-1]


def test_search_by_order_id_and_stripe_ids(support, db, orders):
    target = add_order(
        db,
        "z@example.com",
        500,
        stripe_checkout_session_id="cs_test_x1",
        stripe_payment_intent_id="pi_x1",
    )
    for query in (str(target), "cs_test_x1", "pi_x1"):
        assert listed(support, f"?q={query}")[0] == [str(target)]


def test_filter_by_status_and_dates(support, db, orders):
    pending = add_order(db, "p@example.com", 60 * 24 * 3, status="pending")
    assert listed(support, "?status=pending")[0] == [str(pending)]
    # Day 2026-11-01 holds orders 0..119 (12:00 to 13:59 UTC); 2026-11-04 only `pending`.
    assert listed(support, "?from=2026-11-04&to=2026-11-04")[0] == [str(pending)]
    ids, _ = listed(support, "?to=2026-11-01&status=completed")
    assert ids == orders[::-1][:50]


@pytest.mark.parametrize(
    "query", ["?q=not-an-id", "?status=shipped", "?from=yesterday", "?after=%%%"]
)
def test_bad_searches_answer_400(support, db, query):
    res = support.get(f"/admin/orders{query}")
    assert res.status_code == 400 and res.mimetype == "text/html"
