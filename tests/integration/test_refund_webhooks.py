"""Refund and dispute webhooks: Stripe-side refunds, disputes, replays and reordering."""

from __future__ import annotations

from .. import helpers
from .refund_helpers import buy, order_state, refund, seats_left


def deliver(client, event: dict):
    res = helpers.deliver(client, event)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def events_of(sim, order, *types: str) -> list[dict]:
    """The events the simulator sent for the order's session, as sent, oldest first."""
    records = [r for r in sim.events() if r["session_id"] == order.session_id]
    return [sim.event(r["id"]) for r in records if not types or r["type"] in types]


def test_a_refund_made_in_the_stripe_dashboard_is_applied(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None), ("event", catalog.event, 2)])
    sim.dashboard_refund(order.payment_intent, 1000)
    after = order_state(db, order.id)
    assert (after["status"], after["refunds"]) == (
        "partially_refunded",
        [("10.00", "succeeded", "stripe")],
    )
    assert (after["entitlements"], after["bookings"]) == (["course"], [("confirmed", 2)])
    sim.dashboard_refund(order.payment_intent)  # the rest
    after = order_state(db, order.id)
    assert after["status"] == "refunded"
    assert (after["entitlements"], after["bookings"]) == ([], [("cancelled", 2)])
    assert after["refund_emails"] == 2
    assert seats_left(db, catalog.event) == 5


def test_pending_refund_settles_on_refund_updated(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    sim.refund_mode("pending")
    res = refund(client, order.id)
    assert res.get_json()["refund"]["status"] == "pending"
    held = order_state(db, order.id)
    assert (held["status"], held["entitlements"]) == ("completed", ["course"])
    assert refund(client, order.id).get_json()["error"] == "Order is already fully refunded"
    sim.settle_refund(res.get_json()["refund"]["stripeRefundId"], "succeeded")
    after = order_state(db, order.id)
    assert (after["status"], after["entitlements"], after["refund_emails"]) == ("refunded", [], 1)


def test_failed_refund_frees_the_amount_and_keeps_access(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    sim.refund_mode("pending")
    first = refund(client, order.id).get_json()["refund"]
    sim.settle_refund(first["stripeRefundId"], "failed")
    after = order_state(db, order.id)
    assert (after["status"], after["entitlements"], after["refund_emails"]) == (
        "completed",
        ["course"],
        0,
    )
    assert after["refunds"] == [("49.00", "failed", "support-token")]
    assert refund(client, order.id).status_code == 202  # the money is refundable again


def test_dispute_won_returns_the_order(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    sim.dispute(order.payment_intent)
    assert order_state(db, order.id)["status"] == "disputed"
    assert refund(client, order.id).get_json()["error"] == "Order is disputed"
    sim.dispute(order.payment_intent, "won")
    after = order_state(db, order.id)
    assert (after["status"], after["review"], after["entitlements"]) == (
        "completed",
        False,
        ["course"],
    )


def test_dispute_lost_revokes_everything_and_flags(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None), ("event", catalog.event, 2)])
    sim.dispute(order.payment_intent, "lost")
    after = order_state(db, order.id)
    assert (after["status"], after["review"], after["entitlements"], after["bookings"]) == (
        "disputed",
        True,
        [],
        [("cancelled", 2)],
    )
    assert seats_left(db, catalog.event) == 5


def test_every_new_event_replayed_changes_nothing(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None), ("event", catalog.event, 3)])
    sim.refund_mode("pending")
    one = refund(
        client, order.id, items=[{"itemType": "event", "itemId": str(catalog.event), "quantity": 1}]
    ).get_json()["refund"]
    sim.settle_refund(one["stripeRefundId"], "succeeded")
    two = refund(client, order.id, amount="5.00").get_json()["refund"]
    sim.settle_refund(two["stripeRefundId"], "failed")
    sim.refund_mode("succeeded")
    sim.dashboard_refund(order.payment_intent, 700)
    sim.dispute(order.payment_intent, "won")
    before = order_state(db, order.id)
    sent = events_of(sim, order)
    types = {e["type"] for e in sent}
    assert types >= {
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.dispute.created",
        "charge.dispute.closed",
    }
    for event in sent:
        assert deliver(client, event)["duplicate"] is True
    assert order_state(db, order.id) == before
    assert before["status"] == "partially_refunded"
    assert before["bookings"] == [("confirmed", 2)]
    assert [r[:2] for r in before["refunds"]] == [
        ("120.00", "succeeded"),
        ("5.00", "failed"),
        ("7.00", "succeeded"),
    ]


def test_reordered_refund_events_end_where_stripe_is(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    sim.set_webhook(None)  # hold the events back, deliver them in reverse
    sim.refund_mode("pending")
    asked = refund(client, order.id).get_json()["refund"]
    sim.settle_refund(asked["stripeRefundId"], "failed")
    held = events_of(sim, order, "refund.created", "refund.updated", "refund.failed")
    assert [e["type"] for e in held] == ["refund.created", "refund.updated", "refund.failed"]
    for event in reversed(held):
        deliver(client, event)
    # A "succeeded" that Stripe sent before the failure, arriving after it:
    stale = {**held[1], "id": held[1]["id"] + "_stale"}
    stale["data"] = {"object": {**held[1]["data"]["object"], "status": "succeeded"}}
    assert deliver(client, stale)["duplicate"] is False
    after = order_state(db, order.id)
    assert (after["status"], after["refunds"][0][1], after["entitlements"]) == (
        "completed",
        "failed",
        ["course"],
    )


def test_reordered_success_events_apply_once(client, sim, served, db, catalog):
    order = buy(client, sim, [("course", catalog.course, None)])
    sim.set_webhook(None)
    sim.dashboard_refund(order.payment_intent)
    held = events_of(sim, order, "refund.created", "charge.refunded")
    for event in reversed(held):
        deliver(client, event)
    after = order_state(db, order.id)
    assert (after["status"], len(after["refunds"]), after["refund_emails"]) == ("refunded", 1, 1)


def test_dispute_closed_before_created(client, sim, served, db, catalog):
    won, lost = (
        buy(client, sim, [("course", c, None)]) for c in (catalog.course, catalog.course_b)
    )
    sim.set_webhook(None)
    for order, outcome in ((won, "won"), (lost, "lost")):
        sim.dispute(order.payment_intent, outcome)
        for event in reversed(
            events_of(sim, order, "charge.dispute.created", "charge.dispute.closed")
        ):
            deliver(client, event)
    assert order_state(db, won.id)["status"] == "completed"
    after = order_state(db, lost.id)
    assert (after["status"], after["review"], after["entitlements"]) == ("disputed", True, [])
