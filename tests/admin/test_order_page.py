"""One order in the back office: items, bookings, entitlements, timeline; resend the email."""

from __future__ import annotations

from sqlalchemy import text

from ..helpers import add_to_cart, deliver, stripe_event
from ..web.helpers import csrf_token


def paid_order(client, catalog, sim) -> str:
    """A course and two seats, checked out and paid through a signed webhook."""
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "event", catalog.event, 2)
    placed = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()
    session = next(s for s in sim.sessions() if s["id"] == placed["sessionId"])
    event = stripe_event(
        "checkout.session.completed",
        session,
        status="complete",
        payment_status="paid",
        payment_intent="pi_page",
    )
    assert deliver(client, event).status_code == 200
    return placed["orderId"]


def test_the_order_page_shows_lines_bookings_access_and_timeline(app, support, catalog, sim):
    order_id = paid_order(app.test_client(), catalog, sim)
    res = support.get(f"/admin/orders/{order_id}")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    page = res.get_data(as_text=True)
    assert "Python Foundations" in page and "Testing Workshop" in page
    assert "pi_page" in page and "confirmed" in page
    assert f"course {catalog.course}" in page  # the entitlement
    timeline = page[page.index("<h2>Timeline</h2>") :]
    order = ["order.created", "checkout.session.completed", "order.status_changed"]
    positions = [timeline.index(step) for step in order]
    assert positions == sorted(positions)
    assert "from=pending" in timeline and "to=completed" in timeline


def test_resend_queues_the_confirmation_again_and_is_audited(app, support, db, catalog, sim):
    order_id = paid_order(app.test_client(), catalog, sim)
    count = "SELECT count(*) FROM outbox WHERE channel = 'email' AND payload->>'orderId' = :id"
    assert db.execute(text(count), {"id": order_id}).scalar_one() == 1
    token = csrf_token(support, f"/admin/orders/{order_id}")
    res = support.post(f"/admin/orders/{order_id}/resend", data={"csrf_token": token})
    assert res.status_code == 303
    assert db.execute(text(count), {"id": order_id}).scalar_one() == 2
    actor, ip = db.execute(
        text(
            "SELECT actor, host(ip) FROM audit_log"
            " WHERE order_id = :id AND action = 'order.confirmation_resent'"
        ),
        {"id": order_id},
    ).one()
    assert (actor, ip) == ("staff:support@example.com", "127.0.0.1")
    page = support.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert "Confirmation email queued again." in page
    assert "order.confirmation_resent" in page


def test_resend_of_an_unpaid_order_is_refused(app, support, db, catalog, sim):
    client = app.test_client()
    add_to_cart(client, "course", catalog.course)
    placed = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()
    token = csrf_token(support, "/admin/orders")
    res = support.post(f"/admin/orders/{placed['orderId']}/resend", data={"csrf_token": token})
    assert res.status_code == 400
    assert db.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0


def test_resend_needs_the_csrf_token(app, support, db, catalog, sim):
    order_id = paid_order(app.test_client(), catalog, sim)
    assert support.post(f"/admin/orders/{order_id}/resend").status_code == 400
    assert db.execute(text("SELECT count(*) FROM outbox WHERE channel='email'")).scalar_one() == 1


def test_unknown_orders_are_404_pages(support, db):
    assert support.get("/admin/orders/00000000-0000-0000-0000-000000000000").status_code == 404
    assert support.get("/admin/orders/nope").status_code == 404
