"""Refunds from the order page: managers only, all / by amount / by line, shown on the timeline."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from ..integration.refund_helpers import buy
from ..web.helpers import csrf_token


@pytest.fixture
def paid(app, served, catalog, sim):
    """A course (49.00) and two tickets (2 x 120.00) bought and paid through the simulator."""
    return buy(
        app.test_client(), sim, [("course", catalog.course, None), ("event", catalog.event, 2)]
    )


def refund_form(client, order_id: str, **fields):
    token = csrf_token(client, f"/admin/orders/{order_id}")
    return client.post(f"/admin/orders/{order_id}/refunds", data={**fields, "csrf_token": token})


def refunds(db, order_id: str) -> list[tuple]:
    return [
        (str(amount), actor)
        for amount, actor in db.execute(
            text("SELECT amount, actor FROM refunds WHERE order_id = :id ORDER BY created_at"),
            {"id": order_id},
        )
    ]


def wait_for_status(db, order_id: str, status: str, seconds: float = 10) -> None:
    """The simulator's refund webhook arrives on its own thread: poll with a deadline."""
    deadline = time.monotonic() + seconds
    query = text("SELECT status FROM orders WHERE id = :id")
    while db.execute(query, {"id": order_id}).scalar_one() != status:
        assert time.monotonic() < deadline, f"order never became {status}"
        time.sleep(0.05)


def test_a_manager_refunds_one_ticket_and_the_timeline_shows_it(manager, db, catalog, paid):
    res = refund_form(manager, paid.id, item=f"event:{catalog.event}", quantity="1")
    assert res.status_code == 303
    assert refunds(db, paid.id) == [("120.00", "staff:manager@example.com")]
    wait_for_status(db, paid.id, "partially_refunded")
    page = manager.get(f"/admin/orders/{paid.id}").get_data(as_text=True)
    assert "Refund of 120.00 USD asked of Stripe" in page
    timeline = page[page.index("<h2>Timeline</h2>") :]
    assert "order.refund_requested</strong> by staff:manager@example.com from 127.0.0.1" in timeline
    assert "to=partially_refunded" in timeline
    assert "1 x Testing Workshop" in page  # the refund's line


def test_a_manager_refunds_an_amount_then_everything_left(manager, db, paid):
    assert refund_form(manager, paid.id, amount="10.50").status_code == 303
    assert refund_form(manager, paid.id, reason="requested_by_customer").status_code == 303
    assert [amount for amount, _ in refunds(db, paid.id)] == ["10.50", "278.50"]
    wait_for_status(db, paid.id, "refunded")


def test_a_refusal_comes_back_as_a_message_and_refunds_nothing(manager, db, paid):
    res = refund_form(manager, paid.id, amount="500.00")
    assert res.status_code == 303
    page = manager.get(f"/admin/orders/{paid.id}").get_data(as_text=True)
    assert "Refund amount is more than what is left to refund" in page
    assert refunds(db, paid.id) == []


@pytest.mark.parametrize(
    "fields",
    [{"amount": "-1"}, {"amount": "1.234"}, {"amount": "ten"}, {"item": "event:nope"}],
)
def test_bad_refund_forms_refund_nothing(manager, db, paid, fields):
    assert refund_form(manager, paid.id, **fields).status_code == 303
    assert refunds(db, paid.id) == []


def test_support_sees_no_refund_buttons_and_cannot_post_one(support, db, paid):
    page = support.get(f"/admin/orders/{paid.id}").get_data(as_text=True)
    assert "Refund everything left" not in page and "Refund line" not in page
    res = refund_form(support, paid.id)
    assert res.status_code == 403
    assert refunds(db, paid.id) == []


def test_a_refund_post_needs_the_csrf_token(manager, db, paid):
    csrf_token(manager, f"/admin/orders/{paid.id}")
    assert manager.post(f"/admin/orders/{paid.id}/refunds").status_code == 400
    assert refunds(db, paid.id) == []


def test_the_refund_api_takes_a_manager_session_and_refuses_support(
    manager, support, client, db, paid
):
    url = f"/api/orders/{paid.id}/refunds"
    assert client.post(url, json={"amount": "1.00"}).status_code == 401
    assert support.post(url, json={"amount": "1.00"}).status_code == 403
    res = manager.post(url, json={"amount": "1.00"})
    assert res.status_code == 202, res.get_json()
    assert refunds(db, paid.id) == [("1.00", "staff:manager@example.com")]
    assert support.get(f"/api/orders/{paid.id}/events").status_code == 200
