"""Refunds end to end: the API asks the simulator, whose signed webhooks settle the order."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from .refund_helpers import STAFF, buy, order_state, refund, seats_left


def test_full_refund_takes_back_access_and_seats(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None), ("event", catalog.event, 2)])
    assert seats_left(db, catalog.event) == 3
    res = refund(client, order.id, reason="requested_by_customer")
    assert res.status_code == 202, res.get_json()
    body = res.get_json()["refund"]
    assert (body["amount"], body["currency"], body["actor"]) == ("289.00", "usd", "support-token")
    assert body["stripeRefundId"].startswith("re_")
    assert sorted((i["itemType"], i["quantity"]) for i in body["items"]) == [
        ("course", 1),
        ("event", 2),
    ]
    assert order_state(db, order.id) == {
        "status": "refunded",
        "review": False,
        "entitlements": [],
        "bookings": [("cancelled", 2)],
        "refunds": [("289.00", "succeeded", "support-token")],
        "refund_emails": 1,
    }
    assert seats_left(db, catalog.event) == 5
    sent = [r for r in sim.requests() if r["path"] == "/v1/refunds"]
    assert len(sent) == 1
    assert sent[0]["params"] == {
        "payment_intent": order.payment_intent,
        "amount": "28900",
        "reason": "requested_by_customer",
        "metadata": {"orderId": order.id, "refundId": body["refundId"]},
    }
    assert sent[0]["idempotency_key"] == f"refund-{body['refundId']}"
    assert sim.object(order.payment_intent)["amount_received"] == 28900


def test_partial_refunds_by_amount_then_the_rest(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    assert refund(client, order.id, amount="10.50").status_code == 202
    after = order_state(db, order.id)
    assert (after["status"], after["entitlements"]) == ("partially_refunded", ["course"])
    shown = client.get(f"/api/orders/{order.id}", headers=STAFF).get_json()["order"]
    assert shown["status"] == "partially_refunded"
    assert refund(client, order.id, amount="38.51").get_json()["error"] == (
        "Refund amount is more than what is left to refund"
    )
    assert refund(client, order.id, amount="38.50").status_code == 202
    after = order_state(db, order.id)
    assert (after["status"], after["entitlements"]) == ("refunded", [])
    assert [r[0] for r in after["refunds"]] == ["10.50", "38.50"]
    assert after["refund_emails"] == 2


def test_refund_one_ticket_of_three_and_one_course(client, sim, served, db, catalog):
    order = buy(
        client,
        sim,
        [
            ("course", catalog.course, None),
            ("course", catalog.course_b, None),
            ("event", catalog.event, 3),
        ],
    )
    assert seats_left(db, catalog.event) == 2
    res = refund(
        client,
        order.id,
        items=[
            {"itemType": "event", "itemId": str(catalog.event), "quantity": 1},
            {"itemType": "course", "itemId": str(catalog.course_b)},
        ],
    )
    assert res.status_code == 202, res.get_json()
    assert res.get_json()["refund"]["amount"] == "199.99"  # 120.00 + 79.99
    after = order_state(db, order.id)
    assert after["status"] == "partially_refunded"
    assert after["entitlements"] == ["course"]
    assert after["bookings"] == [("confirmed", 2)]
    assert seats_left(db, catalog.event) == 3
    again = refund(
        client, order.id, items=[{"itemType": "event", "itemId": str(catalog.event), "quantity": 3}]
    )
    assert (again.status_code, again.get_json()["error"]) == (
        409,
        "quantity is more than is left to refund on that line",
    )
    rest = refund(client, order.id, items=[{"itemType": "event", "itemId": str(catalog.event)}])
    assert rest.get_json()["refund"]["amount"] == "240.00"
    assert order_state(db, order.id)["bookings"] == [("cancelled", 2)]
    assert seats_left(db, catalog.event) == 5


def test_a_past_event_keeps_its_booking(client, sim, served, db, catalog):
    from sqlalchemy import text

    order = buy(client, sim, [("event", catalog.event, 2)])
    db.execute(
        text("UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = :id"),
        {"id": catalog.event},
    )
    assert refund(client, order.id).status_code == 202
    after = order_state(db, order.id)
    assert (after["status"], after["bookings"]) == ("refunded", [("confirmed", 2)])


def test_refusals(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    assert client.post(f"/api/orders/{order.id}/refunds", json={}).status_code == 401
    cases = [
        ({"amount": "-1"}, 400, 'amount must be a positive amount like "12.50"'),
        ({"amount": "1.234"}, 400, 'amount must be a positive amount like "12.50"'),
        (
            {"amount": "1.00", "items": [{"itemType": "course", "itemId": str(catalog.course)}]},
            400,
            "Give amount or items, not both",
        ),
        (
            {"items": [{"itemType": "course", "itemId": str(catalog.course_b)}]},
            400,
            "Unknown order line",
        ),
        (
            {"reason": "because"},
            400,
            "reason must be one of requested_by_customer, duplicate, fraudulent",
        ),
        ({"amount": "49.01"}, 409, "Refund amount is more than what is left to refund"),
    ]
    for body, status, error in cases:
        res = refund(client, order.id, **body)
        assert (res.status_code, res.get_json()["error"]) == (status, error), body
    assert refund(client, order.id).status_code == 202
    done = refund(client, order.id)
    assert (done.status_code, done.get_json()["error"]) == (409, "Order is already fully refunded")
    assert refund(client, "0" * 8 + "-0000-0000-0000-" + "0" * 12).status_code == 404
    client.post("/api/cart/items", json={"itemType": "course", "itemId": str(catalog.course)})
    pending = client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"})
    unpaid = refund(client, pending.get_json()["orderId"])
    assert (unpaid.status_code, unpaid.get_json()["error"]) == (409, "Order is not paid")
    assert len([r for r in sim.requests() if r["path"] == "/v1/refunds"]) == 1


def test_twenty_concurrent_refunds_never_refund_more_than_was_paid(
    client, sim, served, db, catalog
):
    order = buy(client, sim, [("course", catalog.course, None)])  # 49.00

    def ask(_: int) -> int:
        return requests.post(
            f"{served}/api/orders/{order.id}/refunds",
            json={"amount": "10.00"},
            headers=STAFF,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(ask, range(20)))
    assert statuses == [202] * 4 + [409] * 16
    assert sim.object(sim.object(order.payment_intent)["latest_charge"])["amount_refunded"] == 4000
    after = order_state(db, order.id)
    assert (after["status"], len(after["refunds"])) == ("partially_refunded", 4)

    def everything(_: int) -> int:
        return requests.post(
            f"{served}/api/orders/{order.id}/refunds", json={}, headers=STAFF, timeout=30
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        assert sorted(pool.map(everything, range(20))) == [202] + [409] * 19
    charge = sim.object(sim.object(order.payment_intent)["latest_charge"])
    assert (charge["amount_refunded"], charge["refunded"]) == (4900, True)
    assert order_state(db, order.id)["status"] == "refunded"


def test_cli_refunds_a_line(app, client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None), ("event", catalog.event, 2)])
    result = app.test_cli_runner().invoke(
        args=[
            "refund-order",
            order.id,
            "--item",
            f"event:{catalog.event}:1",
            "--reason",
            "duplicate",
        ]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["amount"], printed["actor"], printed["reason"]) == (
        "120.00",
        "cli",
        "duplicate",
    )
    assert order_state(db, order.id)["bookings"] == [("confirmed", 1)]
    bad = app.test_cli_runner().invoke(args=["refund-order", order.id, "--amount", "1000"])
    assert bad.exit_code != 0
    assert "Refund amount is more than what is left to refund" in bad.output
