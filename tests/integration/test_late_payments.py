"""Money for orders we had cancelled: delivered when it still can be, else refunded once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import text

from checkout_app.domain.staff import StaffRole
from checkout_app.services.staff import create_staff

from ..admin.conftest import PASSWORD, log_in
from ..conftest import WEBHOOK_SECRET
from ..helpers import WEBHOOK_PATH, add_to_cart, deliver, signed
from .refund_helpers import STAFF, buy, order_state, seats_left


def cancelled_checkout(client, sim, lines) -> dict:
    """A checkout whose session the app saw expire (its order cancelled, seats back)."""
    for item_type, item_id, quantity in lines:
        assert add_to_cart(client, item_type, item_id, quantity).status_code == 201
    body = client.post("/api/checkout/create-session", json={"userEmail": "late@example.com"})
    placed = body.get_json()
    sim.expire(placed["sessionId"])
    return placed


def sold_out_meanwhile(make_app, sim, catalog, db, client):
    """A cancelled 3-ticket order, and another shopper who then bought 3 of the 5 seats."""
    placed = cancelled_checkout(client, sim, [("event", catalog.event, 3)])
    assert order_state(db, placed["orderId"])["status"] == "cancelled"
    other = make_app().test_client()
    buy(other, sim, [("event", catalog.event, 3)], email="early@example.com")
    assert seats_left(db, catalog.event) == 2
    return placed


def charge_of(sim, session_id: str) -> dict:
    session = next(s for s in sim.sessions() if s["id"] == session_id)
    return sim.object(sim.object(session["payment_intent"])["latest_charge"])


def paid_unheard(sim, served: str, session_id: str) -> dict:
    """Pay the expired session while the app hears nothing; the completed event it missed."""
    sim.set_webhook(None)
    sim.complete(session_id, after_expiry=True)
    sim.set_webhook(f"{served}{WEBHOOK_PATH}", WEBHOOK_SECRET)
    return next(
        sim.event(r["id"])
        for r in sim.events()
        if r["type"] == "checkout.session.completed" and r["session_id"] == session_id
    )


def post_event(served: str, event: dict) -> int:
    """Deliver a signed event over HTTP, as Stripe does; the status code."""
    body, signature = signed(event, WEBHOOK_SECRET)
    return requests.post(
        f"{served}{WEBHOOK_PATH}",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        timeout=30,
    ).status_code


def refund_asks(sim) -> set[str]:
    return {r["idempotency_key"] for r in sim.requests() if r["path"] == "/v1/refunds"}


def test_a_course_paid_after_expiry_is_completed(client, sim, served, db, catalog):
    placed = cancelled_checkout(client, sim, [("course", catalog.course, None)])
    assert order_state(db, placed["orderId"])["status"] == "cancelled"
    sim.complete(placed["sessionId"], after_expiry=True)
    after = order_state(db, placed["orderId"])
    assert (after["status"], after["entitlements"], after["refunds"]) == (
        "completed",
        ["course"],
        [],
    )
    kinds = db.execute(
        text("SELECT payload->>'kind' FROM outbox WHERE payload->>'orderId' = :id"),
        {"id": placed["orderId"]},
    ).scalars()
    assert list(kinds) == ["order_confirmation"]


def test_tickets_paid_after_they_sold_out_are_refunded_once_with_an_email(
    make_app, client, sim, served, db, catalog
):
    placed = sold_out_meanwhile(make_app, sim, catalog, db, client)
    sim.complete(placed["sessionId"], after_expiry=True)
    after = order_state(db, placed["orderId"])
    assert (after["status"], after["refunds"], after["refund_emails"]) == (
        "refunded",
        [("360.00", "succeeded", "system")],
        1,
    )
    assert after["bookings"] == [("cancelled", 3)]
    assert seats_left(db, catalog.event) == 2
    email = db.execute(
        text("SELECT recipient, payload FROM outbox WHERE payload->>'kind' = 'refund_issued'")
    ).one()
    assert email.recipient == "late@example.com"
    assert "sold out" in email.payload["message"]
    charge = charge_of(sim, placed["sessionId"])
    assert (charge["amount_refunded"], charge["refunded"]) == (36000, True)
    for record in sim.events():  # every event again: nothing more happens
        sim.resend(record["id"])
    assert order_state(db, placed["orderId"]) == after
    assert len(refund_asks(sim)) == 1


def test_twenty_concurrent_deliveries_of_a_late_payment_have_one_outcome(
    make_app, client, sim, served, db, catalog
):
    placed = sold_out_meanwhile(make_app, sim, catalog, db, client)
    completed = paid_unheard(sim, served, placed["sessionId"])
    # Ten retries of the event, and ten copies under new ids (another path to the same payment).
    copies = [completed] * 10 + [{**completed, "id": f"{completed['id']}_{n}"} for n in range(10)]
    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(lambda event: post_event(served, event), copies)) == {200}
    outcomes = db.execute(
        text(
            "SELECT outcome, count(*) FROM stripe_events WHERE type = 'checkout.session.completed'"
            " AND checkout_session_id = :s GROUP BY outcome"
        ),
        {"s": placed["sessionId"]},
    ).all()
    outcomes = dict(outcomes)
    # One event decided; the ten copies under other ids found it settled (or already refunded).
    assert outcomes.pop("late_payment_refunding") == 1
    assert set(outcomes) <= {"late_payment_already_settled", "already_completed"}
    assert sum(outcomes.values()) == 10
    after = order_state(db, placed["orderId"])
    assert (after["status"], len(after["refunds"]), after["refund_emails"]) == ("refunded", 1, 1)
    assert len(refund_asks(sim)) == 1
    assert charge_of(sim, placed["sessionId"])["amount_refunded"] == 36000


def test_a_staff_refund_racing_the_automatic_one_refunds_once(
    make_app, client, sim, served, db, catalog
):
    placed = sold_out_meanwhile(make_app, sim, catalog, db, client)
    completed = paid_unheard(sim, served, placed["sessionId"])

    def staff(_: int) -> int:
        return requests.post(
            f"{served}/api/orders/{placed['orderId']}/refunds", json={}, headers=STAFF, timeout=30
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        staff_answers = [pool.submit(staff, n) for n in range(5)]
        assert pool.submit(post_event, served, completed).result() == 200
        assert {f.result() for f in staff_answers} <= {202, 409}
    charge = charge_of(sim, placed["sessionId"])
    assert (charge["amount_refunded"], charge["refunded"]) == (36000, True)
    after = order_state(db, placed["orderId"])
    assert (after["status"], [r[1] for r in after["refunds"]]) == ("refunded", ["succeeded"])


def test_reconciliation_finds_a_paid_session_of_a_cancelled_order(
    app, client, sim, served, db, catalog
):
    placed = cancelled_checkout(client, sim, [("course", catalog.course, None)])
    paid_unheard(sim, served, placed["sessionId"])  # the payment's webhook never reaches us
    assert order_state(db, placed["orderId"])["status"] == "cancelled"
    result = app.test_cli_runner().invoke(args=["expire-stale-orders"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {
        "orderId": placed["orderId"],
        "sessionStatus": "complete",
        "outcome": "late_payment_completed",
    } in report
    assert order_state(db, placed["orderId"])["status"] == "completed"
    again = json.loads(app.test_cli_runner().invoke(args=["expire-stale-orders"]).output)
    assert all(line.get("orderId") != placed["orderId"] for line in again)


def test_an_amount_mismatch_stays_flagged_and_heads_the_back_office_list(
    app, client, sim, served, db, catalog
):
    placed = cancelled_checkout(client, sim, [("course", catalog.course, None)])
    session = next(s for s in sim.sessions() if s["id"] == placed["sessionId"])
    event = {
        "id": "evt_mismatch",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                **session,
                "status": "complete",
                "payment_status": "paid",
                "payment_intent": "pi_mismatch",
                "amount_total": 100,
            }
        },
    }
    assert deliver(client, event).status_code == 200
    after = order_state(db, placed["orderId"])
    assert (after["status"], after["review"], after["refunds"]) == ("cancelled", True, [])
    create_staff(app.extensions["checkout"], "help@example.com", StaffRole.SUPPORT, PASSWORD)
    staff = app.test_client()
    assert log_in(staff, "help@example.com").status_code == 303
    page = staff.get("/admin/orders").get_data(as_text=True)
    review = page[page.index("Needs review") : page.index('class="search"')]
    assert placed["orderId"] in review
    assert "Stripe reported 100 usd, order total is 4900 usd" in review
