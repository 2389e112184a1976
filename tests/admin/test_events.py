"""Events: seats sold, held and left; attendee list and its CSV for check-in."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import text

from ..helpers import add_event, insert


def book(db, event, email: str, tickets: int, status: str, user=None):
    order = insert(
        db,
        "orders",
        customer_email=email,
        status="completed" if status == "confirmed" else "pending",
        subtotal=Decimal("10.00") * tickets,
        tax=Decimal("0.00"),
        total_amount=Decimal("10.00") * tickets,
        currency="usd",
        user_id=user,
    )
    insert(
        db,
        "bookings",
        event_id=event,
        order_id=order,
        user_id=user,
        status=status,
        attendees=tickets,
        total_price=Decimal("10.00") * tickets,
    )
    return order


def test_seats_sold_held_and_left(support, db):
    event = add_event(db, "Check-in Night", "10.00", capacity=10)
    book(db, event, "a@example.com", 3, "confirmed")
    book(db, event, "b@example.com", 2, "pending")
    book(db, event, "c@example.com", 4, "cancelled")
    page = support.get("/admin/events").get_data(as_text=True)
    row = page[page.index("Check-in Night") :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('class="num">')[1:]] == ["10", "3", "2", "5"]


def test_attendee_list_and_csv(support, db, catalog):
    event = add_event(db, "Check-in Night", "10.00", capacity=10)
    paid = book(db, event, "known@example.com", 2, "confirmed", user=catalog.user)
    book(db, event, "=cmd@example.com", 1, "pending")
    page = support.get(f"/admin/events/{event}").get_data(as_text=True)
    assert "Known Shopper" in page and str(paid) in page
    res = support.get(f"/admin/events/{event}/attendees.csv")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert "attachment" in res.headers["Content-Disposition"]
    assert res.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True))))
    assert rows[0] == ["name", "email", "tickets", "order_id", "status", "booked_at"]
    assert rows[1][:5] == ["Known Shopper", "known@example.com", "2", str(paid), "confirmed"]
    # A cell a spreadsheet would run as a formula is defused.
    assert rows[2][1:3] == ["'=cmd@example.com", "1"] and rows[2][4] == "pending"
    audit = db.execute(
        text("SELECT actor, detail->>'rows', host(ip) FROM audit_log WHERE action = :a"),
        {"a": "event.attendees_exported"},
    ).one()
    assert tuple(audit) == ("staff:support@example.com", "2", "127.0.0.1")


def test_an_unknown_event_is_a_404(support, db):
    assert support.get("/admin/events/00000000-0000-0000-0000-000000000000").status_code == 404
    assert support.get("/admin/events/nope/attendees.csv").status_code == 404


def test_the_csv_needs_a_login(client, db):
    event = add_event(db, "Check-in Night", "10.00", capacity=10)
    assert client.get(f"/admin/events/{event}/attendees.csv").status_code == 303
