"""Stripe webhooks: signed events complete, hold or cancel an order exactly once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from ..conftest import SUPPORT_TOKEN, WEBHOOK_SECRET
from ..helpers import add_to_cart, deliver, signature, signed, stripe_event

URL = "/api/webhooks/stripe"


@pytest.fixture
def placed(client, catalog, sim):
    """Checked out a course, an e-book and two event seats: (client, order id, session)."""
    add_to_cart(client, "course", catalog.course)
    add_to_cart(client, "digital_product", catalog.product)
    add_to_cart(client, "event", catalog.event, 2)
    body = client.post(
        "/api/checkout/create-session", json={"userEmail": "ann@example.com"}
    ).get_json()
    session = next(s for s in sim.sessions() if s["id"] == body["sessionId"])
    return client, body["orderId"], session


def paid(session: dict, **changes) -> dict:
    return {
        **session,
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_123",
        **changes,
    }


def state(db, order_id: str) -> dict:
    order = db.execute(
        text(
            "SELECT status, stripe_payment_intent_id, awaiting_payment, needs_review, review_reason"
            " FROM orders WHERE id = :id"
        ),
        {"id": order_id},
    ).one()
    count = lambda sql: db.execute(text(sql), {"id": order_id}).scalar_one()  # noqa: E731
    return {
        "status": order.status,
        "payment_intent": order.stripe_payment_intent_id,
        "awaiting": order.awaiting_payment,
        "review": order.needs_review,
        "reason": order.review_reason,
        "bookings": db.execute(
            text("SELECT status FROM bookings WHERE order_id = :id"), {"id": order_id}
        )
        .scalars()
        .all(),
        "entitlements": count("SELECT count(*) FROM entitlements WHERE order_id = :id"),
        "outbox": count(
            "SELECT count(*) FROM outbox WHERE payload->>'orderId' = CAST(:id AS text)"
        ),
    }


def cart_items(client) -> list[str]:
    return [i["itemType"] for i in client.get("/api/cart").get_json()["cart"]["items"]]


class TestCompletion:
    def test_paid_session_completes_the_order(self, placed, db):
        client, order_id, session = placed
        res = deliver(client, stripe_event("checkout.session.completed", paid(session)))
        assert res.status_code == 200
        assert res.get_json() == {"success": True, "received": True, "duplicate": False}
        assert state(db, order_id) == {
            "status": "completed",
            "payment_intent": "pi_123",
            "awaiting": False,
            "review": False,
            "reason": None,
            "bookings": ["confirmed"],
            "entitlements": 2,  # the course and the e-book; the event is a booking
            "outbox": 1,
        }
        email = db.execute(text("SELECT channel, recipient, payload FROM outbox")).one()
        assert (email.channel, email.recipient) == ("email", "ann@example.com")
        assert email.payload["orderId"] == order_id
        assert cart_items(client) == []  # the bought lines left the cart

    def test_order_endpoint_shows_status_items_bookings_and_entitlements(self, placed):
        client, order_id, session = placed
        pending = client.get(f"/api/orders/{order_id}").get_json()["order"]
        assert (pending["status"], pending["entitlements"]) == ("pending", [])
        deliver(client, stripe_event("checkout.session.completed", paid(session)))
        order = client.get(f"/api/orders/{order_id}").get_json()["order"]
        assert order["status"] == "completed"
        assert order["total"] == "308.99"
        assert order["stripePaymentIntentId"] == "pi_123"
        assert sorted(i["itemType"] for i in order["items"]) == [
            "course",
            "digital_product",
            "event",
        ]
        assert [(b["status"], b["attendees"]) for b in order["bookings"]] == [("confirmed", 2)]
        assert sorted(e["itemType"] for e in order["entitlements"]) == ["course", "digital_product"]

    def test_cart_lines_added_after_checkout_stay(self, placed, catalog):
        client, _, session = placed
        add_to_cart(client, "course", catalog.course_b)
        deliver(client, stripe_event("checkout.session.completed", paid(session)))
        assert cart_items(client) == ["course"]

    def test_delayed_payment_waits_then_completes(self, placed, db):
        client, order_id, session = placed
        unpaid = {**session, "status": "complete", "payment_status": "unpaid"}
        deliver(client, stripe_event("checkout.session.completed", unpaid))
        waiting = state(db, order_id)
        assert (waiting["status"], waiting["awaiting"], waiting["entitlements"]) == (
            "pending",
            True,
            0,
        )
        assert cart_items(client) != []
        deliver(client, stripe_event("checkout.session.async_payment_succeeded", paid(session)))
        assert state(db, order_id)["status"] == "completed"

    def test_delayed_payment_that_fails_cancels(self, placed, db):
        client, order_id, session = placed
        unpaid = {**session, "status": "complete", "payment_status": "unpaid"}
        deliver(client, stripe_event("checkout.session.completed", unpaid))
        deliver(client, stripe_event("checkout.session.async_payment_failed", unpaid))
        after = state(db, order_id)
        assert (after["status"], after["bookings"], after["entitlements"]) == (
            "cancelled",
            ["cancelled"],
            0,
        )
        assert len(cart_items(client)) == 3  # the cart is kept


class TestCancellation:
    def test_expired_session_cancels_and_frees_the_seats(self, placed, db, make_app, catalog):
        client, order_id, session = placed
        deliver(client, stripe_event("checkout.session.expired", {**session, "status": "expired"}))
        after = state(db, order_id)
        assert (after["status"], after["bookings"]) == ("cancelled", ["cancelled"])
        assert len(cart_items(client)) == 3
        other = make_app().test_client()
        add_to_cart(other, "event", catalog.event, 5)  # all 5 seats are free again
        res = other.post("/api/checkout/create-session", json={"userEmail": "bo@example.com"})
        assert res.status_code == 200

    def test_expired_after_completed_changes_nothing(self, placed, db):
        client, order_id, session = placed
        deliver(client, stripe_event("checkout.session.completed", paid(session)))
        res = deliver(
            client, stripe_event("checkout.session.expired", {**session, "status": "expired"})
        )
        assert res.status_code == 200
        after = state(db, order_id)
        assert (after["status"], after["bookings"], after["entitlements"]) == (
            "completed",
            ["confirmed"],
            2,
        )

    def test_completed_after_expired_is_delivered_when_it_still_can(self, placed, db):
        client, order_id, session = placed
        deliver(client, stripe_event("checkout.session.expired", {**session, "status": "expired"}))
        deliver(client, stripe_event("checkout.session.completed", paid(session)))
        after = state(db, order_id)
        assert (after["status"], after["review"], after["entitlements"]) == ("completed", False, 2)
        assert (after["bookings"], after["payment_intent"]) == (["confirmed"], "pi_123")


class TestSuspiciousEvents:
    def test_amount_mismatch_is_flagged_not_completed(self, placed, db):
        client, order_id, session = placed
        deliver(client, stripe_event("checkout.session.completed", paid(session, amount_total=100)))
        after = state(db, order_id)
        assert (after["status"], after["review"], after["entitlements"]) == ("pending", True, 0)
        assert "Stripe reported 100 usd" in after["reason"]

    def test_currency_mismatch_is_flagged(self, placed, db):
        client, order_id, session = placed
        deliver(client, stripe_event("checkout.session.completed", paid(session, currency="eur")))
        assert state(db, order_id)["review"] is True

    def test_session_we_did_not_create_is_ignored(self, placed, db):
        client, order_id, session = placed
        foreign = paid(session, id="cs_test_someone_else")
        assert (
            deliver(client, stripe_event("checkout.session.completed", foreign)).status_code == 200
        )
        assert state(db, order_id)["status"] == "pending"
        outcome = db.execute(text("SELECT outcome FROM stripe_events")).scalar_one()
        assert outcome == "unknown_session"

    def test_unhandled_event_type_is_recorded_and_ignored(self, client, db):
        event = stripe_event("payment_intent.created", {"id": "pi_1", "object": "payment_intent"})
        assert deliver(client, event).status_code == 200
        row = db.execute(text("SELECT type, outcome, processed_at FROM stripe_events")).one()
        assert (row.type, row.outcome) == ("payment_intent.created", "ignored")
        assert row.processed_at is not None


class TestSignatures:
    @pytest.mark.parametrize("case", ["missing", "wrong_secret", "stale", "tampered", "garbage"])
    def test_bad_signature_is_400_and_changes_nothing(self, placed, db, case):
        client, order_id, session = placed
        event = stripe_event("checkout.session.completed", paid(session))
        body, signature = signed(event, WEBHOOK_SECRET)
        headers = {"Stripe-Signature": signature}
        if case == "missing":
            headers = {}
        elif case == "wrong_secret":
            body, headers["Stripe-Signature"] = signed(event, "whsec_other")
        elif case == "stale":
            body, headers["Stripe-Signature"] = signed(
                event, WEBHOOK_SECRET, int(time.time()) - 301
            )
        elif case == "tampered":
            body = body.replace(b'"paid"', b'"PAID"')
        else:
            headers["Stripe-Signature"] = "t=1,v1=abc"
        res = client.post(URL, data=body, content_type="application/json", headers=headers)
        assert res.status_code == 400
        assert res.get_json() == {"success": False, "error": "Invalid webhook signature"}
        assert state(db, order_id)["status"] == "pending"
        assert db.execute(text("SELECT count(*) FROM stripe_events")).scalar_one() == 0

    @pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "evt_1"}', b"\xff\xfe"])
    def test_signed_body_that_is_not_an_event_is_400(self, client, db, body):
        res = client.post(
            URL, data=body, headers={"Stripe-Signature": signature(body, WEBHOOK_SECRET)}
        )
        assert res.status_code == 400
        assert res.get_json()["success"] is False
        assert db.execute(text("SELECT count(*) FROM stripe_events")).scalar_one() == 0


class TestExactlyOnce:
    def test_replayed_event_changes_nothing(self, placed, db):
        client, order_id, session = placed
        event = stripe_event("checkout.session.completed", paid(session))
        first, second = deliver(client, event), deliver(client, event)
        assert (first.get_json()["duplicate"], second.get_json()["duplicate"]) == (False, True)
        assert state(db, order_id)["entitlements"] == 2
        assert state(db, order_id)["outbox"] == 1

    def test_twenty_concurrent_deliveries_fulfil_once(self, placed, db, app):
        _, order_id, session = placed
        event = stripe_event("checkout.session.completed", paid(session))

        def send(_):
            return deliver(app.test_client(), event)

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(send, range(20)))
        assert [r.status_code for r in responses] == [200] * 20
        assert sum(not r.get_json()["duplicate"] for r in responses) == 1
        after = state(db, order_id)
        assert (after["status"], after["entitlements"], after["outbox"]) == ("completed", 2, 1)
        assert db.execute(text("SELECT count(*) FROM stripe_events")).scalar_one() == 1


class TestOrderAccess:
    def test_other_sessions_get_404_support_gets_the_order(self, placed, make_app):
        _, order_id, _ = placed
        stranger = make_app().test_client()
        assert stranger.get(f"/api/orders/{order_id}").status_code == 404
        res = stranger.get(
            f"/api/orders/{order_id}", headers={"Authorization": f"Bearer {SUPPORT_TOKEN}"}
        )
        assert res.status_code == 200
        assert res.get_json()["order"]["customerEmail"] == "ann@example.com"
        wrong = stranger.get(f"/api/orders/{order_id}", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        assert stranger.get("/api/orders/not-a-uuid").get_json()["error"] == "Order not found"
