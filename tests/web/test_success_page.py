"""The success page follows the order's status, refreshes itself while pending, keeps personal
data to the browser that ordered, and offers what comes next (a calendar file for tickets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql

from .helpers import add_to_cart, place_order, text


@pytest.fixture
def ordered(client, catalog, sim, db):
    """A pending order of a course and two tickets; (client, Checkout Session id)."""
    db.execute(
        sql("UPDATE events SET venue = 'Hall 2; Berlin', starts_at = :at WHERE id = :id"),
        {"at": datetime(2031, 3, 7, 18, 30, tzinfo=UTC), "id": catalog.event},
    )
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    return client, place_order(client, "ann@example.com").headers["Location"].rsplit("/")[-1]


def success(client, session_id: str, **params: str):
    query = "".join(f"&{name}={value}" for name, value in params.items())
    return client.get(f"/checkout/success?session_id={session_id}{query}")


@pytest.mark.parametrize(
    ("update", "state", "heading", "words"),
    [
        ("status = 'completed'", "paid", "Thank you for your order", "Your payment went through"),
        ("awaiting_payment = true", "awaiting", "Payment pending", "takes a while to clear"),
        ("status = 'cancelled'", "cancelled", "Order cancelled", "nothing was charged"),
        ("needs_review = true", "review", "We are checking your payment", "needs a person"),
    ],
)
def test_the_page_follows_the_order_status(ordered, db, update, state, heading, words):
    client, session_id = ordered
    db.execute(sql(f"UPDATE orders SET {update}"))

    page = text(success(client, session_id))

    assert f"<h1>{heading}</h1>" in page and words in page
    assert f'data-order-status="{state}"' in page
    assert "Thank you for your order" not in page or state == "paid"


def test_a_pending_page_refreshes_itself_with_backoff(ordered):
    client, session_id = ordered
    delays = []
    for attempt in ("1", "2", "3", "4", "5", "6"):
        res = success(client, session_id, attempt=attempt)
        delay, target = res.headers["Refresh"].split("; url=")
        delays.append(int(delay))
        next_attempt = int(attempt) + 1
        assert target == f"/checkout/success?session_id={session_id}&attempt={next_attempt}"

    assert delays == [2, 4, 8, 16, 30, 30]
    assert "Stop updating" in text(res)
    assert "Refresh" not in success(client, session_id, updates="off").headers


def test_a_settled_order_does_not_refresh(ordered, db):
    client, session_id = ordered
    db.execute(sql("UPDATE orders SET status = 'completed'"))

    res = success(client, session_id)

    assert "Refresh" not in res.headers and "Stop updating" not in text(res)


def test_a_short_order_number(ordered, db):
    client, session_id = ordered
    order_id = db.execute(sql("SELECT id FROM orders")).scalar_one()
    number = order_id.hex[:8].upper()

    assert f"<strong data-order-number>{number[:4]}-{number[4:]}</strong>" in text(
        success(client, session_id)
    )


def test_another_browser_sees_the_status_but_no_personal_data(ordered, app):
    _, session_id = ordered
    stranger = app.test_client()

    page = text(success(stranger, session_id))

    assert 'data-order-status="pending"' in page and "data-private" in page
    assert "ann@example.com" not in page and "Python Foundations" not in page
    assert "$289.00" not in page


def test_a_paid_order_says_what_comes_next_per_item(ordered, db, catalog):
    client, session_id = ordered
    db.execute(sql("UPDATE orders SET status = 'completed'"))

    page = text(success(client, session_id))

    assert "Course access is on your account for ann@example.com" in page
    assert "2 tickets: show the confirmation email at the door." in page
    assert "Fri, Mar 7, 2031, 6:30\u202fPM UTC · Hall 2; Berlin" in page
    assert (
        f'href="/checkout/success/events/{catalog.event}.ics?session_id={session_id}">'
        "Add Testing Workshop to your calendar (.ics)</a>" in page
    )


def test_the_calendar_file_of_a_paid_ticket(ordered, db, catalog, app):
    client, session_id = ordered
    path = f"/checkout/success/events/{catalog.event}.ics?session_id={session_id}"
    assert client.get(path).status_code == 404  # not paid yet
    db.execute(sql("UPDATE orders SET status = 'completed'"))

    res = client.get(path)

    assert res.status_code == 200 and res.mimetype == "text/calendar"
    assert res.headers["Cache-Control"] == "no-store"
    body = res.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith(
        "END:VCALENDAR\r\n"
    )
    for line in (
        "DTSTART:20310307T183000Z",
        "SUMMARY:Testing Workshop",
        "LOCATION:Hall 2\\; Berlin",
    ):
        assert f"\r\n{line}\r\n" in body
    assert app.test_client().get(path).status_code == 404  # another browser
